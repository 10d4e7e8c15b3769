//! The Deployment controller: one ReplicaSet per pod template (named by its
//! pod-template-hash), rolled with RollingUpdate (maxSurge / maxUnavailable)
//! or Recreate, revisions, history limit, paused, and the status and
//! conditions `kubectl rollout status` reads.

use crate::controllers::deployment_status::{status, Progress};
use crate::controllers::events;
use crate::controllers::object::{
    controlled_by, name, namespace, owner_ref, replicas, resource, uid,
};
use crate::controllers::template_hash::{normalized, template_hash};
use crate::meta;
use crate::store::Store;
use serde_json::{json, Value};

const REVISION: &str = "deployment.kubernetes.io/revision";
const HASH: &str = "pod-template-hash";

pub fn reconcile(store: &Store) {
    let (deployments, _) = store.list(resource("apps", "deployments"), None);
    for d in &deployments {
        sync(store, d);
    }
}

pub fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// maxSurge / maxUnavailable: an int, or a percentage of `total` (surge rounds
/// up, unavailable rounds down).
pub fn resolve(value: &Value, total: i64, round_up: bool, default_percent: i64) -> i64 {
    let percent = match value {
        Value::Number(n) => return n.as_i64().unwrap_or(0),
        Value::String(s) => s.trim_end_matches('%').parse().unwrap_or(default_percent),
        _ => default_percent,
    };
    let scaled = total * percent;
    if round_up {
        (scaled + 99) / 100
    } else {
        scaled / 100
    }
}

