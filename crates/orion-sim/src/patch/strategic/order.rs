//! The order of a merged list, as apimachinery's `normalizeElementOrder`/`mergeSortedSlice` set
//! it. Every merge of a list orders it (`patch_order`): the elements the patch names keep the
//! patch's order, the live-only ones their live order, and the two are interleaved by live
//! position, so elements new to the list come first. `$setElementOrder/<field>: [..]` then does
//! the same with the directive's list in place of the patch's (`set_element_order`).

use serde_json::Value;

use super::directive::PATCH;
use super::schema::ListStrategy;
use super::{json_type, Location, Object, PatchError};

/// Reorders the merged list `map[field]` by `order`. `live` is the list before merging and
/// `patch_list` the patch's own list for the field (empty if it had none).
pub(super) fn set_element_order(
    map: &mut Object,
    field: &str,
    order: &Value,
    live: &[Value],
    patch_list: &[Value],
    at: &Location,
) -> Result<(), PatchError> {
    let order = order.as_array().ok_or_else(|| {
        at.error(format!(
            "invalid patch format of $setElementOrder/{field}: expected a list, got {}",
            json_type(order)
        ))
    })?;
    let key = match at.list_strategy() {
        ListStrategy::MergeByKey(key) => Some(key),
        ListStrategy::MergeSet => None,
        // A replaced list already has the patch's order.
        ListStrategy::Replace => return Ok(()),
    };
    validate(patch_list, order, key, at)?;
    let merged = match map.get_mut(field) {
        None => return Ok(()),
        Some(Value::Array(merged)) => std::mem::take(merged),
        Some(other) => {
            let found = json_type(other);
            return Err(at.error(format!(
                "$setElementOrder/{field} names {found}, not a list"
            )));
        }
    };
    let (mut named, unnamed): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|element| position(order.iter(), element, key).is_some());
    named.sort_by_key(|element| position(order.iter(), element, key));
    map.insert(
        field.to_owned(),
        Value::Array(interleave(unnamed, named, live, key)),
    );
    Ok(())
}

/// Orders `merged`, the result of merging the patch elements `patch` into the live list `live`
/// (`$patch` elements and deletions already out), as `mergeSlice` does: the elements the patch
/// names in patch order, the others in live order, interleaved by live position. An element
/// new to the list has no live position, so it goes before the live ones still to place.
pub(super) fn patch_order(
    merged: Vec<Value>,
    patch: &[&Value],
    live: &[Value],
    key: Option<&str>,
) -> Vec<Value> {
    let (mut named, mut unnamed): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|element| position(patch.iter().copied(), element, key).is_some());
    named.sort_by_key(|element| position(patch.iter().copied(), element, key));
    unnamed.sort_by_key(|element| position(live.iter(), element, key));
    interleave(unnamed, named, live, key)
}

/// What identifies an element: its merge-key value, or the value itself in a scalar list.
fn identity<'v>(element: &'v Value, key: Option<&str>) -> Option<&'v Value> {
    match key {
        Some(key) => element.get(key),
        None => Some(element),
    }
}

fn position<'v>(
    mut list: impl Iterator<Item = &'v Value>,
    element: &Value,
    key: Option<&str>,
) -> Option<usize> {
    let id = identity(element, key)?;
    list.position(|other| identity(other, key) == Some(id))
}

/// The patch list's elements (deletions and other `$patch` elements aside) must appear in
/// the order list, in the same relative order.
fn validate(
    patch_list: &[Value],
    order: &[Value],
    key: Option<&str>,
    at: &Location,
) -> Result<(), PatchError> {
    if order.is_empty() {
        return Ok(());
    }
    let mut remaining = order.iter();
    for element in patch_list.iter().filter(|e| e.get(PATCH).is_none()) {
        let id = identity(element, key);
        if id.is_none() || !remaining.any(|o| identity(o, key) == id) {
            return Err(at.error(format!(
                "the order in patch list {} doesn't match $setElementOrder list {}",
                Value::Array(patch_list.to_vec()),
                Value::Array(order.to_vec())
            )));
        }
    }
    Ok(())
}

