//! `orion rollback --last | --run ID`: undo a past run — after a killed run,
//! from another shell, or from another machine through the run's summary in
//! the cluster. It takes the run's deploy lock, like a run.

use crate::cli::past_runs::{PastRun, Sources};
use crate::exit_code::ExitCode;
use crate::guard::compensate::{is_external, plan, undo};
use crate::guard::{summary, Gate, Refusal};
use crate::k8s::connect::{connect, Cluster};
use crate::report::style::Style;
use clap::Args;
use std::time::Duration;

/// Undo a past run's changes (each object back to its state before that run),
/// from this machine's journal or the run's summary in the cluster.
#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// The newest run.
    #[arg(long, conflicts_with = "run")]
    last: bool,
    /// The run to undo (as `orion history` lists it).
    #[arg(long, value_name = "ID")]
    run: Option<String>,
    #[command(flatten)]
    sources: Sources,
}

pub fn run(args: RollbackArgs) -> ExitCode {
    let style = Style::for_stderr();
    let fail = |message: String| {
        eprintln!("{} {message}", style.error("error:"));
        ExitCode::PreFlight
    };
    if args.run.is_none() && !args.last {
        return fail("say which run: --last, or --run ID (orion history lists them)".into());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the I/O runtime: {e}")),
    };
    runtime.block_on(async {
        let found = args.sources.find().await;
        let chosen = match &args.run {
            Some(id) => found.runs.iter().find(|r| &r.id == id),
            None => found.runs.last(),
        };
        let Some(run) = chosen else {
            return fail(format!(
                "no such run in {} or the cluster's run summaries\n  = hint: orion history lists the runs",
                found.dir.display()
            ));
        };
        if run.journal.is_none() {
            if let Some(problem) = run.stored.as_ref().and_then(|s| s.problem.as_ref()) {
                return fail(format!("run {} cannot be undone from here: {problem}", run.id));
            }
        }
        let cluster = match (&run.journal, found.cluster) {
            (None, Some(c)) => c,
            _ => match connect(None, Some(&run.entries()[0].context), None).await {
                Ok(c) => c,
                Err(e) => return fail(e.message),
            },
        };
        undo_run(run, &cluster, &style).await
    })
}

async fn undo_run(run: &PastRun, cluster: &Cluster, style: &Style) -> ExitCode {
    let entries = run.entries();
    let from = match &run.journal {
        Some((path, _)) => format!("journal {}", path.display()),
        None => {
            let ns = run
                .stored
                .as_ref()
                .map(|s| s.namespace.as_str())
                .unwrap_or("");
            format!("summary {ns}/{}", summary::object_name(&run.id))
        }
    };
    eprintln!(
        "undoing run {}: {} changes in context {} ({from})",
        run.id,
        entries.len(),
        cluster.info.name
    );
    // The run's deploy lock, so no run changes the same objects meanwhile.
    let gate = Gate::for_undo(entries[0].environment.clone());
    let mut namespaces: Vec<&str> = plan(entries)
        .iter()
        .filter(|e| !is_external(e))
        .map(|e| e.namespace.as_str())
        .collect();
    namespaces.sort();
    namespaces.dedup();
    for ns in namespaces {
        match gate.check(cluster, ns).await {
            Ok(()) => {}
            Err(Refusal::Refused(why)) => {
                gate.release().await;
                eprintln!("{} {why}", style.error("error:"));
                return ExitCode::PreFlight;
            }
            Err(Refusal::Failed(e)) => {
                gate.release().await;
                eprintln!("{} {}", style.error("error:"), e.message);
                return ExitCode::PreFlight;
            }
        }
    }
    let undone = undo(
        Some(cluster),
        entries,
        Duration::from_secs(300),
        &Default::default(),
    )
    .await;
    for problem in gate.release().await {
        eprintln!("warning: could not release the deploy lock {problem}; it expires by itself");
    }
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
    let status = if left == 0 {
        "rolled back by orion rollback"
    } else {
        "orion rollback left changes (exit 6)"
    };
    if let Some(s) = &run.stored {
        if let Err(e) = summary::set_status(cluster, &s.namespace, &run.id, status).await {
            eprintln!(
                "warning: could not record the rollback in the run's summary: {}",
                e.message
            );
        }
    }
    if left > 0 {
        eprintln!(
            "{} {left} objects could not be undone; each one's state before the run is the `prior` of its first entry in the {from}",
            style.error("error:"),
        );
        return ExitCode::RollbackFailed;
    }
    eprintln!("{}", style.ok(&format!("run {} undone", run.id)));
    ExitCode::Success
}
