//! API errors as the real server reports them: a `Status` object with the HTTP
//! code, the reason, a message worded like kube-apiserver's, and details.

use crate::resources::Resource;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

fn details(r: &Resource, name: &str) -> Value {
    let mut d = json!({ "name": name, "kind": r.plural });
    if !r.group.is_empty() {
        d["group"] = json!(r.group);
    }
    d
}

/// A cause's `reason` (Go's `field.ErrorType`), read off its message: a field error's
/// message starts with its type's text ("Required value: ...", "Too long: ...").
fn cause_type(message: &str) -> &'static str {
    [
        ("Required value", "FieldValueRequired"),
        ("Too long", "FieldValueTooLong"),
        ("Too many", "FieldValueTooMany"),
        ("Unsupported value", "FieldValueNotSupported"),
        ("Duplicate value", "FieldValueDuplicate"),
        ("Forbidden", "FieldValueForbidden"),
        ("Not found", "FieldValueNotFound"),
        ("Internal error", "InternalError"),
    ]
    .into_iter()
    .find(|(text, _)| message.starts_with(text))
    .map_or("FieldValueInvalid", |(_, reason)| reason)
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn not_found(r: &Resource, name: &str) -> ApiError {
        ApiError {
            details: Some(details(r, name)),
            ..ApiError::new(
                404,
                "NotFound",
                format!("{} \"{name}\" not found", r.qualified_plural()),
            )
        }
    }

    pub fn namespace_not_found(name: &str) -> ApiError {
        ApiError {
            details: Some(json!({ "name": name, "kind": "namespaces" })),
            ..ApiError::new(404, "NotFound", format!("namespaces \"{name}\" not found"))
        }
    }

    pub fn already_exists(r: &Resource, name: &str) -> ApiError {
        ApiError {
            details: Some(details(r, name)),
            ..ApiError::new(
                409,
                "AlreadyExists",
                format!("{} \"{name}\" already exists", r.qualified_plural()),
            )
        }
    }

    pub fn conflict(r: &Resource, name: &str) -> ApiError {
        ApiError {
            details: Some(details(r, name)),
            ..ApiError::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                    r.qualified_plural()
                ),
            )
        }
    }

    /// 422 Invalid, with one cause per field: (field, what is wrong).
    pub fn invalid(r: &Resource, name: &str, causes: &[(String, String)]) -> ApiError {
        let text: Vec<String> = causes.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        let kind = if r.group.is_empty() {
            r.kind.to_string()
        } else {
            format!("{}.{}", r.kind, r.group)
        };
        let message = match text.len() {
            1 => format!("{kind} \"{name}\" is invalid: {}", text[0]),
            _ => format!("{kind} \"{name}\" is invalid: [{}]", text.join(", ")),
        };
        let mut d = details(r, name);
        d["kind"] = json!(r.kind);
        d["causes"] = causes
            .iter()
            .map(|(f, m)| json!({ "reason": cause_type(m), "message": m, "field": f }))
            .collect();
        ApiError {
            details: Some(d),
            ..ApiError::new(422, "Invalid", message)
        }
    }

    /// 422 for a JSON patch that does not apply (a `remove` of a missing path, a failed `test`):
    /// apimachinery's `NewGenericServerResponse`, which drops the json-patch library's message.
    pub fn patch_does_not_apply() -> ApiError {
        ApiError {
            details: Some(json!({})),
            ..ApiError::new(
                422,
                "Invalid",
                "the server rejected our request due to an error in our request",
            )
        }
    }

    /// 413 for a request body over the server's limit (`limitedReadBody`).
    pub fn request_entity_too_large(limit: usize) -> ApiError {
        ApiError::new(
            413,
            "RequestEntityTooLarge",
            format!("Request entity too large: limit is {limit}"),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn service_unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(503, "ServiceUnavailable", message)
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    pub fn unknown_path() -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// 410: a watch or list asked for a resourceVersion older than what is kept.
    pub fn gone(requested: u64, oldest: u64) -> ApiError {
        ApiError::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    pub fn unsupported_media_type(content_type: &str) -> ApiError {
        ApiError::new(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got \"{content_type}\""))
    }

    /// The `Status` object sent as the response body.
    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::ApiError;
    use crate::resources::find;

    #[test]
    fn messages_match_the_real_server() {
        let cm = find("", "v1", "configmaps").unwrap();
        let dep = find("apps", "v1", "deployments").unwrap();
        assert_eq!(
            ApiError::not_found(cm, "x").message,
            "configmaps \"x\" not found"
        );
        let s = ApiError::not_found(dep, "web").to_status();
        assert_eq!(s["message"], "deployments.apps \"web\" not found");
        assert_eq!(s["details"]["group"], "apps");
        assert_eq!(s["code"], 404);
        let inv = ApiError::invalid(
            cm,
            "Bad",
            &[("metadata.name".into(), "Invalid value: \"Bad\"".into())],
        );
        assert_eq!(
            inv.message,
            "ConfigMap \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\""
        );
        assert_eq!(inv.code, 422);
    }
}
