//! The pod printer's READY / STATUS / RESTARTS logic (`printPod`).

use super::duration::parse_time;
use super::fields::{arr_at, at, bool_at, int_at, obj_at, str_at};
use jiff::Timestamp;
use serde_json::{Map, Value};

/// What `printPod` derives from a pod before formatting.
#[derive(Debug, PartialEq)]
pub(super) struct PodSummary {
    pub ready: usize,
    pub total: usize,
    pub reason: String,
    pub restarts: i64,
    /// Latest `lastState.terminated.finishedAt` among the counted containers.
    pub last_restart: Option<Timestamp>,
}

/// Restart bookkeeping: a count and the latest termination time.
#[derive(Default)]
struct Restarts {
    count: i64,
    last: Option<Timestamp>,
}

impl Restarts {
    fn add(&mut self, status: &Value) {
        self.count = self.count.saturating_add(int_at(status, &["restartCount"]));
        let finished = at(status, &["lastState", "terminated", "finishedAt"])
            .and_then(Value::as_str)
            .and_then(parse_time);
        // Option orders None first, so this keeps the latest time.
        self.last = self.last.max(finished);
    }
}

/// A sidecar: an init container with `restartPolicy: Always`.
fn is_restartable(init_specs: &[Value], name: &str) -> bool {
    init_specs
        .iter()
        .find(|c| str_at(c, &["name"]) == name)
        .is_some_and(|c| str_at(c, &["restartPolicy"]) == "Always")
}

fn state<'a>(status: &'a Value, which: &str) -> Option<&'a Map<String, Value>> {
    obj_at(status, &["state", which])
}

fn field_str<'a>(m: &'a Map<String, Value>, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or("")
}

fn field_int(m: &Map<String, Value>, key: &str) -> i64 {
    m.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// "Signal:N" when a signal is set, else "ExitCode:N" (prefixed for init).
fn exit_reason(term: &Map<String, Value>, prefix: &str) -> String {
    match field_int(term, "signal") {
        0 => format!("{prefix}ExitCode:{}", field_int(term, "exitCode")),
        sig => format!("{prefix}Signal:{sig}"),
    }
}

/// Whether the first condition of `cond_type` has status "True".
fn condition_true(pod: &Value, cond_type: &str) -> bool {
    arr_at(pod, &["status", "conditions"])
        .iter()
        .find(|c| str_at(c, &["type"]) == cond_type)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

/// Any condition of `cond_type` with status "True" (`hasPodReadyCondition`).
fn any_condition_true(pod: &Value, cond_type: &str) -> bool {
    arr_at(pod, &["status", "conditions"])
        .iter()
        .any(|c| str_at(c, &["type"]) == cond_type && str_at(c, &["status"]) == "True")
}

/// Runs the printer's logic over the pod's spec and status.
pub(super) fn summarize(pod: &Value) -> PodSummary {
    let init_specs = arr_at(pod, &["spec", "initContainers"]);
    let sidecars = init_specs
        .iter()
        .filter(|c| str_at(c, &["restartPolicy"]) == "Always")
        .count();
    let total = arr_at(pod, &["spec", "containers"]).len() + sidecars;
    let phase = str_at(pod, &["status", "phase"]);
    let status_reason = str_at(pod, &["status", "reason"]);
    let mut reason = if status_reason.is_empty() {
        phase
    } else {
        status_reason
    }
    .to_string();
    let gated = arr_at(pod, &["status", "conditions"]).iter().any(|c| {
        str_at(c, &["type"]) == "PodScheduled" && str_at(c, &["reason"]) == "SchedulingGated"
    });
    if gated {
        reason = "SchedulingGated".to_string();
    }

    let mut ready = 0;
    let mut all = Restarts::default();
    let mut sidecar = Restarts::default();
    let mut initializing = false;
    for (i, status) in arr_at(pod, &["status", "initContainerStatuses"])
        .iter()
        .enumerate()
    {
        all.add(status);
        let restartable = is_restartable(init_specs, str_at(status, &["name"]));
        if restartable {
            sidecar.add(status);
        }
        let terminated = state(status, "terminated");
        let waiting_reason = state(status, "waiting").map_or("", |w| field_str(w, "reason"));
        if terminated.is_some_and(|t| field_int(t, "exitCode") == 0) {
            continue;
        }
        if restartable && bool_at(status, &["started"]) {
            if bool_at(status, &["ready"]) {
                ready += 1;
            }
            continue;
        }
        reason = match terminated {
            Some(t) if field_str(t, "reason").is_empty() => exit_reason(t, "Init:"),
            Some(t) => format!("Init:{}", field_str(t, "reason")),
            None if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" => {
                format!("Init:{waiting_reason}")
            }
            None => format!("Init:{i}/{}", init_specs.len()),
        };
        initializing = true;
        break;
    }

    if !initializing || condition_true(pod, "Initialized") {
        all = sidecar;
        let mut has_running = false;
        for status in arr_at(pod, &["status", "containerStatuses"]).iter().rev() {
            all.add(status);
            let waiting_reason = state(status, "waiting").map_or("", |w| field_str(w, "reason"));
            let terminated = state(status, "terminated");
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = terminated {
                reason = match field_str(t, "reason") {
                    "" => exit_reason(t, ""),
                    r => r.to_string(),
                };
            } else if bool_at(status, &["ready"]) && state(status, "running").is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if any_condition_true(pod, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .into();
        }
    }

    let deleting = at(pod, &["metadata", "deletionTimestamp"]).is_some_and(|d| !d.is_null());
    if deleting && status_reason == "NodeLost" {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Failed" && phase != "Succeeded" {
        reason = "Terminating".to_string();
    }

    PodSummary {
        ready,
        total,
        reason,
        restarts: all.count,
        last_restart: all.last,
    }
}

#[cfg(test)]
mod tests;
