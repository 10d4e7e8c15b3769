//! The Table envelope, includeObject modes and printer dispatch.

use super::*;

fn now() -> Timestamp {
    "2024-05-01T12:00:00Z".parse().unwrap()
}

fn pod(name: &str, phase: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "resourceVersion": "41",
                     "creationTimestamp": "2024-05-01T11:59:00Z", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]},
        "status": {"phase": phase}
    })
}

fn column_names(t: &Value) -> Vec<&str> {
    t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

#[test]
fn envelope_and_partial_object_metadata() {
    let items = [pod("a", "Pending"), pod("b", "Succeeded")];
    let t = table("Pod", "v1", &items, "1234", now(), "Metadata");
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(t["metadata"], json!({"resourceVersion": "1234"}));
    assert_eq!(column_names(&t)[..3], ["Name", "Ready", "Status"]);
    let rows = t["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["cells"][0], "a");
    assert_eq!(rows[0]["cells"].as_array().unwrap().len(), 9);
    assert!(rows[0].get("conditions").is_none());
    assert_eq!(rows[1]["conditions"][0]["reason"], "Succeeded");
    assert_eq!(
        rows[0]["object"],
        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
               "metadata": items[0]["metadata"].clone()})
    );
}

#[test]
fn include_object_modes() {
    let items = [pod("a", "Running")];
    let full = table("Pod", "v1", &items, "7", now(), "Object");
    assert_eq!(full["rows"][0]["object"], items[0]);
    let none = table("Pod", "v1", &items, "7", now(), "None");
    assert_eq!(none["rows"][0]["object"], Value::Null);
    assert!(none["rows"][0].as_object().unwrap().contains_key("object"));
    let default = table("Pod", "v1", &items, "7", now(), "");
    assert_eq!(
        default["rows"][0]["object"]["kind"],
        "PartialObjectMetadata"
    );
    let odd = json!("not an object");
    let t = table(
        "Pod",
        "v1",
        std::slice::from_ref(&odd),
        "",
        now(),
        "Metadata",
    );
    assert_eq!(t["rows"][0]["object"]["metadata"], json!({}));
    assert_eq!(t["rows"][0]["cells"][0], "");
}

#[test]
fn empty_list_and_missing_resource_version() {
    let t = table("Deployment", "apps/v1", &[], "", now(), "Metadata");
    assert_eq!(t["metadata"], json!({}));
    assert_eq!(t["rows"], json!([]));
    assert_eq!(
        column_names(&t),
        [
            "Name",
            "Ready",
            "Up-to-date",
            "Available",
            "Age",
            "Containers",
            "Images",
            "Selector"
        ]
    );
}

#[test]
fn printer_is_chosen_by_group_and_kind() {
    let names = |kind: &str, api_version: &str| {
        let t = table(kind, api_version, &[], "", now(), "None");
        column_names(&t).join("|")
    };
    assert_eq!(
        names("Service", "v1"),
        "Name|Type|Cluster-IP|External-IP|Port(s)|Age|Selector"
    );
    assert_eq!(names("Service", "serving.knative.dev/v1"), "Name|Age");
    assert_eq!(
        names("Role", "rbac.authorization.k8s.io/v1"),
        "Name|Created At"
    );
    assert_eq!(
        names("HTTPRoute", "gateway.networking.k8s.io/v1"),
        "Name|Hostnames|Age"
    );
    assert_eq!(names("Lease", "coordination.k8s.io/v1"), "Name|Holder|Age");
    assert_eq!(
        names("Ingress", "networking.k8s.io/v1"),
        "Name|Class|Hosts|Address|Ports|Age"
    );
    assert!(names("Event", "events.k8s.io/v1").starts_with("Last Seen|Type|Reason|Object"));
    assert!(names("Event", "v1").ends_with("|Count|Name"));
    assert!(names("Node", "v1").contains("Kernel-Version"));
    assert_eq!(names("Namespace", "v1"), "Name|Status|Age");
    assert_eq!(names("ConfigMap", "v1"), "Name|Data|Age");
    assert_eq!(names("Secret", "v1"), "Name|Type|Data|Age");
    assert_eq!(names("ServiceAccount", "v1"), "Name|Secrets|Age");
    assert_eq!(names("Endpoints", "v1"), "Name|Endpoints|Age");
    assert!(names("DaemonSet", "apps/v1").contains("Node Selector"));
    assert_eq!(
        names("StatefulSet", "apps/v1"),
        "Name|Ready|Age|Containers|Images"
    );
    assert!(names("ReplicaSet", "apps/v1").starts_with("Name|Desired|Current|Ready"));
}

#[test]
fn single_object_get_is_a_one_row_table() {
    let d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "resourceVersion": "99", "creationTimestamp": "2024-05-01T11:00:00Z"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
        "status": {"readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2}
    });
    let t = table(
        "Deployment",
        "apps/v1",
        std::slice::from_ref(&d),
        "99",
        now(),
        "Metadata",
    );
    assert_eq!(t["metadata"]["resourceVersion"], "99");
    assert_eq!(
        t["rows"][0]["cells"],
        json!(["web", "2/2", 2, 2, "60m", "web", "nginx", "app=web"])
    );
}

#[test]
fn odd_inputs_never_panic_and_rows_match_columns() {
    let kinds = [
        ("Pod", "v1"),
        ("Deployment", "apps/v1"),
        ("ReplicaSet", "apps/v1"),
        ("StatefulSet", "apps/v1"),
        ("DaemonSet", "apps/v1"),
        ("Service", "v1"),
        ("Endpoints", "v1"),
        ("Namespace", "v1"),
        ("Node", "v1"),
        ("ConfigMap", "v1"),
        ("Secret", "v1"),
        ("ServiceAccount", "v1"),
        ("Event", "v1"),
        ("Lease", "coordination.k8s.io/v1"),
        ("Ingress", "networking.k8s.io/v1"),
        ("HTTPRoute", "gateway.networking.k8s.io/v1"),
        ("Role", "rbac.authorization.k8s.io/v1"),
        ("Widget", "example.com/v1"),
        ("", ""),
    ];
    let odd = [
        json!(null),
        json!(42),
        json!("pod"),
        json!([1, 2]),
        json!({}),
        json!({"metadata": 7, "spec": [], "status": "x"}),
        json!({"metadata": {"name": 5, "creationTimestamp": "9999-99-99", "deletionTimestamp": 1},
               "spec": {"replicas": "3", "containers": {}, "ports": [null, {"port": "80"}],
                        "selector": {"matchLabels": [], "matchExpressions": [7]}, "rules": [1]},
               "status": {"containerStatuses": [{"restartCount": i64::MAX,
                                                 "lastState": {"terminated": {"finishedAt": 3}}},
                                                {"restartCount": i64::MAX}],
                          "conditions": "Ready", "loadBalancer": {"ingress": [{}]},
                          "addresses": [null]},
               "series": {"count": "many"}, "involvedObject": [], "subsets": [{"addresses": [1]}],
               "data": null}),
    ];
    for (kind, api_version) in kinds {
        for mode in ["None", "Metadata", "Object", "bogus"] {
            let t = table(kind, api_version, &odd, "1", now(), mode);
            let columns = t["columnDefinitions"].as_array().unwrap().len();
            for row in t["rows"].as_array().unwrap() {
                assert_eq!(row["cells"].as_array().unwrap().len(), columns, "{kind}");
            }
        }
    }
}
