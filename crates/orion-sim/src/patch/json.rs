//! RFC 6902 JSON patch (`application/json-patch+json`), delegated to the `json_patch` crate,
//! and the real server's decoding of the body, whose errors say what Go's decoder says.

use json_patch::PatchOperation;
use serde_json::Value;

use super::{json_type, PatchError};

/// Why a JSON patch body does not decode, worded as the real server's Go decoders word it; `None`
/// when it decodes. kube-apiserver first decodes into `[]handlers.jsonPatchOp` unless the request
/// says `fieldValidation=Ignore` (`strict_first`), then with evanphx/json-patch's `DecodePatch`.
/// `null`, as a body or an operation, decodes (to nothing).
pub fn decode_error(body: &Value, strict_first: bool) -> Option<String> {
    let (list_type, item_type) = if strict_first {
        ("[]handlers.jsonPatchOp", "handlers.jsonPatchOp")
    } else {
        ("jsonpatch.Patch", "jsonpatch.Operation")
    };
    let cannot = |found: &str, into: &str| format!("json: cannot unmarshal {found} into {into}");
    let message = match body {
        Value::Null => None,
        Value::Array(items) => items.iter().find_map(|item| match item {
            Value::Null => None,
            Value::Object(fields) if strict_first => fields
                .iter()
                .filter(|(name, value)| {
                    matches!(name.as_str(), "op" | "path" | "from")
                        && !matches!(value, Value::Null | Value::String(_))
                })
                .map(|(name, value)| {
                    let into = format!("Go struct field jsonPatchOp.{name} of type string");
                    cannot(go_json_type(value), &into)
                })
                .next(),
            Value::Object(_) => None,
            other => Some(cannot(
                go_json_type(other),
                &format!("Go value of type {item_type}"),
            )),
        }),
        other => Some(cannot(
            go_json_type(other),
            &format!("Go value of type {list_type}"),
        )),
    }?;
    Some(if strict_first {
        format!("error decoding patch: {message}")
    } else {
        message
    })
}

/// The JSON type of a value as Go's `UnmarshalTypeError` names it.
fn go_json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Applies a JSON patch body (an array of operations) to a copy of `target`.
pub(super) fn apply(target: &Value, body: &Value) -> Result<Value, PatchError> {
    let operations = parse(body)?;
    let mut doc = target.clone();
    json_patch::patch(&mut doc, &operations).map_err(|e| describe_failure(&operations, &e))?;
    Ok(doc)
}

/// Parses each operation separately so that errors can name the offending one.
fn parse(body: &Value) -> Result<Vec<PatchOperation>, PatchError> {
    if body.is_null() {
        return Ok(Vec::new());
    }
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
        assert_eq!(apply(&deployment(), &Value::Null).unwrap(), deployment());
    }

    #[test]
    fn decode_errors_are_worded_as_go_words_them() {
        let cases = [
            (json!({"op": "add"}), true, "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"),
            (json!("x"), false, "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
            (json!([null, 1]), true, "error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp"),
            (json!([[]]), false, "json: cannot unmarshal array into Go value of type jsonpatch.Operation"),
            (json!([{"op": true, "path": "/a"}]), true, "error decoding patch: json: cannot unmarshal bool into Go struct field jsonPatchOp.op of type string"),
        ];
        for (body, strict_first, expected) in cases {
            assert_eq!(
                decode_error(&body, strict_first).as_deref(),
                Some(expected),
                "{body}"
            );
        }
        for body in [
            Value::Null,
            json!([]),
            json!([{"op": "frobnicate", "path": 1}]),
        ] {
            assert_eq!(decode_error(&body, false), None, "{body}");
        }
        assert_eq!(
            decode_error(&json!([{"op": "remove", "path": "/a", "x": 1}]), true),
            None
        );
    }
}
