//! Field sets, fieldsV1, paths and merge ordering.

use serde_json::json;

use super::fieldset::FieldSet;
use super::fieldsv1::{from_json, to_json};
use super::merge::merge;
use super::path::{pretty_path, PathElement};
use super::toset::to_field_set;

#[test]
fn fields_v1_round_trip() {
    let v = json!({
        "f:metadata": {"f:labels": {"f:app": {}}, "f:finalizers": {".": {}, "v:\"a/b\"": {}}},
        "f:spec": {
            "f:replicas": {},
            "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}}},
            "f:list": {"i:0": {}},
            "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}}
        }
    });
    let set = from_json(&v).unwrap();
    assert_eq!(to_json(&set), v);
    assert_eq!(set.len(), 10);
    assert!(from_json(&json!({"x:bad": {}})).is_err());
    assert!(from_json(&json!({"f:a": 1})).is_err());
    // Keys are canonicalised whatever order they come in.
    let reordered = from_json(&json!({"k:{\"protocol\":\"TCP\",\"port\":80}": {}})).unwrap();
    assert_eq!(
        to_json(&reordered),
        json!({"k:{\"port\":80,\"protocol\":\"TCP\"}": {}})
    );
}

#[test]
fn pretty_paths() {
    let p = vec![
        PathElement::field("spec"),
        PathElement::field("ports"),
        PathElement::key(&[("port", json!(80)), ("protocol", json!("TCP"))]),
        PathElement::field("name"),
    ];
    assert_eq!(
        pretty_path(&p),
        ".spec.ports[port=80,protocol=\"TCP\"].name"
    );
    let f = vec![
        PathElement::field("metadata"),
        PathElement::field("finalizers"),
        PathElement::value(&json!("x")),
    ];
    assert_eq!(pretty_path(&f), ".metadata.finalizers[=\"x\"]");
}

#[test]
fn service_ports_default_protocol() {
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80, "targetPort": 8080}], "selector": {"app": "a"}}});
    let set = to_field_set(&svc, "Service");
    let v = to_json(&set);
    assert_eq!(
        v["f:spec"],
        json!({"f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}, "f:targetPort": {}}}, "f:selector": {}})
    );
}

#[test]
fn set_algebra() {
    let a = from_json(&json!({"f:a": {".": {}, "f:b": {}, "f:c": {}}})).unwrap();
    let b = from_json(&json!({"f:a": {"f:b": {}}})).unwrap();
    assert_eq!(
        to_json(&a.difference(&b)),
        json!({"f:a": {".": {}, "f:c": {}}})
    );
    assert_eq!(to_json(&a.intersection(&b)), json!({"f:a": {"f:b": {}}}));
    let top = from_json(&json!({"f:a": {}})).unwrap();
    assert!(a.recursive_difference(&top).is_empty());
    assert_eq!(a.union(&b), a);
    assert!(FieldSet::new().is_empty());
}

#[test]
fn keyed_list_merge_keeps_live_order() {
    let live = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}});
    let cfg = json!({"spec": {"containers": [{"name": "c", "image": "x"}, {"name": "d"}, {"name": "a"}]}});
    let out = merge(&live, &cfg, "Pod");
    let names: Vec<&str> = out["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b", "c", "d", "a"]);
    let atomic = merge(
        &json!({"spec": {"args": ["1", "2"]}}),
        &json!({"spec": {"args": ["3"]}}),
        "Pod",
    );
    assert_eq!(atomic["spec"]["args"], json!(["3"]));
    let nulled = merge(
        &json!({"spec": {"replicas": 1, "x": 2}}),
        &json!({"spec": {"replicas": null}}),
        "Deployment",
    );
    assert_eq!(nulled, json!({"spec": {"x": 2}}));
}
