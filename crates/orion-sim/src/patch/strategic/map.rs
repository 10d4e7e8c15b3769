//! Merging a patch map into a live map, including the map-level directives.

use serde_json::Value;

use super::directive::{self, Key};
use super::{merge_value, order, Location, Object, PatchError};

/// Merges `patch` into `original`. `None` means the map is deleted (`$patch: delete`).
pub(super) fn merge<'a>(
    mut original: Object,
    patch: &'a Object,
    at: &Location<'a>,
) -> Result<Option<Object>, PatchError> {
    let keys = directive::classify_keys(patch, at)?;
    if let Some(value) = patch.get(directive::PATCH) {
        match value.as_str() {
            Some("replace") => original = Object::new(),
            Some("delete") => return Ok(None),
            _ => {
                return Err(at.error(format!(
                    "unknown patch type {value} in map (expected \"replace\" or \"delete\")"
                )))
            }
        }
    }
    if let Some(retain) = patch.get(directive::RETAIN_KEYS) {
        directive::retain_keys(&mut original, retain, &keys, at)?;
    }
    // `$setElementOrder` ranks elements by the live order, so capture it before merging.
    let live_lists: Vec<(&str, &Value, Vec<Value>)> = keys
        .iter()
        .filter_map(|(key, value)| match key {
            Key::SetElementOrder(field) => {
                let live = original.get(*field).and_then(Value::as_array).cloned();
                Some((*field, *value, live.unwrap_or_default()))
            }
            _ => None,
        })
        .collect();
    for (key, value) in &keys {
        if let Key::Field(field) = key {
            merge_field(&mut original, field, value, &at.child(field))?;
        }
    }
    for (key, value) in &keys {
        if let Key::DeleteFromPrimitiveList(field) = key {
            directive::delete_from_primitive_list(&mut original, field, value, at)?;
        }
    }
    for (field, order_list, live) in live_lists {
        let patch_list = patch.get(field).and_then(Value::as_array);
        let patch_list = patch_list.map_or(&[][..], Vec::as_slice);
        let field_at = at.child(field);
        order::set_element_order(
            &mut original,
            field,
            order_list,
            &live,
            patch_list,
            &field_at,
        )?;
    }
    Ok(Some(original))
}

/// Merges one patch field into `map`, deleting the key when the result is `None`.
fn merge_field<'a>(
    map: &mut Object,
    field: &'a str,
    patch: &'a Value,
    at: &Location<'a>,
) -> Result<(), PatchError> {
    let original = map.get_mut(field).map(std::mem::take);
    match merge_value(original, patch, at)? {
        // Overwriting an existing key keeps its position, also with `preserve_order`.
        Some(value) => {
            map.insert(field.to_owned(), value);
        }
        None => map.retain(|key, _| key != field),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(live: Value, patch: Value) -> Result<Option<Value>, PatchError> {
        let at = Location {
            kind: "Pod",
            path: Vec::new(),
        };
        let live = live.as_object().cloned().unwrap();
        let patch = patch.as_object().cloned().unwrap();
        Ok(merge(live, &patch, &at)?.map(Value::Object))
    }

    #[test]
    fn maps_merge_recursively() {
        let live = json!({"a": {"b": 1, "c": {"d": 2}}, "x": 1});
        let patch = json!({"a": {"c": {"e": 3}, "f": 4}});
        assert_eq!(
            merged(live, patch).unwrap(),
            Some(json!({"a": {"b": 1, "c": {"d": 2, "e": 3}, "f": 4}, "x": 1}))
        );
    }

    #[test]
    fn patch_replace_replaces_the_map() {
        let live = json!({"spec": {"nodeSelector": {"a": "1", "b": "2"}, "keep": true}});
        let patch = json!({"spec": {"nodeSelector": {"$patch": "replace", "c": "3"}}});
        assert_eq!(
            merged(live, patch).unwrap(),
            Some(json!({"spec": {"nodeSelector": {"c": "3"}, "keep": true}}))
        );
    }

    #[test]
    fn patch_delete_deletes_the_map() {
        let live = json!({"metadata": {"labels": {"a": "1"}, "name": "p"}});
        let patch = json!({"metadata": {"labels": {"$patch": "delete", "b": "2"}}});
        assert_eq!(
            merged(live, patch).unwrap(),
            Some(json!({"metadata": {"name": "p"}}))
        );
        assert_eq!(
            merged(json!({"a": 1}), json!({"$patch": "delete"})).unwrap(),
            None
        );
    }

    #[test]
    fn unknown_patch_types_in_a_map_are_rejected() {
        for bad in [json!("bogus"), json!("merge"), json!(5)] {
            let patch = json!({"spec": {"$patch": bad}});
            let err = merged(json!({"spec": {}}), patch).unwrap_err();
            assert!(
                err.message
                    .starts_with("strategic merge patch at spec: unknown patch type"),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn retain_keys_clears_unlisted_fields_before_merging() {
        let live = json!({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}});
        let patch = json!({"strategy": {"$retainKeys": ["type"], "type": "Recreate"}});
        assert_eq!(
            merged(live, patch).unwrap(),
            Some(json!({"strategy": {"type": "Recreate"}}))
        );
    }

    #[test]
    fn list_directives_act_on_the_merged_map() {
        let live = json!({"metadata": {"finalizers": ["a", "b", "c"]}});
        let patch = json!({"metadata": {
            "finalizers": ["d"],
            "$deleteFromPrimitiveList/finalizers": ["b"],
            "$setElementOrder/finalizers": ["d", "c", "a"]
        }});
        assert_eq!(
            merged(live, patch).unwrap(),
            Some(json!({"metadata": {"finalizers": ["d", "c", "a"]}}))
        );
    }
}
