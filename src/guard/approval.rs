//! Approval: before the first change in an environment that requires it (and
//! wherever a playbook calls `approve`), an operator types the environment's
//! name at the terminal; without a terminal, `--yes --approver NAME` stands
//! in. Who approved, when and what they saw is kept for the run's record.

use std::io::{BufRead, IsTerminal, Write};

/// One approval given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    pub by: String,
    /// "terminal" or "--yes".
    pub how: &'static str,
    pub at: String,
    /// What the operator was shown.
    pub shown: String,
}

/// Why no approval was given (the run ends as cancelled, exit 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

/// Asks for approval of `shown` in environment `env`. `yes` and `approver`
/// are the flags; `terminal` says whether an operator can be asked.
pub fn ask(
    env: &str,
    shown: &str,
    yes: bool,
    approver: Option<&str>,
    terminal: bool,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Approved, Denied> {
    let now = jiff::Timestamp::now().to_string();
    if yes {
        return match approver {
            Some(by) if !by.trim().is_empty() => Ok(Approved { by: by.to_string(), how: "--yes", at: now, shown: shown.to_string() }),
            _ => Err(Denied(format!(
                "approval for environment {env} needs a name with --yes\nhint: add --approver NAME, so the record says who approved"
            ))),
        };
    }
    if !terminal {
        return Err(Denied(format!(
            "environment {env} needs approval and there is no terminal to ask at; nothing was changed\nhint: run it at a terminal, or pass --yes --approver NAME"
        )));
    }
    let _ = write!(out, "\nApproval needed for environment {env}:\n{shown}\nType \"{env}\" to approve, anything else to stop: ");
    let _ = out.flush();
    let mut line = String::new();
    if input.read_line(&mut line).is_err() || line.trim() != env {
        return Err(Denied(format!(
            "approval for environment {env} was not given; nothing was changed"
        )));
    }
    let by = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "operator".into());
    Ok(Approved {
        by,
        how: "terminal",
        at: now,
        shown: shown.to_string(),
    })
}

/// Whether an operator is there to ask: stdin and stderr are a terminal.
pub fn at_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        yes: bool,
        approver: Option<&str>,
        terminal: bool,
        typed: &str,
    ) -> (Result<Approved, Denied>, String) {
        let mut out = Vec::new();
        let r = ask(
            "production",
            "deployment/web: set image web=shop/web:2",
            yes,
            approver,
            terminal,
            &mut typed.as_bytes(),
            &mut out,
        );
        (r, String::from_utf8(out).unwrap())
    }

    #[test]
    fn the_operator_types_the_environment_name() {
        let (r, shown) = run(false, None, true, "production\n");
        assert_eq!(r.unwrap().how, "terminal");
        assert!(
            shown.contains("set image web=shop/web:2") && shown.contains("Type \"production\""),
            "{shown}"
        );
        let (r, _) = run(false, None, true, "yes\n");
        assert!(r.unwrap_err().0.contains("was not given"));
    }

    #[test]
    fn without_a_terminal_yes_needs_an_approver() {
        assert_eq!(run(true, Some("alice"), false, "").0.unwrap().by, "alice");
        assert!(run(true, None, false, "")
            .0
            .unwrap_err()
            .0
            .contains("--approver NAME"));
        assert!(run(false, None, false, "")
            .0
            .unwrap_err()
            .0
            .contains("no terminal"));
    }
}
