//! The endpoints controller: each Service with a selector gets an Endpoints
//! object listing its pods' addresses (ready, and not yet ready) and ports.

use crate::controllers::object::{name, namespace, pod_ready, resource};
use crate::controllers::terminate::terminating;
use crate::meta;
use crate::selector::LabelSelector;
use crate::store::Store;
use serde_json::{json, Value};

pub fn reconcile(store: &Store) {
    let (services, _) = store.list(resource("", "services"), None);
    for svc in services
        .iter()
        .filter(|s| s["spec"]["selector"].is_object())
    {
        sync(store, svc);
    }
}

/// The pods a Service selects (`spec.selector`, a plain label map).
pub fn selector_of(svc: &Value) -> LabelSelector {
    let text: Vec<String> = svc["spec"]["selector"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    LabelSelector::parse(&text.join(",")).unwrap_or_default()
}

/// The pod port a Service port sends to: `targetPort` as a number, or the
/// container port of that name in `pod`, or else the Service port itself.
pub fn target_port(port: &Value, pod: &Value) -> Option<i64> {
    match &port["targetPort"] {
        Value::Number(n) => n.as_i64(),
        Value::String(name) => pod["spec"]["containers"]
            .as_array()?
            .iter()
            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
            .find(|p| p["name"] == name.as_str())
            .and_then(|p| p["containerPort"].as_i64()),
        _ => port["port"].as_i64(),
    }
}

fn address(pod: &Value) -> Value {
    json!({
        "ip": pod["status"]["podIP"],
        "nodeName": pod["spec"]["nodeName"],
        "targetRef": { "kind": "Pod", "namespace": namespace(pod), "name": name(pod), "uid": pod["metadata"]["uid"] },
    })
}

fn sync(store: &Store, svc: &Value) {
    let ns = namespace(svc);
    let selector = selector_of(svc);
    let (pods, _) = store.list_shared(resource("", "pods"), Some(ns));
    let with_ip: Vec<&Value> = pods
        .iter()
        .map(|p| &**p)
        .filter(|p| selector.matches(p) && p["status"]["podIP"].is_string() && !terminating(p))
        .collect();
    let ready: Vec<Value> = with_ip
        .iter()
        .filter(|p| pod_ready(p))
        .map(|p| address(p))
        .collect();
    let not_ready: Vec<Value> = with_ip
        .iter()
        .filter(|p| !pod_ready(p))
        .map(|p| address(p))
        .collect();
    let ports: Vec<Value> = svc["spec"]["ports"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let mut port = json!({
                        // A named port is looked up in the pods (the first one's
                        // number stands for all: one subset, unlike the real split).
                        "port": with_ip
                            .first()
                            .and_then(|pod| target_port(p, pod))
                            .or_else(|| p["targetPort"].as_i64())
                            .or_else(|| p["port"].as_i64()),
                        "protocol": p["protocol"].as_str().unwrap_or("TCP"),
                    });
                    if let Some(n) = p["name"].as_str() {
                        port["name"] = json!(n);
                    }
                    port
                })
                .collect()
        })
        .unwrap_or_default();
    let mut subset = json!({ "ports": ports });
    if !ready.is_empty() {
        subset["addresses"] = json!(ready);
    }
    if !not_ready.is_empty() {
        subset["notReadyAddresses"] = json!(not_ready);
    }
    let subsets = if ready.is_empty() && not_ready.is_empty() {
        json!([])
    } else {
        json!([subset])
    };
    let ep_r = resource("", "endpoints");
    let existing = store.get(ep_r, ns, name(svc));
    match existing {
        Some(_) => {
            let _ = store.modify(ep_r, ns, name(svc), |cur| {
                let mut next = cur.clone();
                next["subsets"] = subsets.clone();
                Ok(next)
            });
        }
        None => {
            let ep = json!({
                "metadata": { "name": name(svc), "labels": svc["metadata"]["labels"] },
                "subsets": subsets,
            });
            if let Ok(ep) = meta::prepare_create(ep_r, ns, ep) {
                let _ = store.create(ep_r, ns, ep);
            }
        }
    }
}
