//! Event printer: columns and realistic core/v1 and events.k8s.io rows.

use super::*;

fn now() -> Timestamp {
    "2024-05-01T12:00:00Z".parse().unwrap()
}

#[test]
fn columns_in_wide_order() {
    let c: Vec<_> = PRINTER
        .columns
        .iter()
        .map(|c| (c.name, c.priority, c.format))
        .collect();
    assert_eq!(
        c,
        [
            ("Last Seen", 0, ""),
            ("Type", 0, ""),
            ("Reason", 0, ""),
            ("Object", 0, ""),
            ("Subobject", 1, ""),
            ("Source", 1, ""),
            ("Message", 0, ""),
            ("First Seen", 1, ""),
            ("Count", 1, ""),
            ("Name", 1, "name")
        ]
    );
}

#[test]
fn core_event_row() {
    let ev = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "web-7d4b9c.17c8a", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web-7d4b9c", "fieldPath": "spec.containers{web}"},
        "reason": "Pulled", "type": "Normal",
        "message": "Successfully pulled image \"nginx:1.27\"\n",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2024-05-01T11:50:00Z", "lastTimestamp": "2024-05-01T11:58:00Z", "count": 4
    });
    assert_eq!(
        Value::Array(row(&ev, now()).cells),
        json!([
            "2m",
            "Normal",
            "Pulled",
            "pod/web-7d4b9c",
            "spec.containers{web}",
            "kubelet, node-1",
            "Successfully pulled image \"nginx:1.27\"",
            "10m",
            4,
            "web-7d4b9c.17c8a"
        ])
    );
}

#[test]
fn new_style_event_uses_event_time_series_and_reporting_fields() {
    let ev = json!({
        "metadata": {"name": "e1"},
        "eventTime": "2024-05-01T11:00:00.000000Z",
        "series": {"count": 7, "lastObservedTime": "2024-05-01T11:59:30.000000Z"},
        "involvedObject": {"kind": "Node", "name": "node-1"},
        "reportingComponent": "kubelet", "reportingInstance": "node-1",
        "type": "Warning", "reason": "Rebooted", "message": "rebooted"
    });
    let cells = row(&ev, now()).cells;
    assert_eq!(cells[0], "30s");
    assert_eq!(cells[5], "kubelet, node-1");
    assert_eq!(cells[7], "60m");
    assert_eq!(cells[8], 7);
}

#[test]
fn events_k8s_io_field_names() {
    let ev = json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e2"},
        "regarding": {"kind": "Deployment", "name": "web"},
        "note": "Scaled up replica set web-7d4b9c to 3", "reason": "ScalingReplicaSet", "type": "Normal",
        "reportingController": "deployment-controller",
        "deprecatedFirstTimestamp": "2024-05-01T11:55:00Z", "deprecatedLastTimestamp": "2024-05-01T11:55:00Z"
    });
    let cells = row(&ev, now()).cells;
    assert_eq!(cells[0], "5m");
    assert_eq!(cells[3], "deployment/web");
    assert_eq!(cells[5], "deployment-controller");
    assert_eq!(cells[6], "Scaled up replica set web-7d4b9c to 3");
    assert_eq!(cells[8], 1);
}

#[test]
fn missing_times_and_objects() {
    let ev = json!({"metadata": {"name": "e3"}, "involvedObject": {"kind": "Namespace"},
                    "firstTimestamp": "2024-05-01T11:59:00Z"});
    let cells = row(&ev, now()).cells;
    assert_eq!(
        (cells[0].clone(), cells[7].clone()),
        (json!("60s"), json!("60s"))
    );
    assert_eq!(cells[3], "namespace");
    let bare = json!({});
    let cells = row(&bare, now()).cells;
    assert_eq!(
        Value::Array(cells),
        json!(["<unknown>", "", "", "", "", "", "", "<unknown>", 1, ""])
    );
}
