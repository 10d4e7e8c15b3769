//! Reads: get one object, list a collection (selectors, limit and continue),
//! a pod's log.

use crate::api::path::Target;
use crate::api::{Api, Request};
use crate::selector::{FieldSelector, LabelSelector};
use crate::status::ApiError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

pub fn get(api: &Api, target: &Target) -> Result<Value, ApiError> {
    let name = target.name.as_deref().unwrap_or_default();
    let ns = target.namespace.as_deref().unwrap_or_default();
    api.store
        .get(target.resource, ns, name)
        .ok_or_else(|| ApiError::not_found(target.resource, name))
}

/// The selectors of a list or watch request.
pub fn selectors(
    target: &Target,
    req: &Request,
) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let labels = LabelSelector::parse(req.param("labelSelector").unwrap_or_default())?;
    let fields = FieldSelector::parse(
        target.resource.kind,
        req.param("fieldSelector").unwrap_or_default(),
    )?;
    Ok((labels, fields))
}

pub fn list(api: &Api, target: &Target, req: &Request) -> Result<Value, ApiError> {
    let (labels, fields) = selectors(target, req)?;
    let (items, rv) = api.store.list(target.resource, target.namespace.as_deref());
    let mut items: Vec<Value> = items
        .into_iter()
        .filter(|o| labels.matches(o) && fields.matches(o))
        .collect();
    // `continue` is "<version>:<offset>" into the same filtered list.
    let offset = match req.param("continue") {
        Some(token) => token
            .split_once(':')
            .and_then(|(_, o)| o.parse::<usize>().ok())
            .ok_or_else(|| ApiError::bad_request("continue key is not valid"))?,
        None => 0,
    };
    let limit = req
        .param("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let total = items.len();
    let end = limit.map_or(total, |l| (offset + l).min(total));
    let page: Vec<Value> = items
        .drain(offset.min(total)..end)
        .map(strip_type)
        .collect();
    let mut metadata = json!({ "resourceVersion": rv.to_string() });
    if end < total {
        metadata["continue"] = json!(format!("{rv}:{end}"));
        metadata["remainingItemCount"] = json!(total - end);
    }
    Ok(json!({
        "kind": target.resource.list_kind(),
        "apiVersion": target.resource.api_version(),
        "metadata": metadata,
        "items": page,
    }))
}

/// List items carry no apiVersion or kind, as from the real server.
fn strip_type(mut o: Value) -> Value {
    if let Some(m) = o.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
    }
    o
}

/// A container's log (`container`, `tailLines`, `previous`), as plain text.
pub fn log(api: &Api, target: &Target, req: &Request) -> Result<Response, ApiError> {
    let pod = get(api, target)?;
    let containers: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    let pod_name = target.name.as_deref().unwrap_or_default();
    let container = match (req.param("container"), containers.as_slice()) {
        (Some(c), _) if containers.contains(&c) => c.to_string(),
        (Some(c), _) => {
            return Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {pod_name}"
            )))
        }
        (None, [only]) => only.to_string(),
        (None, _) => {
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                containers.join(" ")
            )))
        }
    };
    let previous = matches!(req.param("previous"), Some("true" | "1"));
    let ns = target.namespace.as_deref().unwrap_or_default();
    let lines = match api.logs.read(ns, pod_name, &container, previous) {
        Some(lines) => lines,
        None if previous => {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            )))
        }
        None => {
            return Err(ApiError::bad_request(format!(
                "container \"{container}\" in pod \"{pod_name}\" is waiting to start: ContainerCreating"
            )))
        }
    };
    let tail = req
        .param("tailLines")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(lines.len());
    let mut text = lines[lines.len().saturating_sub(tail)..].join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], text).into_response())
}
