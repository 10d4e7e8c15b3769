//! Workload printers: columns and realistic rows.

use super::*;

fn now() -> Timestamp {
    "2024-05-01T12:00:00Z".parse().unwrap()
}

fn cols(p: &Printer) -> Vec<(&str, &str, i32)> {
    p.columns
        .iter()
        .map(|c| (c.name, c.kind, c.priority))
        .collect()
}

fn template() -> Value {
    json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.27"},
                                   {"name": "log", "image": "busybox"}]}})
}

#[test]
fn deployment_columns_and_row() {
    assert_eq!(
        cols(&DEPLOYMENT),
        [
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "string", 0),
            ("Available", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1)
        ]
    );
    let d = json!({
        "metadata": {"name": "web", "creationTimestamp": "2024-04-30T12:00:00Z"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template()},
        "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
    });
    assert_eq!(
        Value::Array(deployment(&d, now()).cells),
        json!([
            "web",
            "2/3",
            3,
            2,
            "24h",
            "web,log",
            "nginx:1.27,busybox",
            "app=web"
        ])
    );
}

#[test]
fn deployment_defaults_and_odd_fields() {
    let d = json!({"metadata": {"name": "x"}, "spec": {"selector": {"matchExpressions": [{"key": "a", "operator": "Bad"}]}}});
    let cells = deployment(&d, now()).cells;
    assert_eq!(cells[1], "0/1");
    assert_eq!(cells[2], 0);
    assert_eq!(cells[4], "<unknown>");
    assert_eq!(cells[7], "<invalid>");
    let empty = json!({"metadata": {"name": "x"}, "spec": {"replicas": 0}});
    let cells = deployment(&empty, now()).cells;
    assert_eq!(
        (cells[1].clone(), cells[5].clone(), cells[7].clone()),
        (json!("0/0"), json!(""), json!(""))
    );
}

#[test]
fn replica_set_columns_and_row() {
    assert_eq!(
        cols(&REPLICA_SET)[..5],
        [
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Age", "string", 0)
        ]
    );
    let rs = json!({
        "metadata": {"name": "web-7d4b9c", "creationTimestamp": "2024-05-01T11:57:00Z"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7d4b9c"}},
                 "template": template()},
        "status": {"replicas": 3, "readyReplicas": 3}
    });
    assert_eq!(
        Value::Array(replica_set(&rs, now()).cells),
        json!([
            "web-7d4b9c",
            3,
            3,
            3,
            "3m",
            "web,log",
            "nginx:1.27,busybox",
            "app=web,pod-template-hash=7d4b9c"
        ])
    );
    let bare = json!({"metadata": {"name": "r"}});
    assert_eq!(replica_set(&bare, now()).cells[7], "<none>");
}

#[test]
fn stateful_set_columns_and_row() {
    assert_eq!(
        cols(&STATEFUL_SET),
        [
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1)
        ]
    );
    let sts = json!({
        "metadata": {"name": "db", "creationTimestamp": "2024-04-28T08:00:00Z"},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "pg", "image": "postgres:16"}]}}},
        "status": {"readyReplicas": 1}
    });
    assert_eq!(
        Value::Array(stateful_set(&sts, now()).cells),
        json!(["db", "1/3", "3d4h", "pg", "postgres:16"])
    );
}

#[test]
fn daemon_set_columns_and_row() {
    let c = cols(&DAEMON_SET);
    assert_eq!(c.len(), 11);
    assert_eq!(c[4], ("Up-to-date", "integer", 0));
    assert_eq!(c[6], ("Node Selector", "string", 0));
    assert_eq!(c[10], ("Selector", "string", 1));
    let ds = json!({
        "metadata": {"name": "kube-proxy", "creationTimestamp": "2024-05-01T06:00:00Z"},
        "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                 "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                       "containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.32.0"}]}}},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                   "updatedNumberScheduled": 3, "numberAvailable": 2}
    });
    assert_eq!(
        Value::Array(daemon_set(&ds, now()).cells),
        json!([
            "kube-proxy",
            3,
            3,
            2,
            3,
            2,
            "kubernetes.io/os=linux",
            "6h",
            "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.32.0",
            "k8s-app=kube-proxy"
        ])
    );
    let bare = json!({"metadata": {"name": "d"}});
    assert_eq!(daemon_set(&bare, now()).cells[6], "<none>");
}
