//! `orion history`: the runs that changed something, from their journals.

use crate::cli::journals;
use crate::exit_code::ExitCode;
use clap::Args;
use std::path::PathBuf;

/// List past runs that changed something, newest last.
#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// orion.toml whose journals to read [default: the nearest above here].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: HistoryArgs) -> ExitCode {
    let dir = journals::dir(args.config.as_deref());
    let runs = journals::runs(&dir);
    if runs.is_empty() {
        eprintln!(
            "no runs have changed anything yet (no journals in {})",
            dir.display()
        );
        return ExitCode::Success;
    }
    println!(
        "{:<24} {:<12} {:<20} {:>7}  first change",
        "RUN", "ENV", "CONTEXT", "CHANGES"
    );
    for (run, _, entries) in runs {
        let Some(first) = entries.first() else {
            continue;
        };
        println!(
            "{run:<24} {:<12} {:<20} {:>7}  {}/{}: {}",
            first.environment.as_deref().unwrap_or("-"),
            first.context,
            entries.len(),
            first.kind.to_ascii_lowercase(),
            first.name,
            first.summary
        );
    }
    ExitCode::Success
}
