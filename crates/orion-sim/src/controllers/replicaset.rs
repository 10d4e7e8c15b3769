//! The ReplicaSet controller: keeps `spec.replicas` pods from the template,
//! and reports how many exist, are ready and available.

use crate::controllers::events;
use crate::controllers::object::{
    controlled_by, name, namespace, owner_ref, pod_ready, replicas, resource, uid,
};
use crate::controllers::terminate::{terminate, terminating};
use crate::meta;
use crate::store::Store;
use serde_json::{json, Value};

pub fn reconcile(store: &Store) {
    let (sets, _) = store.list(resource("apps", "replicasets"), None);
    for rs in &sets {
        sync(store, rs);
    }
}

/// Deletion order: unscheduled, then pending, then not ready, then ready; newest first.
fn deletion_rank(pod: &Value) -> (u8, std::cmp::Reverse<String>) {
    let rank = if pod["spec"]["nodeName"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        0
    } else if pod["status"]["phase"] != "Running" {
        1
    } else if !pod_ready(pod) {
        2
    } else {
        3
    };
    let created = pod["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (rank, std::cmp::Reverse(created))
}

fn sync(store: &Store, rs: &Value) {
    if !rs["metadata"]["deletionTimestamp"].is_null() {
        return; // being deleted: its dependents go, nothing new is made
    }
    let pods_r = resource("", "pods");
    let ns = namespace(rs);
    let (all, _) = store.list(pods_r, Some(ns));
    let mut pods: Vec<Value> = all
        .into_iter()
        .filter(|p| controlled_by(p, uid(rs)) && !terminating(p))
        .collect();
    let want = replicas(rs).max(0) as usize;
    if pods.len() < want {
        for _ in pods.len()..want {
            if let Some(p) = create_pod(store, rs) {
                events::record(
                    store,
                    rs,
                    "Normal",
                    "SuccessfulCreate",
                    &format!("Created pod: {}", name(&p)),
                    "replicaset-controller",
                );
                pods.push(p);
            }
        }
    } else if pods.len() > want {
        pods.sort_by_key(deletion_rank);
        let extra: Vec<Value> = pods.drain(..pods.len() - want).collect();
        for p in extra {
            if terminate(store, &p, None).is_ok() {
                events::record(
                    store,
                    rs,
                    "Normal",
                    "SuccessfulDelete",
                    &format!("Deleted pod: {}", name(&p)),
                    "replicaset-controller",
                );
            }
        }
    }
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let labels = &rs["spec"]["template"]["metadata"]["labels"];
    let labeled = pods
        .iter()
        .filter(|p| crate::controllers::object::matches_labels(p, labels))
        .count();
    let _ = store.modify(resource("apps", "replicasets"), ns, name(rs), |cur| {
        let mut next = cur.clone();
        let mut status = json!({
            "replicas": pods.len(),
            "fullyLabeledReplicas": labeled,
            // The spec synced, not one written since (a client must keep waiting).
            "observedGeneration": rs["metadata"]["generation"],
        });
        if ready > 0 {
            status["readyReplicas"] = json!(ready);
            status["availableReplicas"] = json!(ready);
        }
        next["status"] = status;
        Ok(next)
    });
}

fn create_pod(store: &Store, rs: &Value) -> Option<Value> {
    let template = &rs["spec"]["template"];
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    metadata["generateName"] = json!(format!("{}-", name(rs)));
    metadata["ownerReferences"] = json!([owner_ref(rs)]);
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template["spec"],
        "status": { "phase": "Pending", "qosClass": "BestEffort" },
    });
    let pods_r = resource("", "pods");
    let pod = meta::prepare_create(pods_r, namespace(rs), pod).ok()?;
    store.create(pods_r, namespace(rs), pod).ok()
}
