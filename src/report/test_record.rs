//! One smoke test of a run (`smoke::test`), as the summary, the JSON events
//! and the JUnit report list it.

use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestRecord {
    pub name: String,
    /// The service it tests ("auth"), if any: `--service` picks by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub tags: Vec<String>,
    pub status: TestStatus,
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
    /// Why it failed, or why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A soft test's failure is reported but does not fail the run.
    pub soft: bool,
}

impl TestRecord {
    /// The same record with `f` applied to its name, service, tags and reason.
    pub fn map_text(self, f: &dyn Fn(&str) -> String) -> TestRecord {
        TestRecord {
            name: f(&self.name),
            service: self.service.map(|s| f(&s)),
            tags: self.tags.iter().map(|t| f(t)).collect(),
            reason: self.reason.map(|r| f(&r)),
            ..self
        }
    }

    /// A failure that fails the run.
    pub fn fails_the_run(&self) -> bool {
        self.status == TestStatus::Failed && !self.soft
    }
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

/// "12 passed, 1 failed, 3 skipped".
pub fn counts(tests: &[TestRecord]) -> String {
    let n = |s: TestStatus| tests.iter().filter(|t| t.status == s).count();
    format!(
        "{} passed, {} failed, {} skipped",
        n(TestStatus::Passed),
        n(TestStatus::Failed),
        n(TestStatus::Skipped)
    )
}
