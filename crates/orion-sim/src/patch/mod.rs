//! PATCH semantics of the simulated kube-apiserver, as pure functions over `serde_json::Value`:
//! RFC 6902 JSON patch, RFC 7386 JSON merge patch and Kubernetes strategic merge patch.
//! Server-side apply is not handled here.

mod json;
mod merge;
mod strategic;

pub use json::decode_error as json_decode_error;

use std::fmt;

use serde_json::Value;

/// The patch flavours this module applies, chosen by the request's `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
}

impl PatchType {
    /// Maps a `Content-Type` header to a patch type, ignoring parameters after `;` and case.
    /// Returns `None` for anything else, including server-side apply
    /// (`application/apply-patch+yaml`), which is handled elsewhere.
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        let media_type = ct.split_once(';').map_or(ct, |(media, _)| media).trim();
        [
            ("application/json-patch+json", PatchType::Json),
            ("application/merge-patch+json", PatchType::Merge),
            (
                "application/strategic-merge-patch+json",
                PatchType::StrategicMerge,
            ),
        ]
        .into_iter()
        .find(|(name, _)| media_type.eq_ignore_ascii_case(name))
        .map(|(_, patch_type)| patch_type)
    }
}

/// A patch that cannot be applied; `message` says what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchError {
    pub message: String,
}

impl PatchError {
    pub fn new(message: impl Into<String>) -> Self {
        PatchError {
            message: message.into(),
        }
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PatchError {}

/// Applies `patch_body` to `target` (an object of the given Kubernetes `kind`) and returns the
/// patched object. `target` is left untouched; the result is always a JSON object.
pub fn apply(
    kind: &str,
    target: &Value,
    patch_type: PatchType,
    patch_body: &Value,
) -> Result<Value, PatchError> {
    let patched = match patch_type {
        PatchType::Json => json::apply(target, patch_body)?,
        PatchType::Merge => merge::apply(target, patch_body)?,
        PatchType::StrategicMerge => strategic::apply(kind, target, patch_body)?,
    };
    if !patched.is_object() {
        return Err(PatchError::new(format!(
            "the patched object must be a JSON object, but the patch turned it into {}",
            json_type(&patched)
        )));
    }
    Ok(patched)
}

/// The JSON type of a value, with an article, for error messages.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_types_map_to_patch_types() {
        let cases = [
            ("application/json-patch+json", Some(PatchType::Json)),
            ("application/merge-patch+json", Some(PatchType::Merge)),
            (
                "application/strategic-merge-patch+json",
                Some(PatchType::StrategicMerge),
            ),
            (
                "application/merge-patch+json; charset=utf-8",
                Some(PatchType::Merge),
            ),
            (" Application/JSON-Patch+JSON ;x=y", Some(PatchType::Json)),
            ("application/apply-patch+yaml", None),
            ("application/json", None),
            ("", None),
        ];
        for (ct, expected) in cases {
            assert_eq!(PatchType::from_content_type(ct), expected, "{ct:?}");
        }
    }

    #[test]
    fn apply_dispatches_on_patch_type() {
        let target = json!({"metadata": {"name": "a"}, "spec": {"replicas": 1, "paused": true}});
        let json_patch = json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]);
        let merge_patch = json!({"spec": {"paused": null}});
        let got = apply("Deployment", &target, PatchType::Json, &json_patch).unwrap();
        assert_eq!(got["spec"]["replicas"], json!(3));
        let got = apply("Deployment", &target, PatchType::Merge, &merge_patch).unwrap();
        assert_eq!(got["spec"], json!({"replicas": 1}));
        let got = apply(
            "Deployment",
            &target,
            PatchType::StrategicMerge,
            &merge_patch,
        )
        .unwrap();
        assert_eq!(got["spec"], json!({"replicas": 1}));
        assert_eq!(
            target["spec"]["paused"],
            json!(true),
            "target is not mutated"
        );
    }

    #[test]
    fn apply_rejects_results_that_are_not_objects() {
        let target = json!({"a": 1});
        let patch = json!([{"op": "replace", "path": "", "value": [1]}]);
        let err = apply("ConfigMap", &target, PatchType::Json, &patch).unwrap_err();
        assert!(err.message.contains("an array"), "{}", err.message);
    }

    #[test]
    fn errors_display_their_message() {
        let err = PatchError::new("json patch: boom");
        assert_eq!(err.to_string(), "json patch: boom");
    }
}
