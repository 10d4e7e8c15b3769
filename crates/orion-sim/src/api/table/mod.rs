//! Server-side printing: the `meta.k8s.io/v1` `Table` kube-apiserver 1.32
//! answers to `kubectl get` (`Accept: application/json;as=Table;...`).
//!
//! Each kind's columns and cells follow the real printers
//! (k8s.io/kubernetes/pkg/printers/internalversion), which the server always
//! runs in wide mode: every row carries the priority-1 cells too and kubectl
//! drops them unless `-o wide`.

mod column;
mod config;
mod crd;
mod docs;
mod duration;
mod event;
mod fallback;
mod fields;
mod ingress;
mod node;
mod pod;
mod pod_status;
mod revision;
mod selector;
mod service;
mod workloads;

use column::Column;
use jiff::Timestamp;
use serde_json::{json, Map, Value};

/// One table row before the object is attached: its cells, plus the
/// `conditions` the pod printer sets for finished pods.
struct Row {
    cells: Vec<Value>,
    conditions: Option<Value>,
}

impl From<Vec<Value>> for Row {
    fn from(cells: Vec<Value>) -> Self {
        Row {
            cells,
            conditions: None,
        }
    }
}

/// A kind's column definitions and the function producing one row.
struct Printer {
    columns: &'static [Column],
    row: fn(&Value, Timestamp) -> Row,
}

/// Builds a meta.k8s.io/v1 Table for `kind` ("Pod", "Deployment", ...).
/// `items` are full objects (as stored, with apiVersion/kind/metadata/spec/status);
/// `now` is the current time (for AGE); `include_object` is the request's
/// `includeObject` parameter: "None" | "Metadata" (default, what kubectl sends) | "Object".
///
/// `api_version` is the resource's ("v1", "apps/v1", ...): its group picks
/// the printer. A single object (`kubectl get KIND NAME`) is a one-item call
/// with that object's resourceVersion. An unknown `include_object` value
/// (which the real server rejects with 400) is treated as "Metadata".
pub fn table(
    kind: &str,
    api_version: &str,
    items: &[Value],
    list_resource_version: &str,
    now: Timestamp,
    include_object: &str,
) -> Value {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let printer = printer_for(group, kind);
    let rows: Vec<Value> = items
        .iter()
        .map(|item| row_json((printer.row)(item, now), item, include_object))
        .collect();
    let mut metadata = Map::new();
    if !list_resource_version.is_empty() {
        metadata.insert("resourceVersion".into(), list_resource_version.into());
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": printer.columns.iter().map(|c| c.to_json()).collect::<Vec<_>>(),
        "rows": rows,
    })
}

/// The printer registered for a group and kind, else the server's default.
fn printer_for(group: &str, kind: &str) -> Printer {
    match (group, kind) {
        ("", "Pod") => pod::PRINTER,
        ("apps", "Deployment") => workloads::DEPLOYMENT,
        ("apps", "ReplicaSet") => workloads::REPLICA_SET,
        ("apps", "StatefulSet") => workloads::STATEFUL_SET,
        ("apps", "DaemonSet") => workloads::DAEMON_SET,
        ("apps", "ControllerRevision") => revision::PRINTER,
        ("", "Service") => service::SERVICE,
        ("", "Endpoints") => service::ENDPOINTS,
        ("", "Namespace") => node::NAMESPACE,
        ("", "Node") => node::NODE,
        ("", "ConfigMap") => config::CONFIG_MAP,
        ("", "Secret") => config::SECRET,
        ("", "ServiceAccount") => config::SERVICE_ACCOUNT,
        ("coordination.k8s.io", "Lease") => config::LEASE,
        ("" | "events.k8s.io", "Event") => event::PRINTER,
        ("networking.k8s.io", "Ingress") => ingress::PRINTER,
        ("gateway.networking.k8s.io", "HTTPRoute") => crd::HTTP_ROUTE,
        _ if fallback::is_built_in_group(group) => fallback::PRINTER,
        _ => crd::DEFAULT,
    }
}

/// A `TableRow`: cells, optional conditions, and the object as requested.
/// With "None" the row's object encodes as `null`, as Go's RawExtension does.
fn row_json(row: Row, item: &Value, include_object: &str) -> Value {
    let mut out = Map::new();
    out.insert("cells".into(), Value::Array(row.cells));
    if let Some(conditions) = row.conditions {
        out.insert("conditions".into(), conditions);
    }
    let object = match include_object {
        "None" => Value::Null,
        "Object" => item.clone(),
        _ => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": item.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
    };
    out.insert("object".into(), object);
    Value::Object(out)
}

#[cfg(test)]
mod tests;
