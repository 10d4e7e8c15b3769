//! ConfigMap, Secret, ServiceAccount and Lease printers.

use super::column::{Column, AGE, NAME};
use super::duration::age;
use super::fields::{arr_at, len_at, name, obj_at, str_at};
use super::{docs, Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub(super) const CONFIG_MAP: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Data", "string", docs::CONFIGMAP_DATA),
        AGE,
    ],
    row: config_map,
};

fn config_map(cm: &Value, now: Timestamp) -> Row {
    let keys = len_at(cm, &["data"]) + len_at(cm, &["binaryData"]);
    vec![json!(name(cm)), json!(keys), json!(age(cm, now))].into()
}

pub(super) const SECRET: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Type", "string", docs::SECRET_TYPE),
        Column::new("Data", "string", docs::SECRET_DATA),
        AGE,
    ],
    row: secret,
};

/// Keys of `data`; `stringData` keys count too, since the server merges
/// them into `data` on write.
fn secret_keys(s: &Value) -> usize {
    let keys: BTreeSet<&String> = ["data", "stringData"]
        .iter()
        .filter_map(|field| obj_at(s, &[field]))
        .flat_map(|m| m.keys())
        .collect();
    keys.len()
}

fn secret(s: &Value, now: Timestamp) -> Row {
    let kind = match str_at(s, &["type"]) {
        "" => "Opaque", // what defaulting stores
        t => t,
    };
    vec![
        json!(name(s)),
        json!(kind),
        json!(secret_keys(s)),
        json!(age(s, now)),
    ]
    .into()
}

/// Kubernetes 1.32 still prints the SECRETS count (the column was dropped
/// in a later release).
pub(super) const SERVICE_ACCOUNT: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Secrets", "string", docs::SA_SECRETS),
        AGE,
    ],
    row: service_account,
};

fn service_account(sa: &Value, now: Timestamp) -> Row {
    let secrets = arr_at(sa, &["secrets"]).len();
    vec![json!(name(sa)), json!(secrets), json!(age(sa, now))].into()
}

pub(super) const LEASE: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Holder", "string", docs::LEASE_HOLDER),
        AGE,
    ],
    row: lease,
};

fn lease(l: &Value, now: Timestamp) -> Row {
    let holder = str_at(l, &["spec", "holderIdentity"]);
    vec![json!(name(l)), json!(holder), json!(age(l, now))].into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    fn meta(name: &str) -> Value {
        json!({"name": name, "namespace": "default", "creationTimestamp": "2024-05-01T11:58:30Z"})
    }

    fn names(p: &Printer) -> Vec<&str> {
        p.columns.iter().map(|c| c.name).collect()
    }

    #[test]
    fn columns() {
        assert_eq!(names(&CONFIG_MAP), ["Name", "Data", "Age"]);
        assert_eq!(names(&SECRET), ["Name", "Type", "Data", "Age"]);
        assert_eq!(names(&SERVICE_ACCOUNT), ["Name", "Secrets", "Age"]);
        assert_eq!(names(&LEASE), ["Name", "Holder", "Age"]);
        assert!([&CONFIG_MAP, &SECRET, &SERVICE_ACCOUNT, &LEASE]
            .iter()
            .all(|p| p
                .columns
                .iter()
                .all(|c| c.priority == 0 && c.kind == "string")));
    }

    #[test]
    fn config_map_counts_data_and_binary_data() {
        let cm = json!({"metadata": meta("app-config"),
                        "data": {"a.yaml": "x", "b": "y"}, "binaryData": {"logo.png": "iVBO"}});
        assert_eq!(
            Value::Array(config_map(&cm, now()).cells),
            json!(["app-config", 3, "90s"])
        );
        let empty = json!({"metadata": meta("e"), "data": "oops"});
        assert_eq!(config_map(&empty, now()).cells[1], 0);
    }

    #[test]
    fn secret_rows() {
        let s = json!({"metadata": meta("tls"), "type": "kubernetes.io/tls",
                       "data": {"tls.crt": "LS0t", "tls.key": "LS0t"}});
        assert_eq!(
            Value::Array(secret(&s, now()).cells),
            json!(["tls", "kubernetes.io/tls", 2, "90s"])
        );
        let unmerged = json!({"metadata": meta("o"), "data": {"a": "eA=="}, "stringData": {"a": "x", "b": "y"}});
        assert_eq!(
            Value::Array(secret(&unmerged, now()).cells),
            json!(["o", "Opaque", 2, "90s"])
        );
    }

    #[test]
    fn service_account_counts_secrets() {
        let sa = json!({"metadata": meta("default")});
        assert_eq!(
            Value::Array(service_account(&sa, now()).cells),
            json!(["default", 0, "90s"])
        );
        let legacy = json!({"metadata": meta("builder"), "secrets": [{"name": "builder-token"}]});
        assert_eq!(service_account(&legacy, now()).cells[1], 1);
    }

    #[test]
    fn lease_holder() {
        let l = json!({"metadata": meta("kube-scheduler"),
                       "spec": {"holderIdentity": "control-plane_7f3a", "leaseDurationSeconds": 15}});
        assert_eq!(
            Value::Array(lease(&l, now()).cells),
            json!(["kube-scheduler", "control-plane_7f3a", "90s"])
        );
        let free = json!({"metadata": meta("free"), "spec": {}});
        assert_eq!(lease(&free, now()).cells[1], "");
    }
}
