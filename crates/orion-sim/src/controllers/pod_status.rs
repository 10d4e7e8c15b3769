//! Pod status as the kubelet writes it, for each state a container can be in.

use crate::controllers::object::set_condition;
use serde_json::{json, Value};

/// What the kubelet shows for a container.
#[derive(Debug, Clone, PartialEq)]
pub enum ContainerState {
    Waiting(&'static str, String),
    Running {
        since: String,
        ready: bool,
    },
    /// Exited and not restarted (restartPolicy Never, or OnFailure after exit 0):
    /// the `state.terminated` it shows.
    Terminated(Value),
}

pub fn containers(pod: &Value) -> Vec<Value> {
    pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// `pod` with its containers' statuses and the phase and conditions they imply.
/// `states[i]` is container i's; `restarts[i]` and `last[i]` its restart count
/// and last termination (if any).
pub fn with_states(
    pod: &Value,
    states: &[ContainerState],
    restarts: &[u32],
    last: &[Option<Value>],
    ip: Option<&str>,
    now: &str,
) -> Value {
    let mut next = pod.clone();
    let statuses: Vec<Value> = containers(pod)
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let image = c["image"].as_str().unwrap_or_default();
            let (state, ready, started) = match states.get(i) {
                Some(ContainerState::Running { since, ready }) => (json!({ "running": { "startedAt": since } }), *ready, true),
                Some(ContainerState::Waiting(reason, message)) if !message.is_empty() => {
                    (json!({ "waiting": { "reason": reason, "message": message } }), false, false)
                }
                Some(ContainerState::Waiting(reason, _)) => (json!({ "waiting": { "reason": reason } }), false, false),
                Some(ContainerState::Terminated(t)) => (json!({ "terminated": t }), false, false),
                None => (json!({ "waiting": { "reason": "ContainerCreating" } }), false, false),
            };
            let mut s = json!({
                "name": c["name"], "image": image, "imageID": "", "ready": ready,
                "restartCount": restarts.get(i).copied().unwrap_or(0), "started": started,
                "state": state, "lastState": last.get(i).cloned().flatten().map(|t| json!({ "terminated": t })).unwrap_or(json!({})),
            });
            if started {
                s["imageID"] = json!(format!("sim://{image}"));
                s["containerID"] = json!(format!("sim://{}-{}", pod["metadata"]["uid"].as_str().unwrap_or_default(), i));
            }
            s
        })
        .collect();
    let any_running = states
        .iter()
        .any(|s| matches!(s, ContainerState::Running { .. }));
    let all_ready = !states.is_empty()
        && states
            .iter()
            .all(|s| matches!(s, ContainerState::Running { ready: true, .. }));
    let was_running = pod["status"]["phase"] == "Running";
    let exits: Vec<i64> = states
        .iter()
        .filter_map(|s| match s {
            ContainerState::Terminated(t) => Some(t["exitCode"].as_i64().unwrap_or(1)),
            _ => None,
        })
        .collect();
    let finished = !states.is_empty() && exits.len() == states.len();
    next["status"]["phase"] = json!(if finished && exits.iter().all(|c| *c == 0) {
        "Succeeded"
    } else if finished {
        "Failed"
    } else if any_running || was_running {
        "Running"
    } else {
        "Pending"
    });
    next["status"]["qosClass"] = json!("BestEffort");
    if let Some(ip) = ip {
        next["status"]["podIP"] = json!(ip);
        next["status"]["podIPs"] = json!([{ "ip": ip }]);
        if next["status"]["startTime"].is_null() {
            next["status"]["startTime"] = json!(now);
        }
    }
    next["status"]["containerStatuses"] = json!(statuses);
    // The sandbox is up once a container got past ContainerCreating (or the pod
    // has its IP); a finished pod's sandbox is torn down.
    let sandbox = !finished
        && (ip.is_some()
            || states
                .iter()
                .any(|s| !matches!(s, ContainerState::Waiting("ContainerCreating", _))));
    let sandbox = if sandbox { "True" } else { "False" };
    set_condition(&mut next, "PodReadyToStartContainers", sandbox, "", "", now);
    set_condition(&mut next, "Initialized", "True", "", "", now);
    let (status, reason, message) = if all_ready {
        ("True", "", "")
    } else if finished {
        ("False", "PodCompleted", "")
    } else {
        (
            "False",
            "ContainersNotReady",
            "containers with unready status",
        )
    };
    set_condition(&mut next, "ContainersReady", status, reason, message, now);
    set_condition(&mut next, "Ready", status, reason, message, now);
    kubelet_order(&mut next);
    next
}

