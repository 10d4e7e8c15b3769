//! A run's smoke tests as JUnit XML, the format CI systems read: one
//! testsuite, a testcase per test (classname: its service, else "smoke"),
//! with <failure> or <skipped>.

use crate::report::test_record::{TestRecord, TestStatus};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no place for other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn seconds(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// The JUnit document for `tests` of playbook `suite`.
pub fn render(suite: &str, tests: &[TestRecord], timestamp: &str) -> String {
    let count = |s: TestStatus| tests.iter().filter(|t| t.status == s).count();
    let total: std::time::Duration = tests.iter().map(|t| t.duration).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"orion\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{}\">\n",
        tests.len(),
        count(TestStatus::Failed),
        count(TestStatus::Skipped),
        seconds(total)
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">\n",
        escape(suite),
        tests.len(),
        count(TestStatus::Failed),
        count(TestStatus::Skipped),
        seconds(total),
        escape(timestamp)
    ));
    for t in tests {
        let class = t.service.as_deref().unwrap_or("smoke");
        let open = format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
            escape(&t.name),
            escape(class),
            seconds(t.duration)
        );
        let reason = escape(t.reason.as_deref().unwrap_or(""));
        match t.status {
            TestStatus::Passed => xml.push_str(&format!("{open}/>\n")),
            TestStatus::Failed => {
                let first = reason.lines().next().unwrap_or("").to_string();
                let kind = if t.soft { "soft" } else { "failed" };
                xml.push_str(&format!(
                    "{open}>\n      <failure message=\"{first}\" type=\"{kind}\">{reason}</failure>\n    </testcase>\n"
                ));
            }
            TestStatus::Skipped => xml.push_str(&format!(
                "{open}>\n      <skipped message=\"{reason}\"/>\n    </testcase>\n"
            )),
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn reasons_are_escaped() {
        let t = TestRecord {
            name: "auth <health>".into(),
            service: Some("auth".into()),
            tags: vec![],
            status: TestStatus::Failed,
            duration: Duration::from_millis(12),
            reason: Some("expected \"ok\" & got 'down'\u{1}".into()),
            soft: false,
        };
        let xml = render("smoke.rhai", &[t], "2026-11-23T00:00:00Z");
        assert!(
            xml.contains("name=\"auth &lt;health&gt;\" classname=\"auth\" time=\"0.012\""),
            "{xml}"
        );
        assert!(
            xml.contains("expected &quot;ok&quot; &amp; got &apos;down&apos;\u{FFFD}"),
            "{xml}"
        );
    }
}
