//! Metadata as the real API server fills and guards it: names, namespace, uid,
//! creationTimestamp, generation; immutable fields on update.

use crate::resources::Resource;
use crate::status::ApiError;
use crate::{defaults, validate};
use serde_json::{json, Value};

/// Kinds whose `metadata.generation` counts changes to their spec.
fn has_generation(r: &Resource) -> bool {
    matches!(
        r.group,
        "apps" | "networking.k8s.io" | "gateway.networking.k8s.io"
    )
}

/// Seconds-precision UTC time, as in creationTimestamp.
pub fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn valid_name(r: &Resource, name: &str) -> Result<(), String> {
    let label_only = matches!(r.kind, "Namespace" | "Service");
    let max = if label_only { 63 } else { 253 };
    let ok_char = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (c == '.' && !label_only)
    };
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if name.len() <= max
        && name.chars().all(ok_char)
        && alnum(name.chars().next())
        && alnum(name.chars().last())
    {
        return Ok(());
    }
    let what = if label_only {
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    } else {
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    };
    Err(format!("Invalid value: \"{name}\": {what}"))
}

fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes[..5]
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Checks and completes an object about to be created in `namespace`.
pub fn prepare_create(r: &Resource, namespace: &str, mut object: Value) -> Result<Value, ApiError> {
    if !object.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ));
    }
    check_type(r, &mut object)?;
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    let meta = &mut object["metadata"];
    let name = match (meta["name"].as_str(), meta["generateName"].as_str()) {
        (Some(n), _) if !n.is_empty() => n.to_string(),
        (_, Some(prefix)) if !prefix.is_empty() => format!("{prefix}{}", random_suffix()),
        _ => {
            return Err(ApiError::invalid(
                r,
                "",
                &[(
                    "metadata.name".into(),
                    "Required value: name or generateName is required".into(),
                )],
            ))
        }
    };
    valid_name(r, &name)
        .map_err(|m| ApiError::invalid(r, &name, &[("metadata.name".into(), m)]))?;
    meta["name"] = json!(name);
    if r.namespaced {
        match meta["namespace"].as_str() {
            Some(ns) if !ns.is_empty() && ns != namespace => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ))
            }
            _ => meta["namespace"] = json!(namespace),
        }
    } else if let Some(m) = meta.as_object_mut() {
        m.remove("namespace");
    }
    meta["uid"] = json!(uuid::Uuid::new_v4().to_string());
    meta["creationTimestamp"] = json!(now());
    if has_generation(r) {
        meta["generation"] = json!(1);
    }
    if let Some(m) = meta.as_object_mut() {
        for transient in [
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ] {
            m.remove(transient);
        }
    }
    defaults::apply(r.kind, &mut object);
    validate::check(r, &name, &object, None)?;
    Ok(object)
}

/// apiVersion and kind must be the resource's (filled in when absent).
fn check_type(r: &Resource, object: &mut Value) -> Result<(), ApiError> {
    let want = r.api_version();
    match object["apiVersion"].as_str() {
        Some(v) if v != want => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({want})"
            )))
        }
        _ => object["apiVersion"] = json!(want),
    }
    match object["kind"].as_str() {
        Some(k) if k != r.kind => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                r.kind
            )))
        }
        _ => object["kind"] = json!(r.kind),
    }
    Ok(())
}

/// Completes an update of `current` to `next`: identity fields stay, the
/// status stays (it changes through /status), generation counts spec changes.
pub fn prepare_update(r: &Resource, current: &Value, mut next: Value) -> Result<Value, ApiError> {
    if !next.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ));
    }
    check_type(r, &mut next)?;
    let name = current["metadata"]["name"].as_str().unwrap_or_default();
    if let Some(n) = next["metadata"]["name"].as_str() {
        if n != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )));
        }
    }
    if !next["metadata"].is_object() {
        next["metadata"] = json!({});
    }
    for field in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "generation",
        "deletionTimestamp",
    ] {
        match current["metadata"].get(field) {
            Some(v) => next["metadata"][field] = v.clone(),
            None => {
                if let Some(m) = next["metadata"].as_object_mut() {
                    m.remove(field);
                }
            }
        }
    }
    if r.subresources.contains(&"status") {
        match current.get("status") {
            Some(s) => next["status"] = s.clone(),
            None => {
                if let Some(o) = next.as_object_mut() {
                    o.remove("status");
                }
            }
        }
    }
    defaults::apply(r.kind, &mut next);
    validate::check(r, name, &next, Some(current))?;
    if has_generation(r) && next.get("spec") != current.get("spec") {
        let g = current["metadata"]["generation"].as_i64().unwrap_or(1);
        next["metadata"]["generation"] = json!(g + 1);
    }
    Ok(next)
}

/// An update through /status: only the status changes.
pub fn prepare_status_update(current: &Value, next: &Value) -> Value {
    let mut out = current.clone();
    out["status"] = next.get("status").cloned().unwrap_or(Value::Null);
    out
}

#[cfg(test)]
mod tests {
    use super::{prepare_create, prepare_update};
    use crate::resources::find;
    use serde_json::{json, Value};

    /// A Deployment spec that passes validation.
    fn spec(replicas: i64) -> Value {
        json!({
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "w"}},
            "template": {"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "w", "image": "w:1"}]}},
        })
    }

    #[test]
    fn create_fills_metadata_and_checks_the_name() {
        let dep = find("apps", "v1", "deployments").unwrap();
        let o = prepare_create(
            dep,
            "shop",
            json!({"metadata": {"generateName": "web-"}, "spec": spec(1)}),
        )
        .unwrap();
        let name = o["metadata"]["name"].as_str().unwrap();
        assert!(name.starts_with("web-") && name.len() == 9, "{name}");
        assert_eq!(o["metadata"]["namespace"], "shop");
        assert_eq!(o["metadata"]["generation"], 1);
        assert_eq!(o["kind"], "Deployment");
        assert_eq!(o["metadata"]["uid"].as_str().unwrap().len(), 36);
        let bad = prepare_create(dep, "shop", json!({"metadata": {"name": "Web"}})).unwrap_err();
        assert_eq!(bad.code, 422);
        let wrong = prepare_create(
            dep,
            "shop",
            json!({"apiVersion": "v1", "metadata": {"name": "w"}}),
        )
        .unwrap_err();
        assert_eq!(wrong.code, 400);
        let ns = prepare_create(
            dep,
            "shop",
            json!({"metadata": {"name": "w", "namespace": "other"}}),
        )
        .unwrap_err();
        assert_eq!(ns.code, 400);
    }

    #[test]
    fn update_keeps_identity_and_counts_spec_changes() {
        let dep = find("apps", "v1", "deployments").unwrap();
        let cur = prepare_create(
            dep,
            "shop",
            json!({"metadata": {"name": "w"}, "spec": spec(1), "status": {"replicas": 1}}),
        )
        .unwrap();
        let next = prepare_update(
            dep,
            &cur,
            json!({"metadata": {"name": "w", "uid": "forged"}, "spec": spec(2), "status": {}}),
        )
        .unwrap();
        assert_eq!(next["metadata"]["uid"], cur["metadata"]["uid"]);
        assert_eq!(next["metadata"]["generation"], 2);
        assert_eq!(next["status"], json!({"replicas": 1}));
        let same = prepare_update(dep, &next, next.clone()).unwrap();
        assert_eq!(same["metadata"]["generation"], 2);
    }
}
