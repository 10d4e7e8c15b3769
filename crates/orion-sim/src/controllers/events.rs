//! Events as the real components record them (core/v1 Event objects).

use crate::controllers::object::{name, namespace, resource, uid};
use crate::meta;
use crate::store::Store;
use serde_json::{json, Value};

/// A name that is the same for the same object, reason and message, so a
/// repeated event is counted (`x3 over 2m`) rather than recorded again.
fn event_name(about: &Value, reason: &str, message: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in [uid(about), reason, message].join("\0").bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}.{hash:016x}", name(about))
}

/// Records an event about `about` from `component` ("deployment-controller",
/// "kubelet"...); a repeat of the same event increments its count.
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
    let event_name = event_name(about, reason, message);
    let repeated = store.modify(events, ns, &event_name, |cur| {
        let mut next = cur.clone();
        next["count"] = json!(cur["count"].as_i64().unwrap_or(1) + 1);
        next["lastTimestamp"] = json!(now);
        Ok(next)
    });
    if repeated.is_ok() {
        return;
    }
    let event = json!({
        "metadata": { "name": event_name },
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

#[cfg(test)]
mod tests {
    use super::record;
    use crate::controllers::object::resource;
    use crate::store::Store;
    use serde_json::json;

    #[test]
    fn a_repeated_event_is_counted() {
        let store = Store::new();
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "uid": "u1"}});
        for _ in 0..3 {
            record(
                &store,
                &pod,
                "Warning",
                "BackOff",
                "Back-off restarting failed container",
                "kubelet",
            );
        }
        record(
            &store,
            &pod,
            "Normal",
            "Started",
            "Started container web",
            "kubelet",
        );
        let (events, _) = store.list(resource("", "events"), Some("default"));
        assert_eq!(events.len(), 2);
        let backoff = events.iter().find(|e| e["reason"] == "BackOff").unwrap();
        assert_eq!(backoff["count"], 3);
    }
}
