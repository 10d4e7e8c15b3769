//! Conflicts, forced applies, co-ownership and interplay with updates.

use serde_json::{json, Value};

use super::tests_apply::{deploy, entry, ssa, T0, T1, T2};
use super::*;

#[test]
fn different_value_owned_by_other_applier_conflicts() {
    let obj = ssa(None, &deploy(Some(3), "nginx:1", &["web"]), "m1", false, T0).unwrap();
    let err = ssa(
        Some(&obj),
        &deploy(Some(5), "nginx:1", &["web"]),
        "m2",
        false,
        T1,
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 1 conflict: conflict with \"m1\": .spec.replicas"
    );
    assert_eq!(err.code(), 409);
    let status = err.status();
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["details"]["causes"],
        json!([{"reason": "FieldManagerConflict", "message": "conflict with \"m1\"", "field": ".spec.replicas"}])
    );
    let ApplyError::Conflicts(list) = err else {
        panic!("expected conflicts")
    };
    assert_eq!(list[0].manager, "m1");
    assert_eq!(list[0].field, ".spec.replicas");
}

#[test]
fn several_conflicts_are_grouped_by_manager() {
    let obj = ssa(None, &deploy(Some(3), "nginx:1", &["web"]), "m1", false, T0).unwrap();
    let err = ssa(
        Some(&obj),
        &deploy(Some(5), "nginx:2", &["web"]),
        "m2",
        false,
        T1,
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 2 conflicts: conflicts with \"m1\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image"
    );
}

#[test]
fn force_takes_ownership() {
    let obj = ssa(None, &deploy(Some(3), "nginx:1", &["web"]), "m1", false, T0).unwrap();
    let obj = ssa(
        Some(&obj),
        &deploy(Some(5), "nginx:1", &["web"]),
        "m2",
        true,
        T1,
    )
    .unwrap();
    assert_eq!(obj["spec"]["replicas"], 5);
    let m1 = entry(&obj, "m1", "Apply").unwrap();
    let m2 = entry(&obj, "m2", "Apply").unwrap();
    assert!(m1["fieldsV1"]["f:spec"].get("f:replicas").is_none());
    assert!(m2["fieldsV1"]["f:spec"].get("f:replicas").is_some());
    // m1 still co-owns the unchanged fields.
    assert!(m1["fieldsV1"]["f:spec"].get("f:selector").is_some());
    // m1 re-applying its old value now conflicts with m2.
    let err = ssa(
        Some(&obj),
        &deploy(Some(3), "nginx:1", &["web"]),
        "m1",
        false,
        T2,
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 1 conflict: conflict with \"m2\": .spec.replicas"
    );
}

#[test]
fn same_value_is_co_owned() {
    let obj = ssa(None, &deploy(Some(3), "nginx:1", &["web"]), "m1", false, T0).unwrap();
    let obj = ssa(
        Some(&obj),
        &deploy(Some(3), "nginx:1", &["web"]),
        "m2",
        false,
        T1,
    )
    .unwrap();
    for m in ["m1", "m2"] {
        let e = entry(&obj, m, "Apply").unwrap();
        assert!(e["fieldsV1"]["f:spec"].get("f:replicas").is_some(), "{m}");
    }
    // The object did not change, so m2's brand-new entry has no time (like the apiserver).
    assert!(entry(&obj, "m2", "Apply").unwrap().get("time").is_none());
}

#[test]
fn update_takes_field_and_later_apply_conflicts() {
    let obj = ssa(None, &deploy(Some(3), "nginx:1", &["web"]), "m1", false, T0).unwrap();
    for (sub, who) in [
        (None, "\"kubectl\" using apps/v1"),
        (
            Some("scale"),
            "\"kubectl\" with subresource \"scale\" using apps/v1",
        ),
    ] {
        let mut scaled = obj.clone();
        scaled["spec"]["replicas"] = json!(10);
        let scaled = record_update(
            "Deployment",
            Some(&obj),
            &scaled,
            "kubectl",
            "apps/v1",
            sub,
            T1,
        );
        let m1 = entry(&scaled, "m1", "Apply").unwrap();
        assert!(m1["fieldsV1"]["f:spec"].get("f:replicas").is_none());
        let upd = entry(&scaled, "kubectl", "Update").unwrap();
        assert_eq!(upd["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
        let err = ssa(
            Some(&scaled),
            &deploy(Some(3), "nginx:1", &["web"]),
            "m1",
            false,
            T2,
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            format!("Apply failed with 1 conflict: conflict with {who}: .spec.replicas")
        );
        // Applying without replicas is fine and leaves the scaled value alone.
        let ok = ssa(
            Some(&scaled),
            &deploy(None, "nginx:1", &["web"]),
            "m1",
            false,
            T2,
        )
        .unwrap();
        assert_eq!(ok["spec"]["replicas"], 10);
    }
}

#[test]
fn untracked_object_belongs_to_before_first_apply() {
    let mut live = deploy(Some(3), "nginx:1", &["web"]);
    live["metadata"]["uid"] = json!("u1");
    let err = ssa(
        Some(&live),
        &deploy(Some(4), "nginx:1", &["web"]),
        "m1",
        false,
        T0,
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas"
    );
}

#[test]
fn kubectl_upgrades_from_client_side_apply() {
    let mut cfg = deploy(Some(3), "nginx:1", &["web"]);
    let last = serde_json::to_string(&cfg).unwrap();
    cfg["metadata"]["annotations"] = json!({ lastapplied::ANNOTATION: last });
    let obj = record_update(
        "Deployment",
        None,
        &cfg,
        "kubectl-client-side-apply",
        "apps/v1",
        None,
        T0,
    );
    let new_cfg = deploy(Some(4), "nginx:1", &["web"]);
    let err = ssa(Some(&obj), &new_cfg, "other", false, T1).unwrap_err();
    assert!(err
        .message()
        .contains("\"kubectl-client-side-apply\" using apps/v1"));
    let obj = ssa(Some(&obj), &new_cfg, "kubectl", false, T1).unwrap();
    assert_eq!(obj["spec"]["replicas"], 4);
    let ann = obj["metadata"]["annotations"][lastapplied::ANNOTATION]
        .as_str()
        .unwrap();
    let parsed: Value = serde_json::from_str(ann).unwrap();
    assert_eq!(parsed["spec"]["replicas"], 4);
    assert!(ann.ends_with('\n'));
}
