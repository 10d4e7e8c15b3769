//! How a run ended: its exit code, the steps it ran, and the error if it failed.

use crate::exit_code::ExitCode;
use crate::report::diagnostic::Diagnostic;
use crate::report::step::StepRecord;
use crate::report::test_record::TestRecord;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Outcome {
    pub exit_code: ExitCode,
    pub steps: Vec<StepRecord>,
    /// Its smoke tests, in the order they ran.
    pub tests: Vec<TestRecord>,
    pub error: Option<Diagnostic>,
    pub duration: Duration,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.exit_code == ExitCode::Success
    }

    /// "succeeded", "failed" or "cancelled", as the final line says it.
    pub fn status(&self) -> &'static str {
        match self.exit_code {
            ExitCode::Success => "succeeded",
            ExitCode::Cancelled => "cancelled",
            _ => "failed",
        }
    }
}
