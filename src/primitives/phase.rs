//! The phase of a run a step belongs to, which picks the exit code when the
//! step fails: pre-flight 1, deploy 2, verify 3, smoke 4. A step named
//! "pre-flight", "verify" or "smoke" (and a few spellings) is in that phase;
//! `step(name, #{phase: "verify"}, || ...)` says so for any name.

use crate::exit_code::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    PreFlight,
    Deploy,
    Verify,
    Smoke,
}

impl Phase {
    /// The phase a `phase` option names.
    pub fn parse(text: &str) -> Result<Phase, String> {
        match text.to_ascii_lowercase().as_str() {
            "pre-flight" | "preflight" => Ok(Phase::PreFlight),
            "deploy" => Ok(Phase::Deploy),
            "verify" | "verification" => Ok(Phase::Verify),
            "smoke" => Ok(Phase::Smoke),
            other => Err(format!(
                "unknown phase \"{other}\"\nhint: a phase is \"pre-flight\" (exit 1), \"deploy\" (2), \"verify\" (3) or \"smoke\" (4)"
            )),
        }
    }

    /// The phase a step's name implies, if any.
    pub fn of_step(name: &str) -> Option<Phase> {
        match name.trim().to_ascii_lowercase().as_str() {
            "pre-flight" | "preflight" | "pre-flight checks" | "pre-checks" => {
                Some(Phase::PreFlight)
            }
            "verify" | "verification" | "post-deploy verification" => Some(Phase::Verify),
            "smoke" | "smoke tests" | "smoke-tests" => Some(Phase::Smoke),
            _ => None,
        }
    }

    /// How a run that failed in this phase exits.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Phase::PreFlight => ExitCode::PreFlight,
            Phase::Deploy => ExitCode::DeployFailed,
            Phase::Verify => ExitCode::VerificationFailed,
            Phase::Smoke => ExitCode::SmokeFailed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_options_pick_the_exit_code() {
        assert_eq!(
            Phase::of_step("Verify").map(Phase::exit_code),
            Some(ExitCode::VerificationFailed)
        );
        assert_eq!(Phase::of_step("smoke tests"), Some(Phase::Smoke));
        assert_eq!(Phase::of_step("pre-flight"), Some(Phase::PreFlight));
        assert_eq!(Phase::of_step("deploy auth"), None);
        assert_eq!(Phase::parse("verify"), Ok(Phase::Verify));
        assert!(Phase::parse("later")
            .unwrap_err()
            .contains("\"verify\" (3)"));
    }
}
