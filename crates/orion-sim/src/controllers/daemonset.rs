//! The DaemonSet controller: one pod per schedulable node (matching the pod's
//! nodeSelector), replaced node by node on a template change (RollingUpdate
//! with maxUnavailable, default 1).

use crate::controllers::deployment::resolve;
use crate::controllers::events;
use crate::controllers::object::{
    controlled_by, name, namespace, owner_ref, pod_ready, resource, uid,
};
use crate::controllers::revisions;
use crate::controllers::template_hash::template_hash;
use crate::controllers::terminate::{terminate, terminating};
use crate::meta;
use crate::store::Store;
use serde_json::{json, Value};

const HASH: &str = "controller-revision-hash";

pub fn reconcile(store: &Store) {
    for ds in store.list(resource("apps", "daemonsets"), None).0 {
        sync(store, &ds);
    }
}

fn eligible(ds: &Value, node: &Value) -> bool {
    node["spec"]["unschedulable"] != true
        && ds["spec"]["template"]["spec"]["nodeSelector"]
            .as_object()
            .is_none_or(|sel| {
                sel.iter()
                    .all(|(k, v)| node["metadata"]["labels"].get(k) == Some(v))
            })
}

fn sync(store: &Store, ds: &Value) {
    if !ds["metadata"]["deletionTimestamp"].is_null() {
        return; // being deleted: its dependents go, nothing new is made
    }
    let pods_r = resource("", "pods");
    let ns = namespace(ds);
    let hash = template_hash(&ds["spec"]["template"]);
    revisions::record(store, ds, &format!("{}-{hash}", name(ds)), &hash);
    let nodes: Vec<Value> = store
        .list(resource("", "nodes"), None)
        .0
        .into_iter()
        .filter(|n| eligible(ds, n))
        .collect();
    let pods: Vec<Value> = store
        .list(pods_r, Some(ns))
        .0
        .into_iter()
        .filter(|p| controlled_by(p, uid(ds)))
        .collect();
    for node in &nodes {
        if on_list(&pods, node).is_empty() {
            create_pod(store, ds, name(node), &hash);
        }
    }
    // Pods on nodes that are gone or no longer eligible.
    for p in pods.iter().filter(|p| {
        !nodes
            .iter()
            .any(|n| n["metadata"]["name"] == p["spec"]["nodeName"])
    }) {
        let _ = terminate(store, p, None);
    }
    if ds["spec"]["updateStrategy"]["type"] != "OnDelete" {
        let max_unavailable = resolve(
            &ds["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"],
            nodes.len() as i64,
            false,
            0,
        )
        .max(1);
        let unavailable = nodes
            .iter()
            .filter(|n| !on_list(&pods, n).iter().any(|p| pod_ready(p)))
            .count() as i64;
        let mut budget = max_unavailable - unavailable;
        for p in pods
            .iter()
            .filter(|p| p["metadata"]["labels"][HASH] != hash.as_str() && pod_ready(p))
        {
            if budget <= 0 {
                break;
            }
            if terminate(store, p, None).is_ok() {
                budget -= 1;
            }
        }
    }
    let pods: Vec<Value> = store
        .list(pods_r, Some(ns))
        .0
        .into_iter()
        .filter(|p| controlled_by(p, uid(ds)) && !terminating(p))
        .collect();
    let scheduled = nodes
        .iter()
        .filter(|n| !on_list(&pods, n).is_empty())
        .count();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let updated = pods
        .iter()
        .filter(|p| p["metadata"]["labels"][HASH] == hash.as_str())
        .count();
    let _ = store.modify(resource("apps", "daemonsets"), ns, name(ds), |cur| {
        let mut next = cur.clone();
        let mut status = json!({
            // The spec synced, not one written since (a client must keep waiting).
            "observedGeneration": ds["metadata"]["generation"],
            "desiredNumberScheduled": nodes.len(),
            "currentNumberScheduled": scheduled,
            "numberMisscheduled": 0,
            "numberReady": ready,
            "updatedNumberScheduled": updated,
            "numberAvailable": ready,
        });
        if nodes.len() > ready {
            status["numberUnavailable"] = json!(nodes.len() - ready);
        }
        next["status"] = status;
        Ok(next)
    });
}

fn on_list<'a>(pods: &'a [Value], node: &Value) -> Vec<&'a Value> {
    pods.iter()
        .filter(|p| p["spec"]["nodeName"] == node["metadata"]["name"])
        .collect()
}

fn create_pod(store: &Store, ds: &Value, node: &str, hash: &str) {
    let template = &ds["spec"]["template"];
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    metadata["generateName"] = json!(format!("{}-", name(ds)));
    metadata["labels"][HASH] = json!(hash);
    metadata["ownerReferences"] = json!([owner_ref(ds)]);
    let mut spec = template["spec"].clone();
    spec["nodeName"] = json!(node);
    let pod = json!({ "apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": { "phase": "Pending" } });
    let pods_r = resource("", "pods");
    if let Ok(p) = meta::prepare_create(pods_r, namespace(ds), pod) {
        if let Ok(created) = store.create(pods_r, namespace(ds), p) {
            let message = format!("Created pod: {}", name(&created));
            events::record(
                store,
                ds,
                "Normal",
                "SuccessfulCreate",
                &message,
                "daemonset-controller",
            );
        }
    }
}
