//! Apply scenarios.

use serde_json::{json, Value};

use super::*;

pub(super) const T0: &str = "2024-01-01T00:00:00Z";
pub(super) const T1: &str = "2024-01-01T00:01:00Z";
pub(super) const T2: &str = "2024-01-01T00:02:00Z";

/// A Deployment configuration with one container per name in `containers`.
pub(super) fn deploy(replicas: Option<i64>, image: &str, containers: &[&str]) -> Value {
    let items: Vec<Value> = containers
        .iter()
        .map(|n| json!({"name": n, "image": image}))
        .collect();
    let mut cfg = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": items}}
        }
    });
    if let Some(r) = replicas {
        cfg["spec"]["replicas"] = json!(r);
    }
    cfg
}

pub(super) fn entry<'a>(obj: &'a Value, manager: &str, op: &str) -> Option<&'a Value> {
    obj["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .find(|e| e["manager"] == manager && e["operation"] == op)
}

pub(super) fn ssa(
    live: Option<&Value>,
    cfg: &Value,
    mgr: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    apply("Deployment", live, cfg, mgr, force, "apps/v1", now)
}

#[test]
fn first_apply_creates_apply_entry() {
    let obj = ssa(None, &deploy(Some(3), "nginx:1", &["web"]), "m1", false, T0).unwrap();
    let e = entry(&obj, "m1", "Apply").unwrap();
    assert_eq!(e["apiVersion"], "apps/v1");
    assert_eq!(e["time"], T0);
    assert_eq!(e["fieldsType"], "FieldsV1");
    assert!(e.get("subresource").is_none());
    let expected = json!({
        "f:metadata": {"f:labels": {"f:app": {}}},
        "f:spec": {
            "f:replicas": {}, "f:selector": {},
            "f:template": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}
            }
        }
    });
    assert_eq!(e["fieldsV1"], expected);
    assert_eq!(obj["spec"]["replicas"], 3);
    assert_eq!(
        obj["metadata"]["managedFields"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn reapply_without_field_removes_it() {
    let mut cfg = deploy(Some(3), "nginx:1", &["web"]);
    cfg["metadata"]["labels"]["tier"] = json!("front");
    let obj = ssa(None, &cfg, "m1", false, T0).unwrap();
    assert_eq!(obj["metadata"]["labels"]["tier"], "front");
    let obj = ssa(
        Some(&obj),
        &deploy(None, "nginx:1", &["web"]),
        "m1",
        false,
        T1,
    )
    .unwrap();
    assert!(obj["metadata"]["labels"].get("tier").is_none());
    assert_eq!(obj["metadata"]["labels"]["app"], "web");
    assert!(obj["spec"].get("replicas").is_none());
    let e = entry(&obj, "m1", "Apply").unwrap();
    assert!(e["fieldsV1"]["f:spec"].get("f:replicas").is_none());
    assert_eq!(e["time"], T1);
}

#[test]
fn containers_merge_by_name() {
    let obj = ssa(
        None,
        &deploy(None, "img", &["web", "extra"]),
        "m1",
        false,
        T0,
    )
    .unwrap();
    let obj = ssa(
        Some(&obj),
        &deploy(None, "img", &["sidecar"]),
        "m2",
        false,
        T1,
    )
    .unwrap();
    let names = |o: &Value| -> Vec<String> {
        o["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&obj), ["web", "extra", "sidecar"]);
    // m1 drops "extra" (owned only by m1): it goes; m2's "sidecar" stays.
    let obj = ssa(Some(&obj), &deploy(None, "img", &["web"]), "m1", false, T2).unwrap();
    assert_eq!(names(&obj), ["web", "sidecar"]);
}

#[test]
fn invalid_configurations() {
    let mut cfg = deploy(Some(1), "i", &["web"]);
    cfg["apiVersion"] = json!("apps/v1beta1");
    let err = ssa(None, &cfg, "m", false, T0).unwrap_err();
    assert_eq!(
        err.message(),
        "invalid object type: apps/v1beta1, Kind=Deployment"
    );
    let mut cfg = deploy(Some(1), "i", &["web"]);
    cfg["metadata"]["managedFields"] = json!([]);
    assert_eq!(
        ssa(None, &cfg, "m", false, T0).unwrap_err().message(),
        "metadata.managedFields must be nil"
    );
    let mut cfg = deploy(Some(1), "i", &["web"]);
    cfg["spec"]["template"]["spec"]["containers"] = json!([{"image": "x"}]);
    let err = ssa(None, &cfg, "m", false, T0).unwrap_err();
    assert!(
        err.message().starts_with("failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field \"name\""),
        "{}",
        err.message()
    );
    let mut cfg = deploy(Some(1), "i", &["web", "web"]);
    cfg["kind"] = json!("Deployment");
    let err = ssa(None, &cfg, "m", false, T0).unwrap_err();
    assert!(
        err.message()
            .contains("duplicate entries for key [name=\"web\"]"),
        "{}",
        err.message()
    );
}

#[test]
fn noop_reapply_keeps_timestamp() {
    let cfg = deploy(Some(3), "nginx:1", &["web"]);
    let obj = ssa(None, &cfg, "m1", false, T0).unwrap();
    let again = ssa(Some(&obj), &cfg, "m1", false, T1).unwrap();
    assert_eq!(again, obj);
}
