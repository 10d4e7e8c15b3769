//! `orion repl`: an interactive shell with the same primitives and guards as `play`.

mod helper;

use crate::cli::target_args::TargetArgs;
use crate::exit_code::ExitCode;
use crate::report::console::Console;
use crate::report::sink::Verbosity;
use crate::report::style::Style;
use crate::runtime::Runtime;
use crate::session::Session;
use clap::Args;
use helper::ReplHelper;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Interactive shell: variables and functions persist between lines, multi-line
/// input, tab completion, history in the user's data directory.
#[derive(Args, Debug)]
pub(super) struct ReplArgs {
    #[command(flatten)]
    target: TargetArgs,
}

const HELP: &str = "\
Type Rhai statements; an unfinished block, map, array or string continues on the next line.
Tab completes namespaces, functions and variables.
  :help        this text
  :vars        variables in scope
  :load FILE   run a file into this session (its functions and variables stay)
  :quit        leave (or Ctrl-D)
Ctrl-C clears the line, or stops the running statement.";

pub(super) fn run(args: ReplArgs, verbosity: Verbosity) -> ExitCode {
    let style = Style::for_stderr();
    let sim = match args.target.start_sim() {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("{} {e}", style.error("error:"));
            return ExitCode::PreFlight;
        }
    };
    let runtime = match args
        .target
        .apply(Runtime::builder(), None, sim.as_ref())
        .sink(Arc::new(Console::stderr(verbosity)))
        .cancel_on_ctrl_c(true)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{} {e}", style.error("error:"));
            return e.exit_code();
        }
    };
    args.target.say_chosen(&runtime);
    let session = match Session::new(&runtime) {
        Ok(s) => Rc::new(RefCell::new(s)),
        Err(d) => {
            eprint!("{}", d.render(&style));
            return ExitCode::PreFlight;
        }
    };
    let config = Config::builder().auto_add_history(true).build();
    let mut editor: Editor<ReplHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "{} cannot start the line editor: {e}",
                style.error("error:")
            );
            return ExitCode::PreFlight;
        }
    };
    editor.set_helper(Some(ReplHelper::new(session.clone())));
    let history = history_file();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    eprintln!(
        "orion {} — :help for commands, :quit to leave",
        env!("CARGO_PKG_VERSION")
    );
    loop {
        match editor.readline("orion> ") {
            Ok(line) => {
                let input = line.trim();
                if input.is_empty() {
                    continue;
                }
                if let Some(command) = input.strip_prefix(':') {
                    if !command_(command, &session, &style) {
                        break;
                    }
                    continue;
                }
                report(session.borrow_mut().eval(&line), &style);
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("{} {e}", style.error("error:"));
                break;
            }
        }
    }
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = editor.save_history(path) {
            eprintln!(
                "{} cannot save history to {}: {e}",
                style.warn("warn:"),
                path.display()
            );
        }
    }
    ExitCode::Success
}

/// Runs a `:command`; false means leave.
fn command_(command: &str, session: &Rc<RefCell<Session>>, style: &Style) -> bool {
    let (name, arg) = command.split_once(' ').unwrap_or((command, ""));
    match name {
        "q" | "quit" | "exit" => return false,
        "help" | "h" => println!("{HELP}"),
        "vars" => {
            for v in session.borrow().variables() {
                let kind = if v.constant { "const" } else { "let" };
                println!("{kind} {}: {} = {}", v.name, v.type_name, v.value);
            }
        }
        "load" if !arg.trim().is_empty() => {
            report(session.borrow_mut().load(Path::new(arg.trim())), style)
        }
        "load" => eprintln!(
            "{} :load needs a file, e.g. :load playbooks/lib.rhai",
            style.error("error:")
        ),
        other => eprintln!(
            "{} unknown command :{other} (try :help)",
            style.error("error:")
        ),
    }
    true
}

fn report(result: Result<rhai::Dynamic, crate::report::diagnostic::Diagnostic>, style: &Style) {
    match result {
        Ok(value) if value.is_unit() => {}
        Ok(value) if value.is_string() => println!("=> {:?}", value.to_string()),
        Ok(value) => println!("=> {value}"),
        Err(d) => eprint!("{}", d.render(style)),
    }
}

/// `$XDG_DATA_HOME/orion/repl_history` (or the platform's data directory).
fn history_file() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("orion").join("repl_history"))
}
