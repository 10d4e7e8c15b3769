//! `orion completions SHELL`: shell completion script on stdout.

use crate::cli::Cli;
use crate::exit_code::ExitCode;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Print a completion script (e.g. `orion completions bash > /etc/bash_completion.d/orion`).
#[derive(Args, Debug)]
pub(super) struct CompletionsArgs {
    #[arg(value_enum)]
    shell: CompletionShell,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

pub(super) fn run(args: CompletionsArgs) -> ExitCode {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "orion", &mut std::io::stdout());
    ExitCode::Success
}
