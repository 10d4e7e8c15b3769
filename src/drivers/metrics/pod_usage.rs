//! Infrastructure metrics: CPU and memory of pods from metrics.k8s.io
//! (metrics-server's PodMetrics), summed over each pod's containers.

use crate::drivers::metrics::quantity;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde_json::Value;

/// How long to wait for the metrics API.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// One pod's usage now.
#[derive(Debug, Clone, PartialEq)]
pub struct PodUsage {
    pub pod: String,
    pub cpu_millicores: f64,
    pub memory_bytes: f64,
}

/// Usage of the pods in `namespace` matching the label `selector` ("" for all).
pub async fn pod_usage(
    client: kube::Client,
    namespace: &str,
    selector: &str,
) -> Result<Vec<PodUsage>, String> {
    let gvk = GroupVersionKind::gvk("metrics.k8s.io", "v1beta1", "PodMetrics");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "pods");
    let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &resource);
    let mut params = ListParams::default();
    if !selector.is_empty() {
        params = params.labels(selector);
    }
    let list = tokio::time::timeout(TIMEOUT, api.list(&params))
        .await
        .map_err(|_| {
            format!(
                "no answer from metrics.k8s.io in namespace {namespace} within {}",
                crate::duration::format(TIMEOUT)
            )
        })?
        .map_err(|e| {
            let hint = match &e {
                kube::Error::Api(s) if s.code == 404 => {
                    "\nhint: the cluster serves no metrics.k8s.io: install metrics-server"
                }
                _ => "",
            };
            format!("cannot read pod metrics (metrics.k8s.io) in namespace {namespace}: {e}{hint}")
        })?;
    list.items.iter().map(usage).collect()
}

fn usage(o: &DynamicObject) -> Result<PodUsage, String> {
    let pod = o.metadata.name.clone().unwrap_or_default();
    let (mut cpu, mut memory) = (0.0, 0.0);
    for c in o.data["containers"].as_array().into_iter().flatten() {
        let field = |key: &str| -> Result<f64, String> {
            match &c["usage"][key] {
                Value::String(q) => {
                    quantity::parse(q).map_err(|e| format!("pod metrics of {pod}: {key}: {e}"))
                }
                _ => Ok(0.0),
            }
        };
        cpu += field("cpu")? * 1000.0;
        memory += field("memory")?;
    }
    Ok(PodUsage {
        pod,
        cpu_millicores: cpu,
        memory_bytes: memory,
    })
}
