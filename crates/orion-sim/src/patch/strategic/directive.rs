//! The `$`-directives a patch map can carry, and the two that act on the live map directly:
//! `$retainKeys` and `$deleteFromPrimitiveList/<field>`.

use serde_json::Value;

use super::{json_type, Location, Object, PatchError};

/// `$patch: replace | delete` on a map or a list element.
pub(super) const PATCH: &str = "$patch";
/// `$retainKeys: [..]`: live keys not listed are dropped before merging.
pub(super) const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";

/// What a key of a patch map means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Key<'a> {
    /// An ordinary field to merge.
    Field(&'a str),
    /// `$patch` or `$retainKeys`, handled up front by the map merge.
    MapDirective,
    /// `$setElementOrder/<field>`.
    SetElementOrder(&'a str),
    /// `$deleteFromPrimitiveList/<field>`.
    DeleteFromPrimitiveList(&'a str),
}

/// Classifies every key of a patch map, rejecting malformed directive keys.
pub(super) fn classify_keys<'a>(
    patch: &'a Object,
    at: &Location,
) -> Result<Vec<(Key<'a>, &'a Value)>, PatchError> {
    patch
        .iter()
        .map(|(key, value)| Ok((classify(key, at)?, value)))
        .collect()
}

fn classify<'a>(key: &'a str, at: &Location) -> Result<Key<'a>, PatchError> {
    if key == PATCH || key == RETAIN_KEYS {
        Ok(Key::MapDirective)
    } else if key.starts_with(SET_ELEMENT_ORDER) {
        directive_field(key, SET_ELEMENT_ORDER, at).map(Key::SetElementOrder)
    } else if key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
        directive_field(key, DELETE_FROM_PRIMITIVE_LIST, at).map(Key::DeleteFromPrimitiveList)
    } else {
        Ok(Key::Field(key))
    }
}

/// The `<field>` of a `<prefix>/<field>` key.
fn directive_field<'a>(key: &'a str, prefix: &str, at: &Location) -> Result<&'a str, PatchError> {
    match key.split_once('/') {
        Some((head, field)) if head == prefix && !field.is_empty() => Ok(field),
        _ => Err(at.error(format!(
            "invalid directive key {key:?}: expected \"{prefix}/<field>\""
        ))),
    }
}

/// `$retainKeys`: drops the live keys that are not listed. Like apimachinery, it rejects a patch
/// that sets a field missing from the list.
pub(super) fn retain_keys(
    original: &mut Object,
    retain: &Value,
    keys: &[(Key, &Value)],
    at: &Location,
) -> Result<(), PatchError> {
    let listed = retain.as_array().ok_or_else(|| {
        at.error(format!(
            "invalid patch format of $retainKeys: expected a list, got {}",
            json_type(retain)
        ))
    })?;
    let is_listed = |name: &str| listed.iter().any(|key| key.as_str() == Some(name));
    for (key, value) in keys {
        if let Key::Field(field) = key {
            if !value.is_null() && !is_listed(field) {
                return Err(at.error(format!(
                    "invalid patch format of $retainKeys: field {field:?} is set by the patch \
                     but not listed in $retainKeys"
                )));
            }
        }
    }
    original.retain(|key, _| is_listed(key));
    Ok(())
}

/// `$deleteFromPrimitiveList/<field>: [..]`: removes those values from the live list `field`.
pub(super) fn delete_from_primitive_list(
    original: &mut Object,
    field: &str,
    values: &Value,
    at: &Location,
) -> Result<(), PatchError> {
    let values = values.as_array().ok_or_else(|| {
        at.error(format!(
            "invalid patch format of {DELETE_FROM_PRIMITIVE_LIST}/{field}: expected a list, got {}",
            json_type(values)
        ))
    })?;
    if let Some(Value::Array(list)) = original.get_mut(field) {
        list.retain(|item| !values.contains(item));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root() -> Location<'static> {
        Location {
            kind: "ConfigMap",
            path: vec!["data"],
        }
    }

    fn object(value: Value) -> Object {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn keys_are_classified() {
        let patch = object(json!({
            "name": 1, "$patch": "replace", "$retainKeys": [],
            "$setElementOrder/containers": [], "$deleteFromPrimitiveList/finalizers": []
        }));
        let keys: Vec<Key> = classify_keys(&patch, &root())
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        for expected in [
            Key::Field("name"),
            Key::MapDirective,
            Key::SetElementOrder("containers"),
            Key::DeleteFromPrimitiveList("finalizers"),
        ] {
            assert!(keys.contains(&expected), "{expected:?} in {keys:?}");
        }
    }

    #[test]
    fn malformed_directive_keys_are_rejected() {
        for key in [
            "$setElementOrder",
            "$setElementOrder/",
            "$setElementOrderX/a",
            "$deleteFromPrimitiveList",
        ] {
            let patch = object(json!({ key: [] }));
            let err = classify_keys(&patch, &root()).unwrap_err();
            assert!(
                err.message.contains("invalid directive key"),
                "{}",
                err.message
            );
            assert!(
                err.message.starts_with("strategic merge patch at data:"),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn retain_keys_drops_unlisted_live_keys() {
        let mut live = object(json!({"a": 1, "b": 2, "c": 3}));
        let patch = object(json!({"a": 5, "c": null}));
        let keys = classify_keys(&patch, &root()).unwrap();
        retain_keys(&mut live, &json!(["a"]), &keys, &root()).unwrap();
        assert_eq!(Value::Object(live), json!({"a": 1}));
    }

    #[test]
    fn retain_keys_rejects_fields_it_does_not_list() {
        let mut live = Object::new();
        let patch = object(json!({"b": 5}));
        let keys = classify_keys(&patch, &root()).unwrap();
        let err = retain_keys(&mut live, &json!(["a"]), &keys, &root()).unwrap_err();
        assert!(
            err.message.contains("\"b\" is set by the patch"),
            "{}",
            err.message
        );
        let err = retain_keys(&mut live, &json!("a"), &[], &root()).unwrap_err();
        assert!(err.message.contains("expected a list"), "{}", err.message);
    }

    #[test]
    fn delete_from_primitive_list_removes_values() {
        let mut live = object(json!({"finalizers": ["a", "b", "c", "a"]}));
        delete_from_primitive_list(&mut live, "finalizers", &json!(["a", "z"]), &root()).unwrap();
        assert_eq!(live["finalizers"], json!(["b", "c"]));
        // A missing field is left alone; a non-list directive value is an error.
        delete_from_primitive_list(&mut live, "other", &json!(["a"]), &root()).unwrap();
        assert!(!live.contains_key("other"));
        let err =
            delete_from_primitive_list(&mut live, "finalizers", &json!({}), &root()).unwrap_err();
        assert!(err.message.contains("expected a list"), "{}", err.message);
    }
}
