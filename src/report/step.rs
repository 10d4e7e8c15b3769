//! One `step(...)` of a run, as the summary lists it.

use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Started and not finished (only seen while the run goes on).
    Running,
    Ok,
    Failed,
    Cancelled,
    /// Not run: a verify or smoke step in a dry run, which deploys nothing.
    Skipped,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Running => "running",
            StepStatus::Ok => "ok",
            StepStatus::Failed => "failed",
            StepStatus::Cancelled => "cancelled",
            StepStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    pub name: String,
    /// 0 for a top-level step, 1 for a step inside it, ...
    pub depth: usize,
    pub status: StepStatus,
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepRecord {
    /// The same record with `f` applied to its name and error.
    pub fn map_text(self, f: &dyn Fn(&str) -> String) -> StepRecord {
        StepRecord {
            name: f(&self.name),
            error: self.error.map(|e| f(&e)),
            ..self
        }
    }
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}
