//! Update (create/replace/patch) scenarios.

use serde_json::json;

use super::tests_apply::{deploy, entry, T0, T1, T2};
use super::*;

#[test]
fn create_owns_every_field() {
    let mut obj = deploy(Some(2), "nginx", &["web"]);
    obj["metadata"]["uid"] = json!("u1");
    obj["metadata"]["creationTimestamp"] = json!(T0);
    obj["status"] = json!({"replicas": 0});
    obj["spec"]["template"]["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80}]);
    let out = record_update(
        "Deployment",
        None,
        &obj,
        "kubectl-create",
        "apps/v1",
        None,
        T0,
    );
    let e = entry(&out, "kubectl-create", "Update").unwrap();
    assert_eq!(e["time"], T0);
    let expected = json!({
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {
            "f:replicas": {}, "f:selector": {},
            "f:template": {
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {
                    ".": {}, "f:image": {}, "f:name": {},
                    "f:ports": {".": {}, "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}
                }}}
            }
        }
    });
    assert_eq!(e["fieldsV1"], expected);
    // Object content is untouched apart from managedFields.
    assert_eq!(super::value::without_managed_fields(&out), obj);
}

#[test]
fn create_of_configmap_marks_new_maps() {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
    let out = record_update("ConfigMap", None, &cm, "kubectl-create", "v1", None, T0);
    let e = entry(&out, "kubectl-create", "Update").unwrap();
    assert_eq!(e["fieldsV1"], json!({"f:data": {".": {}, "f:k": {}}}));
}

#[test]
fn update_without_tracking_stays_untracked() {
    let mut old = deploy(Some(2), "nginx", &["web"]);
    old["metadata"]["uid"] = json!("u1");
    let mut new = old.clone();
    new["spec"]["replicas"] = json!(3);
    let out = record_update(
        "Deployment",
        Some(&old),
        &new,
        "kubectl",
        "apps/v1",
        None,
        T0,
    );
    assert!(out["metadata"].get("managedFields").is_none());
}

#[test]
fn unchanged_update_keeps_entries_and_time() {
    let obj = record_update(
        "Deployment",
        None,
        &deploy(Some(2), "a", &["web"]),
        "creator",
        "apps/v1",
        None,
        T0,
    );
    let same = record_update("Deployment", Some(&obj), &obj, "other", "apps/v1", None, T1);
    assert_eq!(same, obj);
}

#[test]
fn update_moves_changed_fields_and_drops_removed_ones() {
    let obj = record_update(
        "Deployment",
        None,
        &deploy(Some(2), "a", &["web"]),
        "creator",
        "apps/v1",
        None,
        T0,
    );
    let mut new = obj.clone();
    new["spec"]["template"]["spec"]["containers"][0]["image"] = json!("b");
    new["metadata"]["labels"] = json!({});
    let out = record_update(
        "Deployment",
        Some(&obj),
        &new,
        "editor",
        "apps/v1",
        None,
        T1,
    );
    let creator = &entry(&out, "creator", "Update").unwrap()["fieldsV1"];
    let c = &creator["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
    assert!(c.get("f:image").is_none());
    assert!(
        creator["f:metadata"].get("f:labels").is_none()
            || creator["f:metadata"]["f:labels"].get("f:app").is_none()
    );
    let editor = entry(&out, "editor", "Update").unwrap();
    assert_eq!(editor["time"], T1);
    let img = &editor["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
        ["k:{\"name\":\"web\"}"];
    assert!(img.get("f:image").is_some());
    // Entries are ordered oldest first.
    let order: Vec<&str> = out["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["manager"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["creator", "editor"]);
}

#[test]
fn status_subresource_tracks_status_only() {
    let obj = record_update(
        "Deployment",
        None,
        &deploy(Some(2), "a", &["web"]),
        "creator",
        "apps/v1",
        None,
        T0,
    );
    let mut new = obj.clone();
    new["status"] = json!({"replicas": 2});
    let out = record_update(
        "Deployment",
        Some(&obj),
        &new,
        "kube-controller-manager",
        "apps/v1",
        Some("status"),
        T1,
    );
    let e = entry(&out, "kube-controller-manager", "Update").unwrap();
    assert_eq!(e["subresource"], "status");
    assert_eq!(
        e["fieldsV1"],
        json!({"f:status": {".": {}, "f:replicas": {}}})
    );
    // Main-resource writes of status are not tracked for kinds with a status subresource.
    let mut again = out.clone();
    again["status"]["replicas"] = json!(3);
    let out2 = record_update(
        "Deployment",
        Some(&out),
        &again,
        "editor",
        "apps/v1",
        None,
        T2,
    );
    assert!(entry(&out2, "editor", "Update").is_none());
}

#[test]
fn reset_list_clears_managed_fields() {
    let obj = record_update(
        "Deployment",
        None,
        &deploy(Some(2), "a", &["web"]),
        "creator",
        "apps/v1",
        None,
        T0,
    );
    let mut new = obj.clone();
    new["metadata"]["managedFields"] = json!([{}]);
    let out = record_update("Deployment", Some(&obj), &new, "x", "apps/v1", None, T1);
    assert!(out["metadata"].get("managedFields").is_none());
}

#[test]
fn update_entries_are_capped() {
    let mut obj = record_update(
        "Deployment",
        None,
        &deploy(Some(0), "a", &["web"]),
        "creator",
        "apps/v1",
        None,
        T0,
    );
    for i in 1..=11 {
        let mut new = obj.clone();
        new["spec"]["replicas"] = json!(i);
        new["metadata"]["labels"][format!("l{i}")] = json!("x");
        let now = format!("2024-01-01T00:{i:02}:00Z");
        obj = record_update(
            "Deployment",
            Some(&obj),
            &new,
            &format!("m{i:02}"),
            "apps/v1",
            None,
            &now,
        );
    }
    let list = obj["metadata"]["managedFields"].as_array().unwrap();
    assert_eq!(list.len(), 10);
    assert!(list.iter().any(|e| e["manager"] == "ancient-changes"));
}
