//! ControllerRevision printer: Name, Controller, Revision, Age.

use super::column::{Column, AGE, NAME};
use super::duration::age;
use super::fields::{int_at, name};
use super::{Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};

pub(super) const PRINTER: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Controller", "string", "Controller of the object"),
        Column::new("Revision", "integer", "Revision of the ControllerRevision"),
        AGE,
    ],
    row: revision,
};

/// "statefulset.apps/db": the controlling owner as kind.group/name, or "<none>".
fn controller(cr: &Value) -> String {
    let owners = cr["metadata"]["ownerReferences"].as_array();
    let Some(owner) = owners.and_then(|refs| refs.iter().find(|r| r["controller"] == true)) else {
        return "<none>".into();
    };
    let kind = owner["kind"].as_str().unwrap_or_default().to_lowercase();
    let group = owner["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map(|(g, _)| g);
    let owner_name = owner["name"].as_str().unwrap_or_default();
    match group {
        Some(g) => format!("{kind}.{g}/{owner_name}"),
        None => format!("{kind}/{owner_name}"),
    }
}

fn revision(cr: &Value, now: Timestamp) -> Row {
    vec![
        json!(name(cr)),
        json!(controller(cr)),
        json!(int_at(cr, &["revision"])),
        json!(age(cr, now)),
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use super::{controller, PRINTER};
    use serde_json::json;

    #[test]
    fn names_the_controller_as_kind_group_name() {
        let cr = json!({"metadata": {"name": "db-1", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "controller": true}]}, "revision": 2});
        assert_eq!(controller(&cr), "statefulset.apps/db");
        assert_eq!(controller(&json!({"metadata": {}})), "<none>");
        let names: Vec<&str> = PRINTER.columns.iter().map(|c| c.name).collect();
        assert_eq!(names, ["Name", "Controller", "Revision", "Age"]);
    }
}
