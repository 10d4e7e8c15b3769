//! Events as the real components record them (core/v1 Event objects).

use crate::sim::controllers::object::{name, namespace, resource, uid};
use crate::sim::meta;
use crate::sim::store::Store;
use serde_json::{json, Value};

/// Records an event about `about` from `component` ("deployment-controller", "kubelet"...).
pub fn record(
    store: &Store,
    about: &Value,
    kind: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
    let events = resource("", "events");
    let ns = match namespace(about) {
        "" => "default",
        ns => ns,
    };
    let now = meta::now();
    let suffix = format!(
        "{:x}",
        uuid::Uuid::new_v4().as_u128() & 0xffff_ffff_ffff_ffff
    );
    let event = json!({
        "metadata": { "name": format!("{}.{suffix}", name(about)) },
        "involvedObject": {
            "apiVersion": about["apiVersion"],
            "kind": about["kind"],
            "namespace": namespace(about),
            "name": name(about),
            "uid": uid(about),
            "resourceVersion": about["metadata"]["resourceVersion"],
        },
        "reason": reason,
        "message": message,
        "type": kind,
        "source": { "component": component },
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "reportingComponent": component,
        "reportingInstance": "",
    });
    if let Ok(e) = meta::prepare_create(events, ns, event) {
        let _ = store.create(events, ns, e);
    }
}
