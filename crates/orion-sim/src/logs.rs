//! What simulated containers print: a line when they start, and why they
//! exit. `kubectl logs` reads it (with `container`, `tailLines`, `previous`).

use std::collections::HashMap;
use std::sync::Mutex;

/// Lines kept per container run.
const KEEP: usize = 1000;

/// (namespace, pod, container).
type ContainerKey = (String, String, String);
/// (current run's lines, previous run's lines).
type Runs = (Vec<String>, Vec<String>);

#[derive(Default)]
pub struct Logs {
    runs: Mutex<HashMap<ContainerKey, Runs>>,
}

impl Logs {
    pub fn append(&self, ns: &str, pod: &str, container: &str, line: String) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let (current, _) = runs
            .entry((ns.into(), pod.into(), container.into()))
            .or_default();
        if current.len() == KEEP {
            current.remove(0);
        }
        current.push(line);
    }

    /// A container restarted: its current lines become the previous run's.
    pub fn restart(&self, ns: &str, pod: &str, container: &str) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let (current, previous) = runs
            .entry((ns.into(), pod.into(), container.into()))
            .or_default();
        *previous = std::mem::take(current);
    }

    pub fn read(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
    ) -> Option<Vec<String>> {
        let runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let (current, before) = runs.get(&(ns.into(), pod.into(), container.into()))?;
        Some(if previous {
            before.clone()
        } else {
            current.clone()
        })
    }

    /// Forgets pods that no longer exist.
    pub fn retain(&self, keep: impl Fn(&str, &str) -> bool) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.retain(|(ns, pod, _), _| keep(ns, pod));
    }
}

#[cfg(test)]
mod tests {
    use super::Logs;

    #[test]
    fn current_and_previous_runs() {
        let logs = Logs::default();
        logs.append("ns", "p", "c", "one".into());
        logs.restart("ns", "p", "c");
        logs.append("ns", "p", "c", "two".into());
        assert_eq!(logs.read("ns", "p", "c", false).unwrap(), ["two"]);
        assert_eq!(logs.read("ns", "p", "c", true).unwrap(), ["one"]);
        assert!(logs.read("ns", "p", "other", false).is_none());
    }
}
