//! What simulated containers print: a line when they start, the scenario's
//! `start_logs`, one line per request answered with a 5xx, and why they exit.
//! `kubectl logs` reads it (see `api/read.rs` for the options); each line
//! keeps the time it was printed, as the container runtime records it.

use jiff::Timestamp;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Lines kept per container run.
pub const KEEP: usize = 1000;

/// One line a container printed, with when (the runtime's time, which
/// `sinceSeconds`, `sinceTime` and `timestamps` go by, not the text's own).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub at: Timestamp,
    pub text: String,
}

/// (namespace, pod, container).
type ContainerKey = (String, String, String);

/// The current run's lines and the previous run's.
#[derive(Default)]
struct Runs {
    current: VecDeque<Line>,
    previous: VecDeque<Line>,
}

#[derive(Default)]
pub struct Logs {
    runs: Mutex<HashMap<ContainerKey, Runs>>,
}

impl Logs {
    /// Appends `text`, printed now.
    pub fn append(&self, ns: &str, pod: &str, container: &str, text: String) {
        self.append_at(ns, pod, container, Timestamp::now(), text);
    }

    /// Appends `text`, printed at `at`; the oldest line goes past [`KEEP`].
    pub fn append_at(&self, ns: &str, pod: &str, container: &str, at: Timestamp, text: String) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let run = runs
            .entry((ns.into(), pod.into(), container.into()))
            .or_default();
        if run.current.len() == KEEP {
            run.current.pop_front();
        }
        run.current.push_back(Line { at, text });
    }

    /// A container restarted: its current lines become the previous run's.
    pub fn restart(&self, ns: &str, pod: &str, container: &str) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let run = runs
            .entry((ns.into(), pod.into(), container.into()))
            .or_default();
        run.previous = std::mem::take(&mut run.current);
    }

    pub fn read(&self, ns: &str, pod: &str, container: &str, previous: bool) -> Option<Vec<Line>> {
        let runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let run = runs.get(&(ns.into(), pod.into(), container.into()))?;
        let lines = if previous {
            &run.previous
        } else {
            &run.current
        };
        Some(lines.iter().cloned().collect())
    }

    /// Forgets pods that no longer exist.
    pub fn retain(&self, keep: impl Fn(&str, &str) -> bool) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.retain(|(ns, pod, _), _| keep(ns, pod));
    }
}

/// A line's time as the kubelet prefixes it with `timestamps=true`: RFC 3339
/// in UTC with nine fractional digits, always (Go's `RFC3339NanoFixed`).
pub fn rfc3339_nano_fixed(at: Timestamp) -> String {
    format!(
        "{}.{:09}Z",
        at.strftime("%Y-%m-%dT%H:%M:%S"),
        at.subsec_nanosecond()
    )
}

#[cfg(test)]
mod tests {
    use super::{rfc3339_nano_fixed, Logs, KEEP};
    use jiff::Timestamp;

    fn texts(lines: Option<Vec<super::Line>>) -> Vec<String> {
        lines.unwrap().into_iter().map(|l| l.text).collect()
    }

    #[test]
    fn current_and_previous_runs() {
        let logs = Logs::default();
        logs.append("ns", "p", "c", "one".into());
        logs.restart("ns", "p", "c");
        logs.append("ns", "p", "c", "two".into());
        assert_eq!(texts(logs.read("ns", "p", "c", false)), ["two"]);
        assert_eq!(texts(logs.read("ns", "p", "c", true)), ["one"]);
        assert!(logs.read("ns", "p", "other", false).is_none());
    }

    #[test]
    fn keeps_the_last_lines_with_their_times() {
        let logs = Logs::default();
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        for i in 0..KEEP + 5 {
            logs.append_at("ns", "p", "c", at, format!("line {i}"));
        }
        let lines = logs.read("ns", "p", "c", false).unwrap();
        assert_eq!(lines.len(), KEEP);
        assert_eq!(lines[0].text, "line 5");
        assert_eq!(lines[0].at, at);
    }

    #[test]
    fn timestamps_have_nine_fractional_digits() {
        let at = Timestamp::new(1_700_000_000, 120_000_000).unwrap();
        assert_eq!(rfc3339_nano_fixed(at), "2023-11-14T22:13:20.120000000Z");
        let whole = Timestamp::from_second(1_700_000_000).unwrap();
        assert_eq!(rfc3339_nano_fixed(whole), "2023-11-14T22:13:20.000000000Z");
    }
}
