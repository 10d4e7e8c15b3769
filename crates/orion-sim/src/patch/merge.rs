//! RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge recursively,
//! `null` deletes a key, every other value (arrays included) replaces what was there.

use serde_json::Value;

use super::{json_type, PatchError};

/// Applies a merge patch body, which must be a JSON object, to a copy of `target`.
pub(super) fn apply(target: &Value, body: &Value) -> Result<Value, PatchError> {
    if !body.is_object() {
        return Err(PatchError::new(format!(
            "merge patch: the body must be a JSON object, got {}",
            json_type(body)
        )));
    }
    let mut doc = target.clone();
    json_patch::merge(&mut doc, body);
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_merge_recursively() {
        let target = json!({"metadata": {"labels": {"a": "1"}, "name": "x"}});
        let patch = json!({"metadata": {"labels": {"b": "2"}}});
        assert_eq!(
            apply(&target, &patch).unwrap(),
            json!({"metadata": {"labels": {"a": "1", "b": "2"}, "name": "x"}})
        );
    }

    #[test]
    fn null_deletes_a_key() {
        let target = json!({"data": {"a": "1", "b": "2"}});
        let patch = json!({"data": {"a": null, "missing": null}});
        assert_eq!(apply(&target, &patch).unwrap(), json!({"data": {"b": "2"}}));
    }

    #[test]
    fn arrays_are_replaced_not_merged() {
        let target = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let patch = json!({"spec": {"containers": [{"name": "c"}]}});
        assert_eq!(
            apply(&target, &patch).unwrap(),
            json!({"spec": {"containers": [{"name": "c"}]}})
        );
    }

    #[test]
    fn body_must_be_an_object() {
        for body in [json!([1]), json!("x"), json!(null)] {
            let err = apply(&json!({}), &body).unwrap_err();
            assert!(
                err.message
                    .starts_with("merge patch: the body must be a JSON object"),
                "{}",
                err.message
            );
        }
    }
}
