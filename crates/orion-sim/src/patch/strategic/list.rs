//! Merging a patch list into a live list according to the list's strategy (see `schema`).

use serde_json::Value;

use super::elements::{self, missing_merge_key};
use super::schema::ListStrategy;
use super::{map, order, Location, Object, PatchError};

/// Merges `patch` into the live list `original`.
pub(super) fn merge<'a>(
    original: Vec<Value>,
    patch: &'a [Value],
    at: &Location<'a>,
) -> Result<Vec<Value>, PatchError> {
    let strategy = at.list_strategy();
    let split = elements::split(patch, strategy, at)?;
    if split.replace || strategy == ListStrategy::Replace {
        return materialize_items(&split.items, at);
    }
    let mut list = original;
    let key = strategy.merge_key();
    if let Some(key) = key {
        list.retain(|element| !split.deletes.iter().any(|d| element.get(key) == Some(*d)));
    }
    let merged = match element_kind(&list, &split.items, at)? {
        ElementKind::None => return Ok(list),
        ElementKind::Scalar => union(list.clone(), &split.items),
        ElementKind::Object => match key {
            Some(key) => merge_by_key(list.clone(), &split.items, key, at)?,
            None => return Err(at.error("cannot merge a list of objects without a merge key")),
        },
    };
    Ok(order::patch_order(merged, &split.items, &list, key))
}

/// The list a patch list becomes when there is no live list: its directives are applied
/// (`$patch` elements dropped) and nothing else changes.
pub(super) fn materialize<'a>(
    patch: &'a [Value],
    at: &Location<'a>,
) -> Result<Vec<Value>, PatchError> {
    let split = elements::split(patch, at.list_strategy(), at)?;
    materialize_items(&split.items, at)
}

fn materialize_items<'a>(items: &[&'a Value], at: &Location<'a>) -> Result<Vec<Value>, PatchError> {
    items
        .iter()
        .map(|item| materialize_item(item, at))
        .collect()
}

fn materialize_item<'a>(item: &'a Value, at: &Location<'a>) -> Result<Value, PatchError> {
    match item {
        Value::Object(patch) => Ok(Value::Object(
            map::merge(Object::new(), patch, at)?.unwrap_or_default(),
        )),
        Value::Array(inner) => Ok(Value::Array(materialize(inner, at)?)),
        scalar => Ok(scalar.clone()),
    }
}

enum ElementKind {
    None,
    Scalar,
    Object,
}

/// The common kind of the live and patch elements; mixed kinds and nested lists are errors.
fn element_kind(
    list: &[Value],
    items: &[&Value],
    at: &Location,
) -> Result<ElementKind, PatchError> {
    let mut kind = ElementKind::None;
    for element in list.iter().chain(items.iter().copied()) {
        let this = match element {
            Value::Array(_) => return Err(at.error("lists of lists are not supported")),
            Value::Object(_) => ElementKind::Object,
            _ => ElementKind::Scalar,
        };
        kind = match (kind, this) {
            (ElementKind::None, this) => this,
            (ElementKind::Object, ElementKind::Object) => ElementKind::Object,
            (ElementKind::Scalar, ElementKind::Scalar) => ElementKind::Scalar,
            _ => return Err(at.error("list elements are not all of the same type")),
        };
    }
    Ok(kind)
}

/// Scalar merge: the live and patch values, without duplicates (`patch_order` orders them).
fn union(list: Vec<Value>, items: &[&Value]) -> Vec<Value> {
    let mut merged: Vec<Value> = Vec::with_capacity(list.len() + items.len());
    for value in list.into_iter().chain(items.iter().map(|v| (*v).clone())) {
        if !merged.contains(&value) {
            merged.push(value);
        }
    }
    merged
}

