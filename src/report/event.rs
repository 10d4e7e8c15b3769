//! Everything a run reports, in order. The JSON output is exactly these, one per line.

use crate::report::diagnostic::Diagnostic;
use crate::report::step::StepRecord;
use crate::report::test_record::TestRecord;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "debug" => Some(Level::Debug),
            "info" => Some(Level::Info),
            "warn" | "warning" => Some(Level::Warn),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        playbook: String,
        environment: Option<String>,
        context: Option<String>,
        namespace: Option<String>,
        dry_run: bool,
    },
    StepStarted {
        name: String,
        depth: usize,
    },
    StepFinished {
        #[serde(flatten)]
        step: StepRecord,
    },
    Log {
        level: Level,
        message: String,
        /// file:line:col of the script call that logged, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        at: Option<String>,
    },
    /// How far a long wait has got (a rollout: updated of desired). On a
    /// terminal it is one live line; elsewhere a line when it changes.
    Progress {
        /// What is progressing, e.g. "deployment/web".
        id: String,
        done: u64,
        total: u64,
        /// What it is waiting for now.
        message: String,
        /// The wait is over (the live line goes away).
        finished: bool,
    },
    Error {
        #[serde(flatten)]
        diagnostic: Diagnostic,
    },
    /// A smoke test passed, failed or was skipped.
    TestFinished {
        #[serde(flatten)]
        test: TestRecord,
    },
    /// A metrics query, value or verdict: what was asked of which source,
    /// the number it gave and what was concluded.
    Metric {
        /// Where the number came from: a Prometheus URL, "metrics.k8s.io", an endpoint.
        source: String,
        /// The PromQL, selector or JSON path asked.
        query: String,
        /// The number, if one (None: no data, or several).
        value: Option<f64>,
        /// "pass", "fail", "inconclusive", "breached" for a judgement.
        #[serde(skip_serializing_if = "Option::is_none")]
        verdict: Option<String>,
        /// The rest, in words ("3 series", the threshold, why).
        detail: String,
    },
    RunFinished {
        exit_code: i32,
        status: &'static str,
        duration_ms: u64,
        steps: Vec<StepRecord>,
        /// The run's smoke tests, if it had any.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tests: Vec<TestRecord>,
    },
}
