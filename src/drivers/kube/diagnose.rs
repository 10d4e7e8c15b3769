//! Why pods are not running: each container's state and restarts, the pod's
//! last events and the last lines of its log — what an operator would look
//! up with kubectl describe and kubectl logs.

use crate::drivers::kube::retry::retry;
use crate::drivers::kube::{Cluster, K8sError};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, LogParams};
use serde_json::Value;

const EVENTS: usize = 3;
const LOG_LINES: i64 = 5;

/// A report on up to `limit` of `pods`, each line indented, starting with a
/// newline; empty when there are none.
pub async fn pods(cluster: &Cluster, ns: &str, pods: &[Value], limit: usize) -> String {
    let mut out = String::new();
    for pod in pods.iter().take(limit) {
        out.push_str(&pod_report(cluster, ns, pod).await);
    }
    if pods.len() > limit {
        out.push_str(&format!("\n  ... and {} more pods", pods.len() - limit));
    }
    out
}

/// The events about one object, oldest first.
pub async fn events_of(
    cluster: &Cluster,
    ns: &str,
    kind: &str,
    name: &str,
) -> Result<Vec<Event>, K8sError> {
    let api: Api<Event> = Api::namespaced(cluster.client.clone(), ns);
    let lp = ListParams::default().fields(&format!(
        "involvedObject.name={name},involvedObject.kind={kind}"
    ));
    let mut items = retry(&format!("reading the events of {name}"), || api.list(&lp))
        .await?
        .items;
    // Seconds tie often; the resource version orders events written in the same one.
    items.sort_by_key(|e| {
        let rv: u64 = e
            .metadata
            .resource_version
            .as_deref()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        (e.last_timestamp.clone().map(|t| t.0), rv)
    });
    Ok(items)
}

/// One container's state: "CrashLoopBackOff (back-off 40s ...), 4 restarts, last exit Error (1)".
pub fn container_state(c: &Value) -> String {
    let state = &c["state"];
    let mut text = if let Some(w) = state["waiting"].as_object() {
        let reason = w.get("reason").and_then(Value::as_str).unwrap_or("Waiting");
        match w
            .get("message")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
        {
            Some(m) => format!("{reason} ({m})"),
            None => reason.to_string(),
        }
    } else if state["running"].is_object() {
        if c["ready"] == true {
            "Running, ready".into()
        } else {
            "Running, not ready".into()
        }
    } else if let Some(t) = state["terminated"].as_object() {
        format!(
            "Terminated {}",
            t.get("reason").and_then(Value::as_str).unwrap_or_default()
        )
    } else {
        "unknown".into()
    };
    let restarts = c["restartCount"].as_i64().unwrap_or(0);
    if restarts > 0 {
        text.push_str(&format!(", {restarts} restarts"));
    }
    if let Some(t) = c["lastState"]["terminated"].as_object() {
        text.push_str(&format!(
            ", last exit {} ({})",
            t.get("reason").and_then(Value::as_str).unwrap_or_default(),
            t.get("exitCode")
                .and_then(Value::as_i64)
                .unwrap_or_default()
        ));
    }
    text
}

async fn pod_report(cluster: &Cluster, ns: &str, pod: &Value) -> String {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let mut out = format!(
        "\n  pod {name} ({}):",
        pod["status"]["phase"].as_str().unwrap_or("Unknown")
    );
    let containers = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for c in &containers {
        out.push_str(&format!(
            "\n    container {}: {}",
            c["name"].as_str().unwrap_or_default(),
            container_state(c)
        ));
    }
    if let Ok(items) = events_of(cluster, ns, "Pod", name).await {
        for e in items.iter().rev().take(EVENTS).rev() {
            out.push_str(&format!(
                "\n    event {}: {}",
                e.reason.as_deref().unwrap_or_default(),
                e.message.as_deref().unwrap_or_default()
            ));
        }
    }
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), ns);
    for c in &containers {
        let cname = c["name"].as_str().unwrap_or_default();
        let crashed =
            c["restartCount"].as_i64().unwrap_or(0) > 0 && !c["state"]["running"].is_object();
        let params = LogParams {
            container: Some(cname.to_string()),
            tail_lines: Some(LOG_LINES),
            previous: crashed,
            ..LogParams::default()
        };
        if let Ok(text) = pods.logs(name, &params).await {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                out.push_str(&format!("\n    log {cname}: {line}"));
            }
        }
    }
    out
}
