//! The `$patch` elements of a patch list: `{"$patch": "replace"}` makes the patch list replace
//! the live one, `{<mergeKey>: <value>, "$patch": "delete"}` deletes the live elements with that
//! key. They are taken out before the list is merged.

use serde_json::Value;

use super::directive::PATCH;
use super::schema::ListStrategy;
use super::{Location, PatchError};

/// A patch list with its `$patch` elements taken out.
pub(super) struct Split<'a> {
    /// Ordinary elements, in patch order.
    pub(super) items: Vec<&'a Value>,
    /// Merge-key values of `$patch: delete` elements.
    pub(super) deletes: Vec<&'a Value>,
    /// Whether a `$patch: replace` element was present.
    pub(super) replace: bool,
}

pub(super) fn split<'a>(
    patch: &'a [Value],
    strategy: ListStrategy,
    at: &Location,
) -> Result<Split<'a>, PatchError> {
    let mut split = Split {
        items: Vec::new(),
        deletes: Vec::new(),
        replace: false,
    };
    for element in patch {
        let Some(directive) = element.get(PATCH) else {
            split.items.push(element);
            continue;
        };
        match (directive.as_str(), strategy) {
            (Some("replace"), _) => split.replace = true,
            // Nothing to delete from a list that is replaced anyway.
            (Some("delete"), ListStrategy::Replace) => {}
            (Some("delete"), ListStrategy::MergeByKey(key)) => match element.get(key) {
                Some(value) => split.deletes.push(value),
                None => return Err(missing_merge_key(element, key, at)),
            },
            (Some("delete"), ListStrategy::MergeSet) => {
                return Err(at.error(
                    "$patch: delete needs a merge key, and this list has none \
                     (use $deleteFromPrimitiveList)",
                ))
            }
            (Some("merge"), _) => {
                return Err(at.error("merging lists cannot yet be specified in the patch"))
            }
            _ => {
                return Err(at.error(format!(
                    "unknown patch type {directive} in list element {element}"
                )))
            }
        }
    }
    Ok(split)
}

pub(super) fn missing_merge_key(element: &Value, key: &str, at: &Location) -> PatchError {
    at.error(format!(
        "map {element} does not contain declared merge key {key:?}"
    ))
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

    #[test]
    fn directive_elements_are_taken_out() {
        let patch =
            json!([{"name": "a"}, {"name": "b", "$patch": "delete"}, {"$patch": "replace"}]);
        let patch = patch.as_array().cloned().unwrap();
        let keyed = split(
            &patch,
            at("spec.volumes").list_strategy(),
            &at("spec.volumes"),
        );
        let keyed = keyed.ok().unwrap();
        assert_eq!(keyed.items, vec![&json!({"name": "a"})]);
        assert_eq!(keyed.deletes, vec![&json!("b")]);
        assert!(keyed.replace);
        // In a replaced list a delete element has nothing to act on.
        let plain = split(&patch, ListStrategy::Replace, &at("spec.tolerations"));
        let plain = plain.ok().unwrap();
        assert!(plain.deletes.is_empty() && plain.items.len() == 1 && plain.replace);
    }

    #[test]
    fn bad_list_directives_are_rejected() {
        let cases = [
            (
                "spec.volumes",
                json!([{"$patch": "delete"}]),
                "does not contain declared merge key \"name\"",
            ),
            (
                "metadata.finalizers",
                json!([{"$patch": "delete"}]),
                "needs a merge key",
            ),
            (
                "spec.volumes",
                json!([{"name": "a", "$patch": "merge"}]),
                "merging lists cannot yet",
            ),
            (
                "spec.volumes",
                json!([{"name": "a", "$patch": "bogus"}]),
                "unknown patch type \"bogus\"",
            ),
        ];
        for (path, patch, expected) in cases {
            let patch = patch.as_array().cloned().unwrap();
            let strategy = at(path).list_strategy();
            let err = split(&patch, strategy, &at(path)).err().unwrap();
            assert!(err.message.contains(expected), "{}", err.message);
            assert!(err
                .message
                .starts_with(&format!("strategic merge patch at {path}:")));
        }
    }
}
