//! Reading pods' logs: how often a pattern shows up in a window.

use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::retry::retry;
use crate::drivers::kube::Cluster;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use serde_json::Value;
use std::time::Duration;

/// How many lines of `pods`' logs (every container's, the last `window`)
/// contain `pattern`. A pod not started yet has no log to read.
pub async fn count_matches(
    cluster: &Cluster,
    pods: &[Value],
    pattern: &str,
    window: Duration,
) -> Result<i64, K8sError> {
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), cluster.namespace());
    let mut count = 0i64;
    for p in pods.iter().filter(|p| p["status"]["phase"] != "Pending") {
        let name = p["metadata"]["name"].as_str().unwrap_or_default();
        for c in p["spec"]["containers"].as_array().into_iter().flatten() {
            let params = LogParams {
                container: c["name"].as_str().map(str::to_string),
                since_seconds: Some(window.as_secs().max(1) as i64),
                ..LogParams::default()
            };
            let what = format!("reading the log of pod {name}");
            let text = match retry(&what, || api.logs(name, &params)).await {
                Ok(text) => text,
                // A container still starting (or gone) has printed nothing to count.
                Err(e) if e.code == Some(400) => continue,
                Err(e) => return Err(e),
            };
            count += text.lines().filter(|l| l.contains(pattern)).count() as i64;
        }
    }
    Ok(count)
}