fn sync(store: &Store, d: &Value) {
    if !d["metadata"]["deletionTimestamp"].is_null() {
        return; // being deleted: its dependents go, nothing new is made
    }
    let rs_r = resource("apps", "replicasets");
    let ns = namespace(d);
    let (all, _) = store.list(rs_r, Some(ns));
    let mut sets: Vec<Value> = all
        .into_iter()
        .filter(|rs| controlled_by(rs, uid(d)))
        .collect();
    let hash = template_hash(&d["spec"]["template"]);
    let paused = d["spec"]["paused"] == true;
    let mut progress = Progress::None;
    let wanted = normalized(&d["spec"]["template"]);
    let new_rs = match sets
        .iter()
        .position(|rs| normalized(&rs["spec"]["template"]) == wanted)
    {
        Some(i) => Some(sets.remove(i)),
        None if paused => None,
        None => {
            let created = create_replica_set(store, d, &hash, &sets);
            if created.is_some() {
                progress = Progress::Created;
            }
            created
        }
    };
    let mut old: Vec<Value> = sets;
    old.sort_by_key(|rs| {
        rs["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    });
    if let Some(new_rs) = &new_rs {
        // A rollback brings an old template back: it becomes the newest revision.
        let newest_old = old.iter().map(revision).max().unwrap_or(0);
        if revision(new_rs) <= newest_old {
            set_revision(store, new_rs, newest_old + 1);
        }
        if !paused {
            let scaled = if d["spec"]["strategy"]["type"] == "Recreate" {
                recreate(store, d, new_rs, &old)
            } else {
                rolling(store, d, new_rs, &old)
            };
            if scaled && progress == Progress::None {
                progress = Progress::Updated;
            }
        }
    }
    prune_history(store, d, &old);
    let (refreshed, _) = store.list(rs_r, Some(ns));
    let sets: Vec<Value> = refreshed
        .into_iter()
        .filter(|rs| controlled_by(rs, uid(d)))
        .collect();
    let _ = store.modify(resource("apps", "deployments"), ns, name(d), |cur| {
        let mut next = cur.clone();
        let new_set = sets
            .iter()
            .find(|rs| normalized(&rs["spec"]["template"]) == wanted);
        let new_name = new_set.map(|rs| name(rs).to_string());
        // As the real controller: the Deployment carries its newest revision.
        if let Some(rs) = new_set {
            next["metadata"]["annotations"][REVISION] = json!(revision(rs).to_string());
        }
        next["status"] = status(cur, &sets, new_name.as_deref(), progress, &meta::now());
        // The counts are for the spec synced in this pass; if a newer one was
        // written meanwhile, clients must not take them for its result.
        next["status"]["observedGeneration"] = d["metadata"]["generation"].clone();
        Ok(next)
    });
}

fn create_replica_set(store: &Store, d: &Value, hash: &str, existing: &[Value]) -> Option<Value> {
    let mut template = d["spec"]["template"].clone();
    template["metadata"]["labels"][HASH] = json!(hash);
    let mut selector = d["spec"]["selector"].clone();
    selector["matchLabels"][HASH] = json!(hash);
    let mut labels = d["spec"]["template"]["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    labels[HASH] = json!(hash);
    let revision = existing.iter().map(revision).max().unwrap_or(0) + 1;
    let want = replicas(d);
    let surge = resolve(
        &d["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
        want,
        true,
        25,
    );
    let rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": format!("{}-{hash}", name(d)),
            "labels": labels,
            "annotations": {
                REVISION: revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": want.to_string(),
                "deployment.kubernetes.io/max-replicas": (want + surge).to_string(),
            },
            "ownerReferences": [owner_ref(d)],
        },
        "spec": {
            "replicas": 0,
            "minReadySeconds": d["spec"]["minReadySeconds"].as_i64().unwrap_or(0),
            "selector": selector,
            "template": template,
        },
    });
    let rs_r = resource("apps", "replicasets");
    let rs = meta::prepare_create(rs_r, namespace(d), rs).ok()?;
    store.create(rs_r, namespace(d), rs).ok()
}

fn set_revision(store: &Store, rs: &Value, revision: i64) {
    let _ = store.modify(
        resource("apps", "replicasets"),
        namespace(rs),
        name(rs),
        |cur| {
            let mut next = cur.clone();
            next["metadata"]["annotations"][REVISION] = json!(revision.to_string());
            Ok(next)
        },
    );
}

/// Scales a ReplicaSet, with the event the real controller records.
fn scale(store: &Store, d: &Value, rs: &Value, to: i64) -> bool {
    let from = replicas(rs);
    if from == to {
        return false;
    }
    let scaled = store.modify(
        resource("apps", "replicasets"),
        namespace(rs),
        name(rs),
        |cur| {
            let mut next = cur.clone();
            next["spec"]["replicas"] = json!(to);
            next["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                json!(replicas(d).to_string());
            Ok(next)
        },
    );
    if scaled.is_ok() {
        let verb = if to > from { "up" } else { "down" };
        let message = format!("Scaled {verb} replica set {} from {from} to {to}", name(rs));
        events::record(
            store,
            d,
            "Normal",
            "ScalingReplicaSet",
            &message,
            "deployment-controller",
        );
    }
    scaled.is_ok()
}

fn available(rs: &Value) -> i64 {
    rs["status"]["availableReplicas"].as_i64().unwrap_or(0)
}

/// RollingUpdate: grow the new set within maxSurge, shrink old ones while
/// keeping at least `replicas - maxUnavailable` pods available.
fn rolling(store: &Store, d: &Value, new_rs: &Value, old: &[Value]) -> bool {
    let want = replicas(d);
    let strategy = &d["spec"]["strategy"]["rollingUpdate"];
    let surge = resolve(&strategy["maxSurge"], want, true, 25);
    let mut unavailable = resolve(&strategy["maxUnavailable"], want, false, 25);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    let mut changed = false;
    let mut old_counts: Vec<i64> = old.iter().map(replicas).collect();
    let mut new_count = replicas(new_rs);
    let target = if new_count > want {
        want
    } else {
        let room = want + surge - (old_counts.iter().sum::<i64>() + new_count);
        new_count + room.clamp(0, want - new_count)
    };
    if target != new_count {
        changed |= scale(store, d, new_rs, target);
        new_count = target;
    }
    let new_unavailable = (new_count - available(new_rs)).max(0);
    let min_available = want - unavailable;
    let budget =
        |counts: &[i64]| counts.iter().sum::<i64>() + new_count - min_available - new_unavailable;
    // Old pods that are not available go first: removing them costs no availability.
    for (i, rs) in old.iter().enumerate() {
        let cut = (old_counts[i] - available(rs))
            .max(0)
            .min(budget(&old_counts).max(0));
        if cut > 0 {
            old_counts[i] -= cut;
            changed |= scale(store, d, rs, old_counts[i]);
        }
    }
    for (i, rs) in old.iter().enumerate() {
        let cut = old_counts[i].min(budget(&old_counts).max(0));
        if cut > 0 {
            old_counts[i] -= cut;
            changed |= scale(store, d, rs, old_counts[i]);
        }
    }
    changed
}

/// Recreate: every old pod goes before the new set is scaled up.
fn recreate(store: &Store, d: &Value, new_rs: &Value, old: &[Value]) -> bool {
    let mut changed = false;
    for rs in old {
        changed |= scale(store, d, rs, 0);
    }
    let pods = store.list(resource("", "pods"), Some(namespace(d))).0;
    let old_pods_left = pods
        .iter()
        .any(|p| old.iter().any(|rs| controlled_by(p, uid(rs))));
    if !old_pods_left {
        changed |= scale(store, d, new_rs, replicas(d));
    }
    changed
}

/// Deletes old ReplicaSets scaled to zero beyond `revisionHistoryLimit` (default 10).
fn prune_history(store: &Store, d: &Value, old: &[Value]) {
    let limit = d["spec"]["revisionHistoryLimit"]
        .as_i64()
        .unwrap_or(10)
        .max(0) as usize;
    let idle: Vec<&Value> = old
        .iter()
        .filter(|rs| replicas(rs) == 0 && rs["status"]["replicas"].as_i64().unwrap_or(0) == 0)
        .collect();
    if idle.len() > limit {
        for rs in &idle[..idle.len() - limit] {
            let _ = store.delete(resource("apps", "replicasets"), namespace(rs), name(rs));
        }
    }
}
