//! The command line: parse flags, dispatch to one subcommand, exit with its code.
//! Errors are printed here or by the run's reporter — never twice.

mod check;
mod completions;
mod doc;
mod history;
mod logging;
mod past_runs;
mod play;
mod repl;
mod rollback;
mod sim;
mod sim_cluster;
mod target_args;

use crate::exit_code::ExitCode;
use crate::report::sink::Verbosity;
use clap::{Parser, Subcommand};
use std::ffi::OsString;

#[derive(Parser)]
#[command(
    name = "orion",
    version,
    about = "Deployment playbooks in Rhai, with safety guards the script cannot skip",
    after_help = ExitCode::help_table(),
)]
pub struct Cli {
    /// More output: script debug logs, orion's own debug log and the libraries' warnings (-vv: trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Less output: warnings, errors and the final line only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Play(play::PlayArgs),
    Check(check::CheckArgs),
    Repl(repl::ReplArgs),
    Sim(sim::SimArgs),
    History(history::HistoryArgs),
    Rollback(rollback::RollbackArgs),
    Doc(doc::DocArgs),
    Completions(completions::CompletionsArgs),
}

impl Cli {
    fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            _ => Verbosity::Verbose,
        }
    }
}

/// Runs orion with these arguments (the first is the program name) and returns
/// the process exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::PreFlight.code()
            } else {
                ExitCode::Success.code()
            };
        }
    };
    let verbosity = cli.verbosity();
    logging::init(cli.verbose, cli.quiet);
    report_panics();
    let code = match cli.command {
        Command::Play(args) => play::run(args, verbosity),
        Command::Check(args) => check::run(args),
        Command::Repl(args) => repl::run(args, verbosity),
        Command::Sim(args) => sim::run(args),
        Command::History(args) => history::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Doc(args) => doc::run(args),
        Command::Completions(args) => completions::run(args),
    };
    code.code()
}

/// A panic is a bug in orion: say so plainly, with where it happened.
fn report_panics() {
    std::panic::set_hook(Box::new(|info| {
        let style = crate::report::style::Style::for_stderr();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "{} orion hit an internal error{at}: {what}\n  = hint: this is a bug in orion; please report it with the command and playbook that triggered it",
            style.error("error:")
        );
    }));
}
