//! metrics.k8s.io, as metrics-server serves it: CPU and memory of running
//! pods (from the load their simulated containers really served) and of
//! nodes (their pods plus the node's own), for `kubectl top` and metrics checks.

use crate::api::path::Target;
use crate::api::read::selectors;
use crate::api::{json, Api, Request};
use crate::controllers::object::resource;
use crate::meta;
use crate::serving::stats::PodStats;
use crate::status::ApiError;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

const API_VERSION: &str = "metrics.k8s.io/v1beta1";
/// What a node uses beyond its pods (kubelet, runtime, system daemons).
const NODE_CPU_NANOS: u64 = 100_000_000;
const NODE_MEMORY_BYTES: u64 = 512 << 20;

pub fn serve(api: &Api, target: &Target, req: &Request) -> Result<Response, ApiError> {
    if req.method != Method::GET || target.subresource.is_some() || req.param("watch").is_some() {
        return Err(ApiError::method_not_allowed());
    }
    let (labels, _) = selectors(target, req)?;
    let items: Vec<Value> = match target.resource.kind {
        "PodMetrics" => running_pods(api, target.namespace.as_deref())
            .into_iter()
            .map(|pod| pod_metrics(api, &pod))
            .collect(),
        _ => node_metrics(api),
    };
    let mut items: Vec<Value> = items.into_iter().filter(|o| labels.matches(o)).collect();
    if let Some(name) = target.name.as_deref() {
        let found = items
            .drain(..)
            .find(|o| o["metadata"]["name"] == name)
            .ok_or_else(|| ApiError::not_found(target.resource, name))?;
        let mut found = found;
        found["kind"] = json!(target.resource.kind);
        found["apiVersion"] = json!(API_VERSION);
        return Ok(json(StatusCode::OK, &found));
    }
    let list = json!({
        "kind": target.resource.list_kind(),
        "apiVersion": API_VERSION,
        "metadata": {},
        "items": items,
    });
    Ok(json(StatusCode::OK, &list))
}

fn running_pods(api: &Api, namespace: Option<&str>) -> Vec<Value> {
    let (pods, _) = api.store.list(resource("", "pods"), namespace);
    pods.into_iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .collect()
}

/// (CPU in nanocores, memory in bytes) of each running container of `pod`.
fn usage(api: &Api, pod: &Value) -> Vec<(String, u64, u64)> {
    let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
    pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["state"]["running"].is_object())
        .filter_map(|s| {
            let name = s["name"].as_str()?;
            let (millicores, bytes) = match api.network.stats(uid, name) {
                Some(stats) => stats.usage(),
                None => PodStats::default().usage(),
            };
            Some((name.to_string(), millicores * 1_000_000, bytes))
        })
        .collect()
}

fn quantities(cpu_nanos: u64, bytes: u64) -> Value {
    json!({ "cpu": format!("{cpu_nanos}n"), "memory": format!("{}Ki", bytes / 1024) })
}

fn pod_metrics(api: &Api, pod: &Value) -> Value {
    let now = meta::now();
    let containers: Vec<Value> = usage(api, pod)
        .into_iter()
        .map(|(name, cpu, mem)| json!({ "name": name, "usage": quantities(cpu, mem) }))
        .collect();
    json!({
        "metadata": {
            "name": pod["metadata"]["name"],
            "namespace": pod["metadata"]["namespace"],
            "labels": pod["metadata"]["labels"],
            "creationTimestamp": now,
        },
        "timestamp": now,
        "window": "10s",
        "containers": containers,
    })
}

fn node_metrics(api: &Api) -> Vec<Value> {
    let now = meta::now();
    let pods = running_pods(api, None);
    let (nodes, _) = api.store.list(resource("", "nodes"), None);
    nodes
        .iter()
        .map(|node| {
            let name = node["metadata"]["name"].as_str().unwrap_or_default();
            let (cpu, mem) = pods
                .iter()
                .filter(|p| p["spec"]["nodeName"] == name)
                .flat_map(|p| usage(api, p))
                .fold(
                    (NODE_CPU_NANOS, NODE_MEMORY_BYTES),
                    |(c, m), (_, pc, pm)| (c + pc, m + pm),
                );
            json!({
                "metadata": {
                    "name": name,
                    "labels": node["metadata"]["labels"],
                    "creationTimestamp": now,
                },
                "timestamp": now,
                "window": "10s",
                "usage": quantities(cpu, mem),
            })
        })
        .collect()
}
