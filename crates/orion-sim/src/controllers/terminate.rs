//! Graceful pod termination, as the real API server and kubelet do it: a
//! delete marks the pod (deletionTimestamp, grace period); the kubelet stops
//! its containers and then removes it. Pods that never ran go at once.

use crate::controllers::object::{name, namespace, resource};
use crate::meta;
use crate::status::ApiError;
use crate::store::Store;
use serde_json::{json, Value};

/// True once a pod is being deleted.
pub fn terminating(pod: &Value) -> bool {
    !pod["metadata"]["deletionTimestamp"].is_null()
}

/// Starts deleting `pod` with `grace` seconds (default: its
/// terminationGracePeriodSeconds, else 30). Returns the pod as it now is.
pub fn terminate(store: &Store, pod: &Value, grace: Option<i64>) -> Result<Value, ApiError> {
    let pods = resource("", "pods");
    if terminating(pod) {
        return Ok(pod.clone());
    }
    let grace = grace
        .or_else(|| pod["spec"]["terminationGracePeriodSeconds"].as_i64())
        .unwrap_or(30)
        .max(0);
    let bound = !pod["spec"]["nodeName"]
        .as_str()
        .unwrap_or_default()
        .is_empty();
    if !bound || grace == 0 {
        return store.delete(pods, namespace(pod), name(pod));
    }
    let deadline = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(grace))
        .ok()
        .and_then(|t| t.round(jiff::Unit::Second).ok())
        .map(|t| t.to_string())
        .unwrap_or_else(meta::now);
    store.modify(pods, namespace(pod), name(pod), |cur| {
        let mut next = cur.clone();
        next["metadata"]["deletionTimestamp"] = json!(deadline);
        next["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
        Ok(next)
    })
}
