//! One-off pods: run an image's command to the end, collect its exit code and
//! log. The caller creates and deletes the pod (through its one way of
//! changing the cluster), whatever happens in between.

use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::retry::retry;
use crate::drivers::kube::Cluster;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use kube::runtime::{watcher, WatchStreamExt};
use serde_json::{json, Value};
use std::time::Duration;

/// How a one-off pod ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub phase: String,
    pub exit_code: i64,
    pub logs: String,
}

/// The pod to create: one container, never restarted, marked as orion's.
pub fn spec(name: &str, image: &str, command: &[String]) -> Value {
    let mut container = json!({"name": "run", "image": image});
    if !command.is_empty() {
        container["command"] = json!(command);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "orion", "orion/run-pod": name}},
        "spec": {"restartPolicy": "Never", "containers": [container]},
    })
}

/// Waits until the pod `name` has finished (or `timeout` passes).
pub async fn wait_finished(
    cluster: &Cluster,
    ns: &str,
    name: &str,
    timeout: Duration,
) -> Result<Finished, K8sError> {
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), ns);
    let events = watcher(
        api.clone(),
        watcher::Config::default().fields(&format!("metadata.name={name}")),
    )
    .default_backoff()
    .applied_objects();
    futures::pin_mut!(events);
    let finished = tokio::time::timeout(timeout, async {
        while let Some(next) = events.next().await {
            if let Ok(p) = next {
                let v = serde_json::to_value(&p).unwrap_or(Value::Null);
                let phase = v["status"]["phase"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if phase == "Succeeded" || phase == "Failed" {
                    let code = v["status"]["containerStatuses"][0]["state"]["terminated"]
                        ["exitCode"]
                        .as_i64()
                        .unwrap_or(-1);
                    return Some((phase, code));
                }
            }
        }
        None
    })
    .await;
    let (phase, exit_code) = match finished {
        Ok(Some(done)) => done,
        Ok(None) => return Err(K8sError::new(format!("the watch on pod {name} ended"))),
        Err(_) => {
            return Err(K8sError::new(format!(
                "pod {name} did not finish within {}s",
                timeout.as_secs()
            )))
        }
    };
    let lp = LogParams::default();
    let logs = retry(&format!("reading the log of pod {name}"), || {
        api.logs(name, &lp)
    })
    .await
    .unwrap_or_default();
    Ok(Finished {
        phase,
        exit_code,
        logs,
    })
}
