//! Reads: get one object, list a collection (selectors, limit and continue),
//! a pod's log (`pod_log.rs`).

mod pod_log;

pub use pod_log::log;

use crate::api::path::Target;
use crate::api::{Api, Request};
use crate::selector::{FieldSelector, LabelSelector};
use crate::status::ApiError;
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