/// Keyed merge: a patch element merges into the first element with the same key value;
/// unmatched ones are appended (`patch_order` then places them).
fn merge_by_key<'a>(
    mut list: Vec<Value>,
    items: &[&'a Value],
    key: &str,
    at: &Location<'a>,
) -> Result<Vec<Value>, PatchError> {
    for item in items {
        let (Some(patch), Some(id)) = (item.as_object(), item.get(key)) else {
            return Err(missing_merge_key(item, key, at));
        };
        match list.iter_mut().find(|element| element.get(key) == Some(id)) {
            Some(slot) => {
                let live = match std::mem::take(slot) {
                    Value::Object(live) => live,
                    _ => Object::new(),
                };
                *slot = Value::Object(map::merge(live, patch, at)?.unwrap_or_default());
            }
            None => list.push(materialize_item(item, at)?),
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(path: &'static str) -> Location<'static> {
        Location {
            kind: "Pod",
            path: path.split('.').collect(),
        }
    }

    fn merged(path: &'static str, live: Value, patch: Value) -> Result<Value, PatchError> {
        let live = live.as_array().cloned().unwrap();
        let patch = patch.as_array().cloned().unwrap();
        merge(live, &patch, &at(path)).map(Value::Array)
    }

    #[test]
    fn keyed_lists_merge_in_place_and_new_elements_go_before_the_live_ones_after_them() {
        let live = json!([{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]);
        let patch = json!([{"name": "d"}, {"name": "b", "image": "2"}, {"name": "c"}]);
        assert_eq!(
            merged("spec.containers", live, patch).unwrap(),
            json!([{"name": "d"}, {"name": "a", "image": "1"}, {"name": "b", "image": "2"}, {"name": "c"}])
        );
        let live = json!([{"name": "A"}]);
        assert_eq!(
            merged("spec.containers.env", live, json!([{"name": "X"}])).unwrap(),
            json!([{"name": "X"}, {"name": "A"}])
        );
    }

    #[test]
    fn nested_keyed_lists_use_their_own_keys() {
        let live = json!([{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}]);
        let patch = json!([{"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]);
        assert_eq!(
            merged("spec.containers", live, patch).unwrap(),
            json!([{"name": "a", "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}]}])
        );
    }

    #[test]
    fn patch_delete_removes_every_match() {
        let live = json!([{"name": "a"}, {"name": "b"}, {"name": "a", "x": 1}]);
        let patch = json!([{"name": "a", "$patch": "delete"}]);
        assert_eq!(
            merged("spec.volumes", live, patch).unwrap(),
            json!([{"name": "b"}])
        );
    }

    #[test]
    fn patch_replace_keeps_only_the_patch_elements() {
        let live = json!([{"name": "a"}, {"name": "b"}]);
        let patch = json!([{"name": "c", "gone": null}, {"$patch": "replace"}]);
        assert_eq!(
            merged("spec.volumes", live.clone(), patch).unwrap(),
            json!([{"name": "c"}])
        );
        let patch = json!([{"$patch": "replace"}]);
        assert_eq!(merged("spec.volumes", live, patch).unwrap(), json!([]));
    }

    #[test]
    fn scalar_merge_lists_are_merged_as_sets() {
        let live = json!(["a", "b", "a"]);
        let patch = json!(["c", "b", "d", "c"]);
        assert_eq!(
            merged("metadata.finalizers", live, patch).unwrap(),
            json!(["c", "a", "b", "d"])
        );
    }

    #[test]
    fn lists_without_a_strategy_are_replaced() {
        let live = json!([{"key": "a"}, {"key": "b"}]);
        let patch = json!([{"key": "c", "$patch": "delete"}, {"key": "d", "value": null}]);
        assert_eq!(
            merged("spec.tolerations", live, patch).unwrap(),
            json!([{"key": "d"}])
        );
        assert_eq!(
            merged("spec.args", json!(["x", "y"]), json!(["z"])).unwrap(),
            json!(["z"])
        );
    }

    fn rejected(path: &'static str, live: Value, patch: Value) -> String {
        merged(path, live, patch).unwrap_err().message
    }

    #[test]
    fn malformed_merge_lists_are_rejected() {
        let (volumes, finalizers) = ("spec.volumes", "metadata.finalizers");
        let live = json!([{"name": "a"}]);
        assert!(rejected(volumes, live, json!(["b"])).contains("same type"));
        assert!(rejected(volumes, json!([]), json!([["a"]])).contains("lists of lists"));
        assert!(rejected(volumes, json!([]), json!([{"x": 1}])).contains("merge key \"name\""));
        assert!(rejected(finalizers, json!(["a"]), json!([{}])).contains("same type"));
        assert!(rejected(finalizers, json!([]), json!([{}])).contains("without a merge key"));
    }

    #[test]
    fn repeated_patch_keys_merge_into_the_appended_element() {
        let patch = json!([{"name": "a", "x": 1}, {"name": "a", "y": 2}]);
        assert_eq!(
            merged("spec.volumes", json!([]), patch).unwrap(),
            json!([{"name": "a", "x": 1, "y": 2}])
        );
    }

    #[test]
    fn materialize_applies_element_directives() {
        let patch = json!([{"name": "a", "$patch": "delete"}, {"name": "b", "x": null, "y": 1}]);
        let patch = patch.as_array().cloned().unwrap();
        assert_eq!(
            materialize(&patch, &at("spec.volumes")).unwrap(),
            vec![json!({"name": "b", "y": 1})]
        );
        let nested = json!([[{"a": 1, "b": null}, {"$patch": "replace"}]]);
        let nested = nested.as_array().cloned().unwrap();
        let got = materialize(&nested, &at("spec.args")).unwrap();
        assert_eq!(got, vec![json!([{"a": 1}])]);
        let bad = vec![json!({"$patch": "nope"})];
        assert!(materialize(&bad, &at("spec.volumes")).is_err());
    }
}