/// The conditions the kubelet owns, in the order it writes them
/// (`generateAPIPodStatus`); the scheduler's PodScheduled is among them.
const KUBELET_CONDITIONS: [&str; 5] = [
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
];

/// Orders `status.conditions` as the kubelet's status update leaves them: conditions
/// it does not own first, as they were, then its own in `KUBELET_CONDITIONS` order.
fn kubelet_order(pod: &mut Value) {
    let Some(conditions) = pod["status"]["conditions"].as_array_mut() else {
        return;
    };
    let rank = |c: &Value| {
        KUBELET_CONDITIONS
            .iter()
            .position(|kind| c["type"] == *kind)
            .map_or(0, |i| i + 1)
    };
    conditions.sort_by_key(rank);
}

/// The `lastState.terminated` of a container that crashed.
pub fn terminated(oom: bool, started: &str, finished: &str) -> Value {
    exited(if oom { 137 } else { 1 }, oom, started, finished)
}

/// The `terminated` state of a container that ended with `code`.
pub fn exited(code: i64, oom: bool, started: &str, finished: &str) -> Value {
    json!({
        "exitCode": code,
        "reason": if oom { "OOMKilled" } else if code == 0 { "Completed" } else { "Error" },
        "startedAt": started,
        "finishedAt": finished,
        "containerID": "",
    })
}

#[cfg(test)]
mod tests {
    use super::{with_states, ContainerState};
    use serde_json::json;

    #[test]
    fn phase_and_readiness_follow_the_containers() {
        let pod = json!({"metadata": {"uid": "u"}, "spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}});
        let creating = with_states(&pod, &[], &[], &[], None, "t");
        assert_eq!(creating["status"]["phase"], "Pending");
        assert_eq!(
            creating["status"]["containerStatuses"][1]["state"]["waiting"]["reason"],
            "ContainerCreating"
        );
        let half = with_states(
            &pod,
            &[
                ContainerState::Running {
                    since: "t".into(),
                    ready: true,
                },
                ContainerState::Waiting("CrashLoopBackOff", "back-off".into()),
            ],
            &[0, 2],
            &[],
            Some("10.0.0.1"),
            "t",
        );
        assert_eq!(half["status"]["phase"], "Running");
        assert_eq!(half["status"]["containerStatuses"][1]["restartCount"], 2);
        assert_eq!(
            half["status"]["conditions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["type"] == "Ready")
                .unwrap()["status"],
            "False"
        );
    }

    #[test]
    fn the_sandbox_condition_comes_first_and_foreign_conditions_stay_ahead() {
        let pod = json!({"metadata": {"uid": "u"}, "spec": {"containers": [{"name": "a", "image": "a:1"}]},
        "status": {"conditions": [
            {"type": "PodScheduled", "status": "True"},
            {"type": "example.com/gate", "status": "True"},
        ]}});
        let types = |p: &serde_json::Value| -> Vec<(String, String)> {
            p["status"]["conditions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["type"].as_str().unwrap().into(),
                        c["status"].as_str().unwrap().into(),
                    )
                })
                .collect()
        };
        let creating = with_states(&pod, &[], &[], &[], None, "t");
        let expected = |sandbox: &str, ready: &str| -> Vec<(String, String)> {
            [
                ("example.com/gate", "True"),
                ("PodReadyToStartContainers", sandbox),
                ("Initialized", "True"),
                ("Ready", ready),
                ("ContainersReady", ready),
                ("PodScheduled", "True"),
            ]
            .iter()
            .map(|(t, s)| (t.to_string(), s.to_string()))
            .collect()
        };
        assert_eq!(types(&creating), expected("False", "False"));
        let running = [ContainerState::Running {
            since: "t".into(),
            ready: true,
        }];
        let up = with_states(&creating, &running, &[0], &[], Some("10.0.0.1"), "t");
        assert_eq!(types(&up), expected("True", "True"));
        let done = [ContainerState::Terminated(super::exited(
            0, false, "t", "t",
        ))];
        let finished = with_states(&up, &done, &[0], &[], Some("10.0.0.1"), "t");
        assert_eq!(types(&finished), expected("False", "False"));
    }
}
