//! The table of steps printed at the end of a run.

use crate::duration;
use crate::report::step::{StepRecord, StepStatus};
use crate::report::style::Style;
use crate::report::test_record::{counts, TestRecord, TestStatus};

pub fn table(steps: &[StepRecord], s: &Style) -> String {
    let names: Vec<String> = steps
        .iter()
        .map(|st| format!("{}{}", "  ".repeat(st.depth), st.name))
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!("\n  {:<width$}  {:<9}  {}\n", "STEP", "RESULT", "DURATION");
    for (st, name) in steps.iter().zip(&names) {
        let status = format!("{:<9}", st.status.as_str());
        let status = match st.status {
            StepStatus::Ok => s.ok(&status),
            StepStatus::Failed => s.error(&status),
            StepStatus::Cancelled | StepStatus::Running => s.warn(&status),
            StepStatus::Skipped => s.dim(&status),
        };
        out.push_str(&format!(
            "  {name:<width$}  {status}  {}\n",
            duration::format(st.duration)
        ));
        if let Some(err) = &st.error {
            let first = err.lines().next().unwrap_or_default();
            out.push_str(&format!(
                "  {:<width$}  {}\n",
                "",
                s.dim(&format!("↳ {first}"))
            ));
        }
    }
    out.push('\n');
    out
}

/// The smoke tests' tally, and every failure with its reason.
pub fn tests(tests: &[TestRecord], s: &Style) -> String {
    let tally = format!("tests: {}", counts(tests));
    let failed: Vec<&TestRecord> = tests
        .iter()
        .filter(|t| t.status == TestStatus::Failed)
        .collect();
    let mut out = if failed.iter().any(|t| !t.soft) {
        s.error(&tally)
    } else {
        s.ok(&tally)
    };
    out.push('\n');
    for t in failed {
        let reason = t.reason.as_deref().unwrap_or_default();
        let first = reason.lines().next().unwrap_or_default();
        let soft = if t.soft { " (soft)" } else { "" };
        out.push_str(&format!("  {} {}{soft}: {first}\n", s.error("✗"), t.name));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::table;
    use crate::report::step::{StepRecord, StepStatus};
    use crate::report::style::Style;
    use std::time::Duration;

    #[test]
    fn lists_steps_with_results_and_reasons() {
        let steps = vec![
            StepRecord {
                name: "pre-flight".into(),
                depth: 0,
                status: StepStatus::Ok,
                duration: Duration::from_millis(12),
                error: None,
            },
            StepRecord {
                name: "deploy".into(),
                depth: 1,
                status: StepStatus::Failed,
                duration: Duration::from_millis(1500),
                error: Some("image not found".into()),
            },
        ];
        let text = table(&steps, &Style::plain());
        assert_eq!(
            text,
            "\n  STEP        RESULT     DURATION\n  pre-flight  ok         12ms\n    deploy    failed     1.5s\n              ↳ image not found\n\n"
        );
    }
}
