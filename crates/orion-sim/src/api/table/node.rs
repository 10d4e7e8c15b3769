//! Node and Namespace printers.

use super::column::{Column, AGE, NAME};
use super::duration::age;
use super::fields::{arr_at, bool_at, name, obj_at, str_at};
use super::{docs, Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub(super) const NODE: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Status", "string", "The status of the node"),
        Column::new("Roles", "string", "The roles of the node"),
        AGE,
        Column::new("Version", "string", docs::KUBELET_VERSION),
        Column::new("Internal-IP", "string", docs::NODE_ADDRESSES).wide(),
        Column::new("External-IP", "string", docs::NODE_ADDRESSES).wide(),
        Column::new("OS-Image", "string", docs::OS_IMAGE).wide(),
        Column::new("Kernel-Version", "string", docs::KERNEL_VERSION).wide(),
        Column::new("Container-Runtime", "string", docs::CONTAINER_RUNTIME).wide(),
    ],
    row: node,
};

/// "Ready", "NotReady" (any non-True status) or "Unknown" (no Ready
/// condition; the last one listed wins), plus ",SchedulingDisabled".
fn node_status(n: &Value) -> String {
    let ready = arr_at(n, &["status", "conditions"])
        .iter()
        .rev()
        .find(|c| str_at(c, &["type"]) == "Ready");
    let mut status = match ready {
        Some(c) if str_at(c, &["status"]) == "True" => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if bool_at(n, &["spec", "unschedulable"]) {
        status.push_str(",SchedulingDisabled");
    }
    status
}

/// `findNodeRoles`: `node-role.kubernetes.io/<role>` keys and the value of
/// `kubernetes.io/role`, sorted and de-duplicated; "<none>" without any.
fn node_roles(n: &Value) -> String {
    let mut roles = BTreeSet::new();
    for (k, v) in obj_at(n, &["metadata", "labels"]).into_iter().flatten() {
        let role = match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) => role,
            None if k == "kubernetes.io/role" => v.as_str().unwrap_or(""),
            None => "",
        };
        if !role.is_empty() {
            roles.insert(role);
        }
    }
    if roles.is_empty() {
        return "<none>".to_string();
    }
    roles.into_iter().collect::<Vec<_>>().join(",")
}

/// The first address of `kind`, or "<none>".
fn address(n: &Value, kind: &str) -> String {
    arr_at(n, &["status", "addresses"])
        .iter()
        .find(|a| str_at(a, &["type"]) == kind)
        .map_or("<none>", |a| str_at(a, &["address"]))
        .to_string()
}

fn node_info<'a>(n: &'a Value, field: &str) -> &'a str {
    match str_at(n, &["status", "nodeInfo", field]) {
        "" => "<unknown>",
        s => s,
    }
}

fn node(n: &Value, now: Timestamp) -> Row {
    vec![
        json!(name(n)),
        json!(node_status(n)),
        json!(node_roles(n)),
        json!(age(n, now)),
        json!(str_at(n, &["status", "nodeInfo", "kubeletVersion"])),
        json!(address(n, "InternalIP")),
        json!(address(n, "ExternalIP")),
        json!(node_info(n, "osImage")),
        json!(node_info(n, "kernelVersion")),
        json!(node_info(n, "containerRuntimeVersion")),
    ]
    .into()
}

pub(super) const NAMESPACE: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Status", "string", "The status of the namespace"),
        AGE,
    ],
    row: namespace,
};

fn namespace(ns: &Value, now: Timestamp) -> Row {
    // Every namespace the server stores has a phase ("Active" on create).
    let phase = match str_at(ns, &["status", "phase"]) {
        "" => "Active",
        p => p,
    };
    vec![json!(name(ns)), json!(phase), json!(age(ns, now))].into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    fn worker() -> Value {
        json!({
            "metadata": {"name": "node-1", "creationTimestamp": "2024-04-01T12:00:00Z",
                         "labels": {"kubernetes.io/hostname": "node-1"}},
            "spec": {},
            "status": {
                "conditions": [{"type": "MemoryPressure", "status": "False"},
                               {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "Hostname", "address": "node-1"},
                              {"type": "InternalIP", "address": "172.18.0.2"}],
                "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                             "kernelVersion": "6.8.0-45-generic", "containerRuntimeVersion": "containerd://1.7.18"}
            }
        })
    }

    #[test]
    fn node_columns() {
        let c: Vec<_> = NODE.columns.iter().map(|c| (c.name, c.priority)).collect();
        assert_eq!(
            c,
            [
                ("Name", 0),
                ("Status", 0),
                ("Roles", 0),
                ("Age", 0),
                ("Version", 0),
                ("Internal-IP", 1),
                ("External-IP", 1),
                ("OS-Image", 1),
                ("Kernel-Version", 1),
                ("Container-Runtime", 1)
            ]
        );
    }

    #[test]
    fn ready_worker_row() {
        assert_eq!(
            Value::Array(node(&worker(), now()).cells),
            json!([
                "node-1",
                "Ready",
                "<none>",
                "30d",
                "v1.32.0",
                "172.18.0.2",
                "<none>",
                "Debian GNU/Linux 12 (bookworm)",
                "6.8.0-45-generic",
                "containerd://1.7.18"
            ])
        );
    }

    #[test]
    fn statuses() {
        let mut n = worker();
        n["spec"]["unschedulable"] = json!(true);
        assert_eq!(node_status(&n), "Ready,SchedulingDisabled");
        n["status"]["conditions"][1]["status"] = json!("Unknown");
        assert_eq!(node_status(&n), "NotReady,SchedulingDisabled");
        n["status"]["conditions"] = json!([]);
        n["spec"]["unschedulable"] = json!(false);
        assert_eq!(node_status(&n), "Unknown");
    }

    #[test]
    fn roles_from_labels() {
        let mut n = worker();
        n["metadata"]["labels"] = json!({
            "node-role.kubernetes.io/control-plane": "",
            "node-role.kubernetes.io/etcd": "true",
            "node-role.kubernetes.io/": "",
            "kubernetes.io/role": "master"
        });
        assert_eq!(node_roles(&n), "control-plane,etcd,master");
        n["metadata"]["labels"] = json!({"kubernetes.io/role": ""});
        assert_eq!(node_roles(&n), "<none>");
    }

    #[test]
    fn missing_node_info_reads_unknown() {
        let n = json!({"metadata": {"name": "bare"}});
        let cells = node(&n, now()).cells;
        assert_eq!(cells[4], "");
        assert_eq!(
            cells[7..],
            [json!("<unknown>"), json!("<unknown>"), json!("<unknown>")]
        );
    }

    #[test]
    fn namespace_rows() {
        let ns = json!({"metadata": {"name": "kube-system", "creationTimestamp": "2024-05-01T10:00:00Z"},
                        "status": {"phase": "Terminating"}});
        assert_eq!(
            Value::Array(namespace(&ns, now()).cells),
            json!(["kube-system", "Terminating", "120m"])
        );
        let bare = json!({"metadata": {"name": "x"}});
        assert_eq!(namespace(&bare, now()).cells[1], "Active");
        assert_eq!(NAMESPACE.columns[1].name, "Status");
    }
}
