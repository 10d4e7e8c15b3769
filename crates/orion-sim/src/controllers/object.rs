//! Small readers and writers shared by the controllers.

use crate::resources::{find, Resource};
use serde_json::{json, Value};

pub fn resource(group: &str, plural: &str) -> &'static Resource {
    find(group, "v1", plural).unwrap_or_else(|| unreachable_resource(plural))
}

#[cold]
fn unreachable_resource(plural: &str) -> &'static Resource {
    // The table in resources.rs lists every kind the controllers use; a
    // missing one is a bug caught by the unit tests of this module.
    panic!("the simulator does not serve {plural}")
}

pub fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or_default()
}

pub fn namespace(o: &Value) -> &str {
    o["metadata"]["namespace"].as_str().unwrap_or_default()
}

pub fn uid(o: &Value) -> &str {
    o["metadata"]["uid"].as_str().unwrap_or_default()
}

pub fn replicas(o: &Value) -> i64 {
    o["spec"]["replicas"].as_i64().unwrap_or(1)
}

/// True when `o` has a controller owner reference to `owner_uid`.
pub fn controlled_by(o: &Value, owner_uid: &str) -> bool {
    o["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["uid"] == owner_uid && r["controller"] == true)
        })
}

/// A controller owner reference to `owner`.
pub fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// True when the pod's Ready condition is True.
pub fn pod_ready(pod: &Value) -> bool {
    condition(pod, "Ready").is_some_and(|c| c["status"] == "True")
}

pub fn condition<'a>(o: &'a Value, kind: &str) -> Option<&'a Value> {
    o["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

/// Sets condition `kind`, keeping lastTransitionTime when the status is unchanged.
pub fn set_condition(
    o: &mut Value,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
) {
    let previous = condition(o, kind).cloned();
    let transition = match &previous {
        Some(p) if p["status"] == status => p["lastTransitionTime"].clone(),
        _ => json!(now),
    };
    let mut c = json!({ "type": kind, "status": status, "lastTransitionTime": transition });
    if !reason.is_empty() {
        c["reason"] = json!(reason);
    }
    if !message.is_empty() {
        c["message"] = json!(message);
    }
    if !o["status"].is_object() {
        o["status"] = json!({});
    }
    if !o["status"]["conditions"].is_array() {
        o["status"]["conditions"] = json!([]);
    }
    if let Some(list) = o["status"]["conditions"].as_array_mut() {
        match list.iter_mut().find(|c| c["type"] == kind) {
            Some(slot) => *slot = c,
            None => list.push(c),
        }
    }
}

/// Whether `labels` (a selector's matchLabels) all appear on `o`.
pub fn matches_labels(o: &Value, labels: &Value) -> bool {
    labels.as_object().is_some_and(|want| {
        want.iter()
            .all(|(k, v)| o["metadata"]["labels"].get(k) == Some(v))
    })
}

#[cfg(test)]
mod tests {
    use super::{resource, set_condition};
    use serde_json::json;

    #[test]
    fn every_kind_the_controllers_use_is_served() {
        for (g, p) in [
            ("", "pods"),
            ("", "events"),
            ("", "endpoints"),
            ("", "nodes"),
            ("", "services"),
            ("apps", "replicasets"),
            ("apps", "deployments"),
        ] {
            assert_eq!(resource(g, p).plural, p);
        }
    }

    #[test]
    fn conditions_keep_their_transition_time() {
        let mut o = json!({});
        set_condition(&mut o, "Ready", "False", "", "", "t1");
        set_condition(&mut o, "Ready", "False", "Why", "", "t2");
        assert_eq!(o["status"]["conditions"][0]["lastTransitionTime"], "t1");
        set_condition(&mut o, "Ready", "True", "", "", "t3");
        assert_eq!(o["status"]["conditions"][0]["lastTransitionTime"], "t3");
    }
}