/// Merges two ordered lists, taking from `left` only while both heads are live elements and
/// the left one comes first in the live list; otherwise `right` goes first.
fn interleave(
    left: Vec<Value>,
    right: Vec<Value>,
    live: &[Value],
    key: Option<&str>,
) -> Vec<Value> {
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!(
                (position(live.iter(), l, key), position(live.iter(), r, key)),
                (Some(li), Some(ri)) if li < ri
            ),
        };
        merged.extend(if take_left { left.next() } else { right.next() });
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Reorders `map[field]` as `merge` would after merging `patch_list` into `live`.
    fn ordered(
        path: &'static str,
        merged: Value,
        order: Value,
        live: Value,
        patch_list: Value,
    ) -> Result<Value, PatchError> {
        let at = Location {
            kind: "Pod",
            path: path.split('.').collect(),
        };
        let field = at.path.last().copied().unwrap();
        let mut map = Object::new();
        map.insert(field.to_owned(), merged);
        let live = live.as_array().cloned().unwrap();
        let patch_list = patch_list.as_array().cloned().unwrap();
        set_element_order(&mut map, field, &order, &live, &patch_list, &at)?;
        Ok(map.get(field).cloned().unwrap_or(Value::Null))
    }

    fn patch_ordered(live: Value, merged: Value, patch: Value, key: Option<&str>) -> Value {
        let live = live.as_array().cloned().unwrap();
        let merged = merged.as_array().cloned().unwrap();
        let patch = patch.as_array().cloned().unwrap();
        let patch: Vec<&Value> = patch.iter().collect();
        Value::Array(patch_order(merged, &patch, &live, key))
    }

    #[test]
    fn a_merge_puts_new_elements_before_the_live_ones_after_them() {
        let live = json!([{"name": "A"}, {"name": "B"}, {"name": "C"}]);
        // Merged as mergeSliceWithoutSpecialElements leaves it: updates in place, new appended.
        let merged = json!([{"name": "A"}, {"name": "B", "v": 2}, {"name": "C"}, {"name": "D"}]);
        let got = patch_ordered(
            live.clone(),
            merged,
            json!([{"name": "B", "v": 2}, {"name": "D"}]),
            Some("name"),
        );
        assert_eq!(
            got,
            json!([{"name": "A"}, {"name": "B", "v": 2}, {"name": "D"}, {"name": "C"}])
        );
        let merged = json!([{"name": "A"}, {"name": "B"}, {"name": "C", "v": 3}, {"name": "E"}]);
        let got = patch_ordered(
            live,
            merged,
            json!([{"name": "E"}, {"name": "C", "v": 3}]),
            Some("name"),
        );
        assert_eq!(
            got,
            json!([{"name": "E"}, {"name": "A"}, {"name": "B"}, {"name": "C", "v": 3}])
        );
    }

    #[test]
    fn patch_order_wins_over_live_order_among_patch_elements() {
        let live = json!(["a", "b", "c"]);
        let got = patch_ordered(live, json!(["a", "b", "c"]), json!(["c", "a"]), None);
        assert_eq!(got, json!(["b", "c", "a"]));
    }

    #[test]
    fn named_elements_follow_the_order_list() {
        let merged = json!([{"name": "a"}, {"name": "b", "v": 2}, {"name": "c"}]);
        let order = json!([{"name": "c"}, {"name": "b"}, {"name": "a"}]);
        let live = json!([{"name": "a"}, {"name": "b"}, {"name": "c"}]);
        let got = ordered(
            "spec.containers",
            merged,
            order,
            live,
            json!([{"name": "b", "v": 2}]),
        );
        assert_eq!(
            got.unwrap(),
            json!([{"name": "c"}, {"name": "b", "v": 2}, {"name": "a"}])
        );
    }

    #[test]
    fn unnamed_live_elements_are_interleaved_by_live_order() {
        let live = json!([{"name": "1"}, {"name": "2"}, {"name": "3"}]);
        let order = json!([{"name": "3"}, {"name": "1"}]);
        let got = ordered("spec.containers", live.clone(), order, live, json!([]));
        assert_eq!(
            got.unwrap(),
            json!([{"name": "2"}, {"name": "3"}, {"name": "1"}])
        );
    }

    #[test]
    fn scalar_lists_are_ordered_by_value() {
        let got = ordered(
            "metadata.finalizers",
            json!(["a", "b", "c"]),
            json!(["c", "a"]),
            json!(["a", "b", "c"]),
            json!([]),
        );
        assert_eq!(got.unwrap(), json!(["b", "c", "a"]));
    }

    #[test]
    fn order_list_may_name_missing_elements() {
        let merged = json!([{"name": "1", "v": 1}, {"name": "3", "v": 3}]);
        let order = json!([{"name": "3"}, {"name": "2"}, {"name": "1"}]);
        let patch = json!([{"name": "3", "v": 3}, {"name": "1", "v": 1}]);
        let got = ordered(
            "spec.containers",
            merged,
            order,
            json!([{"name": "1"}, {"name": "3"}]),
            patch,
        );
        assert_eq!(
            got.unwrap(),
            json!([{"name": "3", "v": 3}, {"name": "1", "v": 1}])
        );
    }

    #[test]
    fn patch_list_must_agree_with_the_order_list() {
        let order = json!([{"name": "1"}, {"name": "2"}]);
        let patch = json!([{"name": "2"}, {"name": "1"}, {"name": "9", "$patch": "delete"}]);
        let err = ordered("spec.containers", json!([]), order, json!([]), patch).unwrap_err();
        assert!(
            err.message.contains("doesn't match $setElementOrder list"),
            "{}",
            err.message
        );
    }

    #[test]
    fn malformed_directives_are_rejected_and_replaced_lists_untouched() {
        let err = ordered(
            "spec.containers",
            json!([]),
            json!({}),
            json!([]),
            json!([]),
        )
        .unwrap_err();
        assert!(err.message.contains("expected a list"), "{}", err.message);
        let err = ordered(
            "spec.containers",
            json!("x"),
            json!([]),
            json!([]),
            json!([]),
        )
        .unwrap_err();
        assert!(err.message.contains("not a list"), "{}", err.message);
        let got = ordered(
            "spec.tolerations",
            json!([{"key": "a"}, {"key": "b"}]),
            json!([{"key": "b"}]),
            json!([]),
            json!([]),
        );
        assert_eq!(got.unwrap(), json!([{"key": "a"}, {"key": "b"}]));
    }
}
