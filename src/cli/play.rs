//! `orion play FILE`: compile and run a playbook.

use crate::cli::target_args::TargetArgs;
use crate::exit_code::ExitCode;
use crate::report::console::Console;
use crate::report::json::JsonLines;
use crate::report::sink::{Sink, Verbosity};
use crate::report::style::Style;
use crate::runtime::Runtime;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;

/// Compile and run a playbook.
#[derive(Args, Debug)]
pub(super) struct PlayArgs {
    /// The playbook (.rhai); its imports resolve in its directory.
    #[arg(value_name = "FILE")]
    playbook: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
    /// human: timestamped lines and a summary on stderr; json: one event per line on stdout.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Human)]
    output: Output,
    /// Write the run's smoke tests as JUnit XML to FILE (for CI), whatever the outcome.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Output {
    Human,
    Json,
}

pub(super) fn run(args: PlayArgs, verbosity: Verbosity) -> ExitCode {
    // Output paths are checked before anything runs: a report that cannot be
    // written must not leave a run's changes behind a failed exit.
    if let Some(path) = &args.junit {
        if let Err(e) = writable(path) {
            eprintln!(
                "{} cannot write the JUnit report {}: {e}; nothing was run\n  = hint: --junit needs a writable file",
                Style::for_stderr().error("error:"),
                path.display()
            );
            return ExitCode::PreFlight;
        }
    }
    let sim = match args.target.start_sim() {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("{} {e}", Style::for_stderr().error("error:"));
            return ExitCode::PreFlight;
        }
    };
    let sink: Arc<dyn Sink> = match args.output {
        Output::Human => Arc::new(Console::stderr(verbosity)),
        Output::Json => Arc::new(JsonLines::stdout(verbosity)),
    };
    let builder = args
        .target
        .apply(Runtime::builder(), Some(&args.playbook), sim.as_ref())
        .sink(sink)
        .cancel_on_ctrl_c(true);
    match builder.build() {
        Ok(runtime) => {
            args.target.say_chosen(&runtime);
            let outcome = runtime.run_file(&args.playbook);
            match &args.junit {
                Some(path) => write_junit(path, &args.playbook, &outcome),
                None => outcome.exit_code,
            }
        }
        Err(e) => {
            eprintln!("{} {e}", Style::for_stderr().error("error:"));
            e.exit_code()
        }
    }
}

/// Whether `path` can be written (it is created empty if it was not there;
/// the report replaces it at the end).
fn writable(path: &std::path::Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map(|_| ())
}

/// Writes the JUnit report; a report that cannot be written fails a run
/// that otherwise succeeded, since CI would read nothing.
fn write_junit(
    path: &std::path::Path,
    playbook: &std::path::Path,
    outcome: &crate::Outcome,
) -> ExitCode {
    let xml = crate::report::junit::render(
        &playbook.display().to_string(),
        &outcome.tests,
        &jiff::Timestamp::now().to_string(),
    );
    match std::fs::write(path, xml) {
        Ok(()) => outcome.exit_code,
        Err(e) => {
            eprintln!(
                "{} cannot write the JUnit report {}: {e}",
                Style::for_stderr().error("error:"),
                path.display()
            );
            if outcome.succeeded() {
                ExitCode::PreFlight
            } else {
                outcome.exit_code
            }
        }
    }
}
