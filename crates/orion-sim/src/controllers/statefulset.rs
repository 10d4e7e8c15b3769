//! The StatefulSet controller: pods NAME-0 … NAME-(n-1), created in order,
//! each only once the one before is Ready (OrderedReady) or all at once
//! (Parallel); RollingUpdate replaces pods from the highest ordinal down to
//! `partition`, one at a time; status with current and update revisions.

use crate::controllers::events;
use crate::controllers::object::{
    controlled_by, name, namespace, owner_ref, pod_ready, replicas, resource, uid,
};
use crate::controllers::revisions;
use crate::controllers::template_hash::template_hash;
use crate::controllers::terminate::{terminate, terminating};
use crate::meta;
use crate::store::Store;
use serde_json::{json, Value};

const REVISION_LABEL: &str = "controller-revision-hash";

pub fn reconcile(store: &Store) {
    for sts in store.list(resource("apps", "statefulsets"), None).0 {
        sync(store, &sts);
    }
}

fn ordinal(sts: &Value, pod: &Value) -> Option<i64> {
    name(pod)
        .strip_prefix(&format!("{}-", name(sts)))?
        .parse()
        .ok()
}

fn sync(store: &Store, sts: &Value) {
    if !sts["metadata"]["deletionTimestamp"].is_null() {
        return; // being deleted: its dependents go, nothing new is made
    }
    let pods_r = resource("", "pods");
    let ns = namespace(sts);
    let hash = template_hash(&sts["spec"]["template"]);
    let update_revision = format!("{}-{hash}", name(sts));
    revisions::record(store, sts, &update_revision, &hash);
    let pods: Vec<Value> = store
        .list(pods_r, Some(ns))
        .0
        .into_iter()
        .filter(|p| controlled_by(p, uid(sts)))
        .collect();
    let want = replicas(sts).max(0);
    let parallel = sts["spec"]["podManagementPolicy"] == "Parallel";
    let partition = sts["spec"]["updateStrategy"]["rollingUpdate"]["partition"]
        .as_i64()
        .unwrap_or(0);
    let on_delete = sts["spec"]["updateStrategy"]["type"] == "OnDelete";
    let by_ordinal = |i: i64| pods.iter().find(|p| ordinal(sts, p) == Some(i));

    // Scale down from the highest ordinal, one at a time.
    let mut extra: Vec<&Value> = pods
        .iter()
        .filter(|p| ordinal(sts, p).is_none_or(|i| i >= want))
        .collect();
    extra.sort_by_key(|p| std::cmp::Reverse(ordinal(sts, p)));
    let stopping = pods.iter().any(terminating);
    if stopping && !parallel {
        // One at a time: wait for the pod on its way out.
    } else if let Some(p) = extra.first() {
        if terminate(store, p, None).is_ok() {
            let message = format!(
                "delete Pod {} in StatefulSet {} successful",
                name(p),
                name(sts)
            );
            events::record(
                store,
                sts,
                "Normal",
                "SuccessfulDelete",
                &message,
                "statefulset-controller",
            );
        }
    } else {
        for i in 0..want {
            match by_ordinal(i) {
                None => {
                    create_pod(store, sts, i, &update_revision);
                    if !parallel {
                        break;
                    }
                }
                Some(p) if !parallel && !pod_ready(p) => break,
                Some(_) => {}
            }
        }
        // Rolling update: the highest outdated ordinal at or above the partition goes first,
        // once every pod is ready.
        let all_ready = (0..want).all(|i| by_ordinal(i).is_some_and(pod_ready));
        if !on_delete && all_ready {
            let outdated = (partition..want)
                .rev()
                .filter_map(by_ordinal)
                .find(|p| p["metadata"]["labels"][REVISION_LABEL] != update_revision.as_str());
            if let Some(p) = outdated {
                let _ = terminate(store, p, None);
            }
        }
    }
    let pods: Vec<Value> = store
        .list(pods_r, Some(ns))
        .0
        .into_iter()
        .filter(|p| controlled_by(p, uid(sts)) && !terminating(p))
        .collect();
    let updated = pods
        .iter()
        .filter(|p| p["metadata"]["labels"][REVISION_LABEL] == update_revision.as_str())
        .count();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let previous_current = sts["status"]["currentRevision"]
        .as_str()
        .unwrap_or(&update_revision)
        .to_string();
    let current_revision = if updated as i64 == want && ready as i64 == want {
        update_revision.clone()
    } else {
        previous_current
    };
    let current = pods
        .iter()
        .filter(|p| p["metadata"]["labels"][REVISION_LABEL] == current_revision.as_str())
        .count();
    let _ = store.modify(resource("apps", "statefulsets"), ns, name(sts), |cur| {
        let mut next = cur.clone();
        next["status"] = json!({
            // The spec synced, not one written since (a client must keep waiting).
            "observedGeneration": sts["metadata"]["generation"],
            "replicas": pods.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": current,
            "updatedReplicas": updated,
            "currentRevision": current_revision,
            "updateRevision": update_revision,
            "collisionCount": 0,
        });
        Ok(next)
    });
}

fn create_pod(store: &Store, sts: &Value, i: i64, revision: &str) {
    let template = &sts["spec"]["template"];
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    let pod_name = format!("{}-{i}", name(sts));
    metadata["name"] = json!(pod_name);
    metadata["labels"][REVISION_LABEL] = json!(revision);
    metadata["labels"]["statefulset.kubernetes.io/pod-name"] = json!(pod_name);
    metadata["labels"]["apps.kubernetes.io/pod-index"] = json!(i.to_string());
    metadata["ownerReferences"] = json!([owner_ref(sts)]);
    let mut spec = template["spec"].clone();
    spec["hostname"] = json!(pod_name);
    if let Some(service) = sts["spec"]["serviceName"].as_str() {
        spec["subdomain"] = json!(service);
    }
    let pod = json!({ "apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": { "phase": "Pending" } });
    let pods_r = resource("", "pods");
    if let Ok(p) = meta::prepare_create(pods_r, namespace(sts), pod) {
        if store.create(pods_r, namespace(sts), p).is_ok() {
            let message = format!(
                "create Pod {pod_name} in StatefulSet {} successful",
                name(sts)
            );
            events::record(
                store,
                sts,
                "Normal",
                "SuccessfulCreate",
                &message,
                "statefulset-controller",
            );
        }
    }
}
