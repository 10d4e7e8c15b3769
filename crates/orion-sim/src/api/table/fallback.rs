//! kube-apiserver's default table convertor, used by built-in resources
//! without a printer (Role, ClusterRole, CustomResourceDefinition, ...):
//! Name and "Created At" as an RFC 3339 UTC timestamp.

use super::column::{Column, NAME};
use super::duration::parse_time;
use super::fields::{at, name};
use super::{docs, Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};

pub(super) const PRINTER: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Created At", "date", docs::CREATION_TIMESTAMP),
    ],
    row,
};

/// API groups kube-apiserver 1.32 serves itself; any other group belongs
/// to a CRD (or an aggregated API).
pub(super) fn is_built_in_group(group: &str) -> bool {
    const GROUPS: &[&str] = &[
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    ];
    GROUPS.contains(&group)
}

/// `creationTimestamp.UTC().Format(time.RFC3339)`; a missing time is Go's
/// zero time.
fn row(obj: &Value, _now: Timestamp) -> Row {
    let created = at(obj, &["metadata", "creationTimestamp"])
        .and_then(Value::as_str)
        .and_then(parse_time)
        .map_or_else(
            || "0001-01-01T00:00:00Z".to_string(),
            |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
    vec![json!(name(obj)), json!(created)].into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_row() {
        let c: Vec<_> = PRINTER
            .columns
            .iter()
            .map(|c| (c.name, c.kind, c.format))
            .collect();
        assert_eq!(c, [("Name", "string", "name"), ("Created At", "date", "")]);
        let now: Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        let role = json!({"metadata": {"name": "pod-reader",
                                       "creationTimestamp": "2024-04-30T10:15:30.5+02:00"}});
        assert_eq!(
            Value::Array(row(&role, now).cells),
            json!(["pod-reader", "2024-04-30T08:15:30Z"])
        );
        let bare = json!({"metadata": {"name": "x"}});
        assert_eq!(row(&bare, now).cells[1], "0001-01-01T00:00:00Z");
    }

    #[test]
    fn built_in_groups() {
        assert!(is_built_in_group(""));
        assert!(is_built_in_group("rbac.authorization.k8s.io"));
        assert!(!is_built_in_group("gateway.networking.k8s.io"));
        assert!(!is_built_in_group("cert-manager.io"));
    }
}
