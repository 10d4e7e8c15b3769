//! Deployment, ReplicaSet, StatefulSet and DaemonSet printers.

use super::column::{Column, AGE, CONTAINERS, IMAGES, NAME};
use super::duration::age;
use super::fields::{arr_at, at, int_at, name, obj_at, opt_int, str_at};
use super::selector::{format_label_selector, format_labels, selector_string};
use super::{docs, Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};

const READY_STATE: &str = "Number of the pod with ready state";

/// `spec.replicas`, defaulted to 1 as apps/v1 defaulting stores it.
fn desired(obj: &Value) -> i64 {
    opt_int(obj, &["spec", "replicas"]).unwrap_or(1)
}

/// `layoutContainerCells`: container names and images, comma-joined.
fn containers(obj: &Value) -> (String, String) {
    let list = arr_at(obj, &["spec", "template", "spec", "containers"]);
    let names: Vec<&str> = list.iter().map(|c| str_at(c, &["name"])).collect();
    let images: Vec<&str> = list.iter().map(|c| str_at(c, &["image"])).collect();
    (names.join(","), images.join(","))
}

pub(super) const DEPLOYMENT: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Ready", "string", READY_STATE),
        Column::new("Up-to-date", "string", docs::DEPLOY_UPDATED),
        Column::new("Available", "string", docs::DEPLOY_AVAILABLE),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", docs::DEPLOY_SELECTOR).wide(),
    ],
    row: deployment,
};

fn deployment(d: &Value, now: Timestamp) -> Row {
    let (names, images) = containers(d);
    // Unlike the other workloads this prints "" (not "<none>") when empty.
    let selector =
        selector_string(at(d, &["spec", "selector"])).unwrap_or_else(|()| "<invalid>".into());
    let ready = int_at(d, &["status", "readyReplicas"]);
    vec![
        json!(name(d)),
        json!(format!("{ready}/{}", desired(d))),
        json!(int_at(d, &["status", "updatedReplicas"])),
        json!(int_at(d, &["status", "availableReplicas"])),
        json!(age(d, now)),
        json!(names),
        json!(images),
        json!(selector),
    ]
    .into()
}

pub(super) const REPLICA_SET: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Desired", "integer", docs::RS_SPEC_REPLICAS),
        Column::new("Current", "integer", docs::RS_STATUS_REPLICAS),
        Column::new("Ready", "integer", docs::RS_READY),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", docs::RS_SELECTOR).wide(),
    ],
    row: replica_set,
};

fn replica_set(rs: &Value, now: Timestamp) -> Row {
    let (names, images) = containers(rs);
    vec![
        json!(name(rs)),
        json!(desired(rs)),
        json!(int_at(rs, &["status", "replicas"])),
        json!(int_at(rs, &["status", "readyReplicas"])),
        json!(age(rs, now)),
        json!(names),
        json!(images),
        json!(format_label_selector(at(rs, &["spec", "selector"]))),
    ]
    .into()
}

pub(super) const STATEFUL_SET: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Ready", "string", READY_STATE),
        AGE,
        CONTAINERS,
        IMAGES,
    ],
    row: stateful_set,
};

fn stateful_set(sts: &Value, now: Timestamp) -> Row {
    let (names, images) = containers(sts);
    let ready = int_at(sts, &["status", "readyReplicas"]);
    vec![
        json!(name(sts)),
        json!(format!("{ready}/{}", desired(sts))),
        json!(age(sts, now)),
        json!(names),
        json!(images),
    ]
    .into()
}

pub(super) const DAEMON_SET: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Desired", "integer", docs::DS_DESIRED),
        Column::new("Current", "integer", docs::DS_CURRENT),
        Column::new("Ready", "integer", docs::DS_READY),
        Column::new("Up-to-date", "integer", docs::DS_UPDATED),
        Column::new("Available", "integer", docs::DS_AVAILABLE),
        Column::new("Node Selector", "string", docs::NODE_SELECTOR),
        AGE,
        CONTAINERS,
        IMAGES,
        Column::new("Selector", "string", docs::DS_SELECTOR).wide(),
    ],
    row: daemon_set,
};

fn daemon_set(ds: &Value, now: Timestamp) -> Row {
    let (names, images) = containers(ds);
    let status = |field: &str| json!(int_at(ds, &["status", field]));
    vec![
        json!(name(ds)),
        status("desiredNumberScheduled"),
        status("currentNumberScheduled"),
        status("numberReady"),
        status("updatedNumberScheduled"),
        status("numberAvailable"),
        json!(format_labels(obj_at(
            ds,
            &["spec", "template", "spec", "nodeSelector"]
        ))),
        json!(age(ds, now)),
        json!(names),
        json!(images),
        json!(format_label_selector(at(ds, &["spec", "selector"]))),
    ]
    .into()
}

#[cfg(test)]
mod tests;
