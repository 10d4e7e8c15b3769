//! A node as a playbook sees it, read from the Node object.

use serde_json::{json, Value};

/// #{name, ready, unschedulable, cpu, memory, pods} of a Node object.
pub fn summary(n: &Value) -> Value {
    let ready = n["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True");
    let cap = &n["status"]["capacity"];
    json!({
        "name": n["metadata"]["name"],
        "ready": ready,
        "unschedulable": n["spec"]["unschedulable"] == true,
        "cpu": cap["cpu"],
        "memory": cap["memory"],
        "pods": cap["pods"],
    })
}

/// Whether a node (as `summary` gives it) takes new pods.
pub fn usable(summary: &Value) -> bool {
    summary["ready"] == true && summary["unschedulable"] == false
}
