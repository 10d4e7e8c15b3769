//! The /scale subresource: an autoscaling/v1 Scale view of a workload.

use serde_json::{json, Value};

/// The Scale object for a Deployment, ReplicaSet or StatefulSet.
pub fn to_scale(object: &Value) -> Value {
    let meta = &object["metadata"];
    let selector = object["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": { "replicas": object["spec"]["replicas"].as_i64().unwrap_or(1) },
        "status": {
            "replicas": object["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": selector,
        },
    })
}

/// `object` with the replicas a Scale asks for.
pub fn apply_scale(object: &Value, scale: &Value) -> Option<Value> {
    let replicas = scale["spec"]["replicas"].as_i64()?;
    let mut out = object.clone();
    out["spec"]["replicas"] = json!(replicas);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{apply_scale, to_scale};
    use serde_json::json;

    #[test]
    fn scale_round_trip() {
        let d = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}}, "status": {"replicas": 2}});
        let s = to_scale(&d);
        assert_eq!(s["spec"]["replicas"], 3);
        assert_eq!(s["status"]["selector"], "app=web");
        let d2 = apply_scale(&d, &json!({"spec": {"replicas": 5}})).unwrap();
        assert_eq!(d2["spec"]["replicas"], 5);
        assert!(apply_scale(&d, &json!({})).is_none());
    }
}
