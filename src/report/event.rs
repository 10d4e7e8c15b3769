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

impl Event {
    /// The same event with `f` applied to every text it carries (names,
    /// messages, errors, reasons, metric sources and queries, diagnostics):
    /// `Host::emit` masks secrets with it before any sink sees an event.
    pub fn map_text(self, f: &dyn Fn(&str) -> String) -> Event {
        let maybe = |t: Option<String>| t.map(|t| f(&t));
        match self {
            Event::RunStarted {
                playbook,
                environment,
                context,
                namespace,
                dry_run,
            } => Event::RunStarted {
                playbook: f(&playbook),
                environment: maybe(environment),
                context: maybe(context),
                namespace: maybe(namespace),
                dry_run,
            },
            Event::StepStarted { name, depth } => Event::StepStarted {
                name: f(&name),
                depth,
            },
            Event::StepFinished { step } => Event::StepFinished {
                step: step.map_text(f),
            },
            Event::Log { level, message, at } => Event::Log {
                level,
                message: f(&message),
                at: maybe(at),
            },
            Event::Progress {
                id,
                done,
                total,
                message,
                finished,
            } => Event::Progress {
                id: f(&id),
                done,
                total,
                message: f(&message),
                finished,
            },
            Event::Error { diagnostic } => Event::Error {
                diagnostic: diagnostic.map_text(f),
            },
            Event::TestFinished { test } => Event::TestFinished {
                test: test.map_text(f),
            },
            Event::Metric {
                source,
                query,
                value,
                verdict,
                detail,
            } => Event::Metric {
                source: f(&source),
                query: f(&query),
                value,
                verdict: maybe(verdict),
                detail: f(&detail),
            },
            Event::RunFinished {
                exit_code,
                status,
                duration_ms,
                steps,
                tests,
            } => Event::RunFinished {
                exit_code,
                status,
                duration_ms,
                steps: steps.into_iter().map(|s| s.map_text(f)).collect(),
                tests: tests.into_iter().map(|t| t.map_text(f)).collect(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Event, Level};
    use crate::report::step::{StepRecord, StepStatus};

    #[test]
    fn every_text_is_mapped() {
        let up = |t: &str| t.to_uppercase();
        let log = Event::Log {
            level: Level::Info,
            message: "a".into(),
            at: Some("b".into()),
        };
        assert_eq!(
            log.map_text(&up),
            Event::Log {
                level: Level::Info,
                message: "A".into(),
                at: Some("B".into()),
            }
        );
        let step = StepRecord {
            name: "s".into(),
            depth: 0,
            status: StepStatus::Failed,
            duration: Default::default(),
            error: Some("e".into()),
        };
        let finished = Event::StepFinished { step }.map_text(&up);
        let Event::StepFinished { step } = finished else {
            unreachable!("a step stays a step")
        };
        assert_eq!(
            (step.name.as_str(), step.error.as_deref()),
            ("S", Some("E"))
        );
    }
}
