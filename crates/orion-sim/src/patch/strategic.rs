//! Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), the apply half of
//! k8s.io/apimachinery/pkg/util/strategicpatch: maps merge recursively (`null` deletes a key),
//! lists merge or are replaced according to the field's strategy (see `schema`), and
//! `$`-directives steer the merge. Directives never appear in the result.

mod directive;
mod elements;
mod list;
mod map;
mod order;
mod schema;

use std::fmt::Display;

use serde_json::{Map, Value};

use self::schema::ListStrategy;
use super::{json_type, PatchError};

type Object = Map<String, Value>;

/// Applies a strategic merge patch body (a JSON object) to a copy of `target`.
pub(super) fn apply(kind: &str, target: &Value, body: &Value) -> Result<Value, PatchError> {
    let root = Location {
        kind,
        path: Vec::new(),
    };
    let patch = body.as_object().ok_or_else(|| {
        root.error(format!(
            "the body must be a JSON object, got {}",
            json_type(body)
        ))
    })?;
    let original = target.as_object().cloned().ok_or_else(|| {
        root.error(format!(
            "the target must be a JSON object, got {}",
            json_type(target)
        ))
    })?;
    // `$patch: delete` on the whole object leaves an empty object, as in apimachinery.
    Ok(Value::Object(
        map::merge(original, patch, &root)?.unwrap_or_default(),
    ))
}

/// Where a value sits: the object's kind and the field names leading to it from the root
/// (list elements add no name), which is what the list strategy tables are keyed by.
struct Location<'a> {
    kind: &'a str,
    path: Vec<&'a str>,
}

impl<'a> Location<'a> {
    fn child(&self, field: &'a str) -> Location<'a> {
        let mut path = self.path.clone();
        path.push(field);
        Location {
            kind: self.kind,
            path,
        }
    }

    fn list_strategy(&self) -> ListStrategy {
        schema::list_strategy(self.kind, &self.path)
    }

    fn error(&self, message: impl Display) -> PatchError {
        if self.path.is_empty() {
            PatchError::new(format!("strategic merge patch: {message}"))
        } else {
            let path = self.path.join(".");
            PatchError::new(format!("strategic merge patch at {path}: {message}"))
        }
    }
}

/// Merges a patch value into an optional live value; `None` means "no value" (deleted).
/// A patch object or list with no live counterpart of the same type is merged into an empty
/// one, so its directives are applied (and removed) too.
fn merge_value<'a>(
    original: Option<Value>,
    patch: &'a Value,
    at: &Location<'a>,
) -> Result<Option<Value>, PatchError> {
    match patch {
        Value::Null => Ok(None),
        Value::Object(patch) => {
            let original = match original {
                Some(Value::Object(map)) => map,
                _ => Object::new(),
            };
            Ok(map::merge(original, patch, at)?.map(Value::Object))
        }
        Value::Array(patch) => {
            let merged = match original {
                Some(Value::Array(list)) => list::merge(list, patch, at)?,
                _ => list::materialize(patch, at)?,
            };
            Ok(Some(Value::Array(merged)))
        }
        scalar => Ok(Some(scalar.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(kind: &str, target: Value, patch: Value) -> Result<Value, PatchError> {
        apply(kind, &target, &patch)
    }

    fn deployment() -> Value {
        json!({"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "a:1", "env": [{"name": "A", "value": "1"}]},
            {"name": "side", "image": "s:1"}
        ]}}}})
    }

    #[test]
    fn deployment_containers_and_env_merge_by_name() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "a:2", "env": [{"name": "B", "value": "2"}]}
        ]}}}});
        let got = smp("Deployment", deployment(), patch).unwrap();
        assert_eq!(
            got["spec"]["template"]["spec"]["containers"],
            json!([
                {"name": "web", "image": "a:2", "env": [
                    {"name": "B", "value": "2"}, {"name": "A", "value": "1"}
                ]},
                {"name": "side", "image": "s:1"}
            ])
        );
        assert_eq!(got["metadata"], json!({"name": "d"}));
    }

    #[test]
    fn patch_delete_removes_a_container() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "side", "$patch": "delete"}
        ]}}}});
        let got = smp("Deployment", deployment(), patch).unwrap();
        let containers = &got["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers.as_array().map(Vec::len), Some(1));
        assert_eq!(containers[0]["name"], json!("web"));
    }

    #[test]
    fn cron_job_pod_spec_is_found() {
        let target = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]
        }}}}}});
        let patch = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "containers": [{"name": "b", "image": "2"}]
        }}}}}});
        let got = smp("CronJob", target, patch).unwrap();
        assert_eq!(
            got["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"],
            json!([{"name": "a", "image": "1"}, {"name": "b", "image": "2"}])
        );
    }

    #[test]
    fn service_ports_merge_by_port_and_unknown_lists_are_replaced() {
        let target = json!({"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443}],
                                     "externalIPs": ["1.1.1.1", "2.2.2.2"]}});
        let patch = json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}],
                                    "externalIPs": ["3.3.3.3"]}});
        let got = smp("Service", target, patch).unwrap();
        assert_eq!(
            got["spec"]["ports"],
            json!([{"port": 80, "name": "http", "targetPort": 8080}, {"port": 443}])
        );
        assert_eq!(got["spec"]["externalIPs"], json!(["3.3.3.3"]));
    }

    #[test]
    fn null_deletes_keys() {
        let target = json!({"data": {"a": "1", "b": "2"}});
        let got = smp(
            "ConfigMap",
            target,
            json!({"data": {"a": null, "zz": null}}),
        )
        .unwrap();
        assert_eq!(got, json!({"data": {"b": "2"}}));
    }

    #[test]
    fn values_without_a_live_counterpart_have_their_directives_applied() {
        let target = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1"}});
        let patch = json!({
            "metadata": {"labels": {"$patch": "replace", "a": "b", "gone": null}},
            "spec": {
                "nodeName": {"$retainKeys": ["x"], "x": 1},
                "containers": [
                    {"name": "c", "env": [{"name": "X", "$patch": "delete"}, {"name": "Y"}]},
                    {"$patch": "replace"}
                ]
            }
        });
        let got = smp("Pod", target, patch).unwrap();
        assert_eq!(
            got,
            json!({
                "metadata": {"name": "p", "labels": {"a": "b"}},
                "spec": {"nodeName": {"x": 1}, "containers": [{"name": "c", "env": [{"name": "Y"}]}]}
            })
        );
    }

    #[test]
    fn values_of_another_type_are_replaced() {
        let target = json!({"data": "text", "list": [1, 2], "map": {"a": 1}});
        let patch = json!({"data": {"k": "v"}, "list": "scalar", "map": [1]});
        let got = smp("ConfigMap", target, patch).unwrap();
        assert_eq!(
            got,
            json!({"data": {"k": "v"}, "list": "scalar", "map": [1]})
        );
    }

    #[test]
    fn deleting_the_whole_object_leaves_an_empty_object() {
        let got = smp(
            "ConfigMap",
            json!({"data": {"a": "1"}}),
            json!({"$patch": "delete"}),
        );
        assert_eq!(got.unwrap(), json!({}));
    }

    #[test]
    fn body_and_target_must_be_objects() {
        let err = smp("Pod", json!({}), json!([{"op": "add"}])).unwrap_err();
        assert_eq!(
            err.message,
            "strategic merge patch: the body must be a JSON object, got an array"
        );
        let err = smp("Pod", json!("x"), json!({})).unwrap_err();
        assert!(
            err.message.contains("the target must be a JSON object"),
            "{}",
            err.message
        );
    }
}
