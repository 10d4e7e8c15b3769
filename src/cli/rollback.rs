//! `orion rollback --last | --run ID`: undo a past run from its journal
//! alone — after a killed run, or from another shell.

use crate::cli::journals;
use crate::exit_code::ExitCode;
use crate::guard::compensate::undo;
use crate::k8s::connect::connect;
use crate::report::style::Style;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// Undo a past run's changes from its journal (each object back to its state before that run).
#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// The newest run.
    #[arg(long, conflicts_with = "run")]
    last: bool,
    /// The run to undo (as `orion history` lists it).
    #[arg(long, value_name = "ID")]
    run: Option<String>,
    /// orion.toml whose journals to read [default: the nearest above here].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: RollbackArgs) -> ExitCode {
    let style = Style::for_stderr();
    let fail = |message: String| {
        eprintln!("{} {message}", style.error("error:"));
        ExitCode::PreFlight
    };
    let dir = journals::dir(args.config.as_deref());
    let runs = journals::runs(&dir);
    let chosen = match (&args.run, args.last) {
        (Some(id), _) => runs.iter().find(|(run, _, _)| run == id),
        (None, true) => runs.last(),
        (None, false) => {
            return fail("say which run: --last, or --run ID (orion history lists them)".into())
        }
    };
    let Some((run, path, entries)) = chosen else {
        return fail(format!(
            "no such run in {}\n  = hint: orion history lists the runs",
            dir.display()
        ));
    };
    let Some(first) = entries.first() else {
        return fail(format!("run {run} changed nothing"));
    };
    let context = first.context.clone();
    eprintln!(
        "undoing run {run}: {} changes in context {context} (journal {})",
        entries.len(),
        path.display()
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the I/O runtime: {e}")),
    };
    let result = runtime.block_on(async {
        let cluster = connect(None, Some(&context), None).await?;
        Ok::<_, crate::k8s::K8sError>(
            undo(
                &cluster,
                entries,
                Duration::from_secs(300),
                &Default::default(),
            )
            .await,
        )
    });
    let undone = match result {
        Ok(u) => u,
        Err(e) => return fail(e.message),
    };
    let mut left = 0;
    for u in &undone {
        match &u.outcome {
            Ok(what) => eprintln!("  {} {} ({what})", style.ok("✓"), u.object),
            Err(why) => {
                left += 1;
                eprintln!("  {} {}: {why}", style.error("✗"), u.object);
            }
        }
    }
    if left > 0 {
        eprintln!(
            "{} {left} objects could not be undone; each one's state before the run is the `prior` of its first entry in {}",
            style.error("error:"),
            path.display()
        );
        return ExitCode::RollbackFailed;
    }
    eprintln!("{}", style.ok(&format!("run {run} undone")));
    ExitCode::Success
}
