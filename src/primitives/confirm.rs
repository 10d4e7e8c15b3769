//! `confirm(question, default)`: a yes/no question for the operator at a
//! terminal (the staging playbook's "roll back?"). Without a terminal the
//! default is the answer, and the log says so; `--yes` answers yes.

use crate::guard::approval::at_terminal;
use crate::primitives::doc;
use crate::primitives::error::call_site;
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Engine, NativeCallContext};
use std::io::{BufRead, Write};
use std::sync::Arc;

/// The answer to `question`: typed at a terminal, else `default` (`yes` with --yes).
pub fn answer(
    question: &str,
    default: bool,
    yes: bool,
    terminal: bool,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> (bool, &'static str) {
    if yes {
        return (true, "--yes");
    }
    if !terminal {
        return (default, "no terminal to ask at: the default");
    }
    let hint = if default { "[Y/n]" } else { "[y/N]" };
    let _ = write!(out, "\n{question} {hint} ");
    let _ = out.flush();
    let mut line = String::new();
    if input.read_line(&mut line).is_err() {
        return (default, "no answer: the default");
    }
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => (true, "the operator"),
        "n" | "no" => (false, "the operator"),
        _ => (default, "the default"),
    }
}

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    doc(
        "confirm",
        "Asks the operator a yes/no question at the terminal and returns the answer; without a terminal returns the default (true with --yes), saying so in the log.",
        &["question: &str", "default: bool", "bool"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, question: &str, default: bool| {
            let stdin = std::io::stdin();
            let (yes, who) = answer(
                question,
                default,
                h.target.assume_yes,
                at_terminal(),
                &mut stdin.lock(),
                &mut std::io::stderr(),
            );
            let said = if yes { "yes" } else { "no" };
            h.log(Level::Info, format!("{question} {said} ({who})"), call_site(&ctx));
            yes
        },
    );
}

#[cfg(test)]
mod tests {
    use super::answer;

    fn ask(default: bool, yes: bool, terminal: bool, typed: &str) -> bool {
        answer(
            "roll back?",
            default,
            yes,
            terminal,
            &mut typed.as_bytes(),
            &mut Vec::new(),
        )
        .0
    }

    #[test]
    fn typed_answers_the_default_and_yes() {
        assert!(ask(false, false, true, "y\n"));
        assert!(!ask(true, false, true, "no\n"));
        assert!(ask(true, false, true, "\n"));
        assert!(!ask(false, false, true, "maybe\n"));
        assert!(!ask(false, false, false, "y\n"));
        assert!(ask(true, false, false, ""));
        assert!(ask(false, true, false, ""));
    }
}
