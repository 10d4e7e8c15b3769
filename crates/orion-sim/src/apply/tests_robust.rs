//! Odd inputs, Services, status subresource applies.

use serde_json::{json, Value};

use super::tests_apply::{T0, T1};
use super::*;

#[test]
fn odd_inputs_never_panic() {
    let odd = [
        json!(null),
        json!(1),
        json!("x"),
        json!([]),
        json!({}),
        json!({"metadata": 5}),
        json!({"metadata": {"managedFields": "x"}}),
        json!({"metadata": {"managedFields": [1, {"operation": "Apply"}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"managedFields": [{"operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"bad": {}}}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [1, {"image": "x"}, {"name": "a"}, {"name": "a"}], "volumes": null}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"finalizers": [{"a": 1}, [1], "x", "x"]}, "spec": []}),
    ];
    for a in &odd {
        for b in &odd {
            let _ = record_update("Pod", Some(a), b, "m", "v1", None, T0);
            let _ = record_update("Pod", None, b, "m", "v1", Some("status"), T0);
            let _ = apply("Pod", Some(a), b, "m", true, "v1", T1);
            let _ = apply("Pod", None, b, "kubectl", false, "v1", T1);
        }
    }
}

fn svc(ports: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": ports}})
}

#[test]
fn service_ports_merge_by_port_and_protocol() {
    let a = apply(
        "Service",
        None,
        &svc(json!([{"port": 80}])),
        "a",
        false,
        "v1",
        T0,
    )
    .unwrap();
    let b = apply(
        "Service",
        Some(&a),
        &svc(json!([{"port": 53, "protocol": "UDP"}])),
        "b",
        false,
        "v1",
        T1,
    )
    .unwrap();
    assert_eq!(b["spec"]["ports"].as_array().unwrap().len(), 2);
    let e = tests_apply::entry(&b, "a", "Apply").unwrap();
    assert!(e["fieldsV1"]["f:spec"]["f:ports"]
        .get("k:{\"port\":80,\"protocol\":\"TCP\"}")
        .is_some());
    // Same port with an explicit default protocol is the same item.
    let c = apply(
        "Service",
        Some(&b),
        &svc(json!([{"port": 80, "protocol": "TCP", "name": "http"}])),
        "a",
        false,
        "v1",
        T1,
    )
    .unwrap();
    let ports = c["spec"]["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 2);
    assert_eq!(ports[0]["name"], "http");
}

#[test]
fn status_subresource_apply_changes_only_status() {
    let live = apply(
        "Deployment",
        None,
        &tests_apply::deploy(Some(1), "a", &["web"]),
        "m",
        false,
        "apps/v1",
        T0,
    )
    .unwrap();
    let cfg = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 9}, "status": {"replicas": 1}});
    let t = Target::new("Deployment", "apps/v1").with_subresource(Some("status"));
    let out = apply_to(&t, Some(&live), &cfg, "ctrl", false, T1).unwrap();
    assert_eq!(out["spec"]["replicas"], 1);
    assert_eq!(out["status"]["replicas"], 1);
    let e = tests_apply::entry(&out, "ctrl", "Apply").unwrap();
    assert_eq!(e["subresource"], "status");
    assert_eq!(e["fieldsV1"], json!({"f:status": {"f:replicas": {}}}));
    // Status in a main-resource apply is ignored for kinds with a status subresource.
    let main = apply("Deployment", Some(&out), &cfg, "other", true, "apps/v1", T1).unwrap();
    assert_eq!(main["status"]["replicas"], 1);
    assert!(
        tests_apply::entry(&main, "other", "Apply").unwrap()["fieldsV1"]
            .get("f:status")
            .is_none()
    );
}

#[test]
fn fields_owned_by_updaters_survive_pruning() {
    let mut cfg = tests_apply::deploy(None, "a", &["web"]);
    cfg["metadata"]["labels"]["tier"] = json!("front");
    let obj = apply("Deployment", None, &cfg, "m1", false, "apps/v1", T0).unwrap();
    let mut labelled = obj.clone();
    labelled["metadata"]["labels"]["tier"] = json!("back");
    let obj = record_update(
        "Deployment",
        Some(&obj),
        &labelled,
        "kubectl-label",
        "apps/v1",
        None,
        T1,
    );
    let obj = apply(
        "Deployment",
        Some(&obj),
        &tests_apply::deploy(None, "a", &["web"]),
        "m1",
        false,
        "apps/v1",
        T1,
    )
    .unwrap();
    assert_eq!(obj["metadata"]["labels"]["tier"], "back");
}

#[test]
fn custom_resources_mark_new_top_level_maps() {
    let cr = json!({"apiVersion": "ex.io/v1", "kind": "Widget", "metadata": {"name": "w"},
        "spec": {"size": 1}, "status": {"ok": true}});
    let out = record_update("Widget", None, &cr, "kubectl-create", "ex.io/v1", None, T0);
    let e = tests_apply::entry(&out, "kubectl-create", "Update").unwrap();
    assert_eq!(
        e["fieldsV1"],
        json!({"f:spec": {".": {}, "f:size": {}}, "f:status": {".": {}, "f:ok": {}}})
    );
    let mut t = Target::new("Widget", "ex.io/v1");
    t.status_subresource = true;
    let out = record_update_to(&t, None, &cr, "kubectl-create", T0);
    let e = tests_apply::entry(&out, "kubectl-create", "Update").unwrap();
    assert_eq!(e["fieldsV1"], json!({"f:spec": {".": {}, "f:size": {}}}));
}
