//! The process exit codes, in one place. They come from the platform's earlier
//! deployment scripts and are kept stable so CI pipelines can branch on them.

use serde::Serialize;

/// How a run ended, as the number the process exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "i32")]
pub enum ExitCode {
    /// 0 — everything succeeded.
    Success,
    /// 1 — pre-flight failed: bad flags or config, a playbook that does not compile,
    /// a guard that refused to go on. Nothing was changed.
    PreFlight,
    /// 2 — the deploy failed (a runtime error in the playbook); changes were rolled back.
    DeployFailed,
    /// 3 — post-deploy verification failed; changes were rolled back.
    VerificationFailed,
    /// 4 — smoke tests failed.
    SmokeFailed,
    /// 5 — cancelled by the operator (Ctrl-C, or approval refused or unavailable).
    Cancelled,
    /// 6 — the rollback itself failed: the cluster needs a human.
    RollbackFailed,
}

impl ExitCode {
    /// Every code, in numeric order (for `--help` and docs).
    pub const ALL: [ExitCode; 7] = [
        ExitCode::Success,
        ExitCode::PreFlight,
        ExitCode::DeployFailed,
        ExitCode::VerificationFailed,
        ExitCode::SmokeFailed,
        ExitCode::Cancelled,
        ExitCode::RollbackFailed,
    ];

    pub fn code(self) -> i32 {
        match self {
            ExitCode::Success => 0,
            ExitCode::PreFlight => 1,
            ExitCode::DeployFailed => 2,
            ExitCode::VerificationFailed => 3,
            ExitCode::SmokeFailed => 4,
            ExitCode::Cancelled => 5,
            ExitCode::RollbackFailed => 6,
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => "success",
            ExitCode::PreFlight => "pre-flight or guard failed; nothing was changed",
            ExitCode::DeployFailed => "deploy failed (rolled back)",
            ExitCode::VerificationFailed => "post-deploy verification failed (rolled back)",
            ExitCode::SmokeFailed => "smoke tests failed",
            ExitCode::Cancelled => "cancelled by the operator",
            ExitCode::RollbackFailed => "rollback failed or was skipped: the cluster needs a human",
        }
    }

    /// The table printed at the end of `orion --help`.
    pub fn help_table() -> String {
        let mut out = String::from("Exit codes:\n");
        for c in Self::ALL {
            out.push_str(&format!("  {}  {}\n", c.code(), c.meaning()));
        }
        out
    }
}

impl From<ExitCode> for i32 {
    fn from(c: ExitCode) -> i32 {
        c.code()
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode;

    #[test]
    fn codes_are_numbered_in_order() {
        for (i, c) in ExitCode::ALL.iter().enumerate() {
            assert_eq!(c.code(), i as i32);
        }
    }
}
