//! `orion history`: the runs that changed something, from this machine's
//! journals and the run summaries in the cluster.

use crate::cli::past_runs::Sources;
use crate::exit_code::ExitCode;
use clap::Args;

/// List past runs that changed something, oldest first: from this machine's
/// journals and from the run summaries kept in the cluster (so runs made
/// elsewhere show too).
#[derive(Args, Debug)]
pub(super) struct HistoryArgs {
    #[command(flatten)]
    sources: Sources,
}

pub(super) fn run(args: HistoryArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the I/O runtime: {e}");
            return ExitCode::PreFlight;
        }
    };
    let found = runtime.block_on(args.sources.find());
    if found.runs.is_empty() {
        eprintln!(
            "no runs have changed anything yet (no journals in {}{})",
            found.dir.display(),
            if found.cluster.is_some() {
                ", no run summaries in the cluster"
            } else {
                ""
            }
        );
        return ExitCode::Success;
    }
    println!(
        "{:<24} {:<12} {:<16} {:>7}  {:<36} {:<8} first change",
        "RUN", "ENV", "CONTEXT", "CHANGES", "STATUS", "FOUND IN"
    );
    for run in &found.runs {
        let entries = run.entries();
        let Some(first) = entries.first() else {
            continue;
        };
        let status = run.status();
        println!(
            "{:<24} {:<12} {:<16} {:>7}  {status:<36} {:<8} {}/{}: {}",
            run.id,
            first.environment.as_deref().unwrap_or("-"),
            first.context,
            entries.len(),
            run.found_in(),
            first.kind.to_ascii_lowercase(),
            first.name,
            first.summary
        );
    }
    ExitCode::Success
}
