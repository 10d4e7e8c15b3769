//! RFC 6902 JSON patch (`application/json-patch+json`), delegated to the `json_patch` crate.

use json_patch::PatchOperation;
use serde_json::Value;

use super::{json_type, PatchError};

/// Applies a JSON patch body (an array of operations) to a copy of `target`.
pub(super) fn apply(target: &Value, body: &Value) -> Result<Value, PatchError> {
    let operations = parse(body)?;
    let mut doc = target.clone();
    json_patch::patch(&mut doc, &operations).map_err(|e| describe_failure(&operations, &e))?;
    Ok(doc)
}

/// Parses each operation separately so that errors can name the offending one.
fn parse(body: &Value) -> Result<Vec<PatchOperation>, PatchError> {
    let items = body.as_array().ok_or_else(|| {
        PatchError::new(format!(
            "json patch: the body must be a JSON array of operations, got {}",
            json_type(body)
        ))
    })?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            serde_json::from_value(item.clone()).map_err(|e| {
                PatchError::new(format!("json patch: operation {index} is invalid: {e}"))
            })
        })
        .collect()
}

fn describe_failure(operations: &[PatchOperation], error: &json_patch::PatchError) -> PatchError {
    let op = operations.get(error.operation).map_or("patch", op_name);
    let path = error.path.as_str();
    let path = if path.is_empty() {
        "the document root"
    } else {
        path
    };
    PatchError::new(format!(
        "json patch: {op} operation (index {}) failed at {path}: {}",
        error.operation, error.kind
    ))
}

fn op_name(operation: &PatchOperation) -> &'static str {
    match operation {
        PatchOperation::Add(_) => "add",
        PatchOperation::Remove(_) => "remove",
        PatchOperation::Replace(_) => "replace",
        PatchOperation::Move(_) => "move",
        PatchOperation::Copy(_) => "copy",
        PatchOperation::Test(_) => "test",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {"replicas": 2}})
    }

    #[test]
    fn applies_all_operation_kinds() {
        let patch = json!([
            {"op": "test", "path": "/spec/replicas", "value": 2},
            {"op": "replace", "path": "/spec/replicas", "value": 5},
            {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
            {"op": "copy", "from": "/metadata/name", "path": "/metadata/labels/name"},
            {"op": "move", "from": "/metadata/labels/app", "path": "/metadata/labels/application"},
            {"op": "remove", "path": "/metadata/labels/tier"}
        ]);
        let got = apply(&deployment(), &patch).unwrap();
        assert_eq!(
            got,
            json!({
                "metadata": {"name": "web", "labels": {"application": "web", "name": "web"}},
                "spec": {"replicas": 5}
            })
        );
    }

    #[test]
    fn failed_test_operation_is_an_error() {
        let patch = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 9},
            {"op": "test", "path": "/spec/replicas", "value": 3}
        ]);
        let err = apply(&deployment(), &patch).unwrap_err();
        assert!(
            err.message
                .starts_with("json patch: test operation (index 1) failed at /spec/replicas"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_path_is_an_error() {
        let patch = json!([{"op": "remove", "path": "/spec/paused"}]);
        let err = apply(&deployment(), &patch).unwrap_err();
        assert!(
            err.message.contains("remove operation") && err.message.contains("/spec/paused"),
            "{}",
            err.message
        );
    }

    #[test]
    fn body_must_be_an_array() {
        let err = apply(&deployment(), &json!({"op": "add"})).unwrap_err();
        assert_eq!(
            err.message,
            "json patch: the body must be a JSON array of operations, got an object"
        );
    }

    #[test]
    fn malformed_operation_is_an_error() {
        let patch = json!([
            {"op": "add", "path": "/a", "value": 1},
            {"op": "frobnicate", "path": "/a"}
        ]);
        let err = apply(&deployment(), &patch).unwrap_err();
        assert!(
            err.message
                .starts_with("json patch: operation 1 is invalid"),
            "{}",
            err.message
        );
        let err = apply(&deployment(), &json!([{"op": "add", "value": 1}])).unwrap_err();
        assert!(err.message.contains("path"), "{}", err.message);
    }

    #[test]
    fn empty_patch_is_a_no_op() {
        assert_eq!(apply(&deployment(), &json!([])).unwrap(), deployment());
    }
}
