//! Pod columns and row (`printPod`).

use super::column::{Column, AGE, NAME};
use super::duration::{age, human_duration};
use super::fields::{arr_at, name, str_at};
use super::pod_status::summarize;
use super::{docs, Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};

const COLUMNS: &[Column] = &[
    NAME,
    Column::new(
        "Ready",
        "string",
        "The aggregate readiness state of this pod for accepting traffic.",
    ),
    Column::new(
        "Status",
        "string",
        "The aggregate status of the containers in this pod.",
    ),
    Column::new(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    Column::new("IP", "string", docs::POD_IP).wide(),
    Column::new("Node", "string", docs::NODE_NAME).wide(),
    Column::new("Nominated Node", "string", docs::NOMINATED_NODE_NAME).wide(),
    Column::new("Readiness Gates", "string", docs::READINESS_GATES).wide(),
];

pub(super) const PRINTER: Printer = Printer {
    columns: COLUMNS,
    row,
};

fn or_none(s: &str) -> String {
    if s.is_empty() { "<none>" } else { s }.to_string()
}

/// "true/total" over `spec.readinessGates`, or "<none>" without gates.
fn readiness_gates(pod: &Value) -> String {
    let gates = arr_at(pod, &["spec", "readinessGates"]);
    if gates.is_empty() {
        return "<none>".to_string();
    }
    let conditions = arr_at(pod, &["status", "conditions"]);
    let passed = gates
        .iter()
        .filter(|gate| {
            let wanted = str_at(gate, &["conditionType"]);
            conditions
                .iter()
                .find(|c| str_at(c, &["type"]) == wanted)
                .is_some_and(|c| str_at(c, &["status"]) == "True")
        })
        .count();
    format!("{passed}/{}", gates.len())
}

/// The row conditions the printer marks finished pods with.
fn conditions(phase: &str) -> Option<Value> {
    let message = match phase {
        "Succeeded" => "The pod has completed successfully.",
        "Failed" => "The pod failed.",
        _ => return None,
    };
    Some(json!([{"type": "Completed", "status": "True", "reason": phase, "message": message}]))
}

fn row(pod: &Value, now: Timestamp) -> Row {
    let s = summarize(pod);
    let restarts = match s.last_restart {
        Some(t) if s.restarts != 0 => {
            format!(
                "{} ({} ago)",
                s.restarts,
                human_duration(now.duration_since(t))
            )
        }
        _ => s.restarts.to_string(),
    };
    // The printer reads status.podIPs[0], not status.podIP.
    let ip = arr_at(pod, &["status", "podIPs"])
        .first()
        .map_or("", |p| str_at(p, &["ip"]));
    let cells = vec![
        json!(name(pod)),
        json!(format!("{}/{}", s.ready, s.total)),
        json!(s.reason),
        json!(restarts),
        json!(age(pod, now)),
        json!(or_none(ip)),
        json!(or_none(str_at(pod, &["spec", "nodeName"]))),
        json!(or_none(str_at(pod, &["status", "nominatedNodeName"]))),
        json!(readiness_gates(pod)),
    ];
    Row {
        cells,
        conditions: conditions(str_at(pod, &["status", "phase"])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    fn running_pod() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-7d4b9c", "namespace": "default",
                         "creationTimestamp": "2024-05-01T11:00:00Z"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": "nginx:1.27"}]},
            "status": {"phase": "Running", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
                       "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0,
                                              "state": {"running": {}}}]}
        })
    }

    #[test]
    fn columns_match_the_real_printer() {
        let names: Vec<_> = COLUMNS.iter().map(|c| (c.name, c.priority)).collect();
        assert_eq!(
            names,
            [
                ("Name", 0),
                ("Ready", 0),
                ("Status", 0),
                ("Restarts", 0),
                ("Age", 0),
                ("IP", 1),
                ("Node", 1),
                ("Nominated Node", 1),
                ("Readiness Gates", 1)
            ]
        );
        assert!(COLUMNS.iter().all(|c| c.kind == "string"));
    }

    #[test]
    fn running_pod_row() {
        let r = row(&running_pod(), now());
        assert_eq!(
            Value::Array(r.cells),
            json!([
                "web-7d4b9c",
                "1/1",
                "Running",
                "0",
                "60m",
                "10.244.0.5",
                "node-1",
                "<none>",
                "<none>"
            ])
        );
        assert!(r.conditions.is_none());
    }

    #[test]
    fn restarts_show_when_the_last_one_finished() {
        let mut p = running_pod();
        p["status"]["containerStatuses"][0]["restartCount"] = json!(3);
        assert_eq!(row(&p, now()).cells[3], "3");
        p["status"]["containerStatuses"][0]["lastState"] =
            json!({"terminated": {"finishedAt": "2024-05-01T11:55:00Z", "exitCode": 1}});
        assert_eq!(row(&p, now()).cells[3], "3 (5m ago)");
    }

    #[test]
    fn wide_cells_fall_back_to_none_and_gates_count() {
        let mut p = running_pod();
        p["status"]["podIPs"] = json!([]);
        p["spec"]["nodeName"] = json!("");
        p["status"]["nominatedNodeName"] = json!("node-2");
        p["spec"]["readinessGates"] =
            json!([{"conditionType": "lb/ready"}, {"conditionType": "x"}]);
        p["status"]["conditions"] = json!([{"type": "lb/ready", "status": "True"}]);
        let cells = row(&p, now()).cells;
        assert_eq!(
            cells[5..],
            [
                json!("<none>"),
                json!("<none>"),
                json!("node-2"),
                json!("1/2")
            ]
        );
    }

    #[test]
    fn finished_pods_carry_completed_conditions() {
        let mut p = running_pod();
        p["status"]["phase"] = json!("Succeeded");
        let c = row(&p, now()).conditions.unwrap();
        assert_eq!(c[0]["type"], "Completed");
        assert_eq!(c[0]["reason"], "Succeeded");
        p["status"]["phase"] = json!("Failed");
        assert_eq!(
            row(&p, now()).conditions.unwrap()[0]["message"],
            "The pod failed."
        );
    }
}
