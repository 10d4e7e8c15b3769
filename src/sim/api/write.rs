//! Writes: create, update (with 409 on a stale resourceVersion), patch,
//! delete with owner-reference cascade, deletecollection; `dryRun=All` on all.

use crate::sim::api::path::Target;
use crate::sim::api::read::selectors;
use crate::sim::api::{body_json, scale, Api, Request};
use crate::sim::meta;
use crate::sim::patch::{self, PatchType};
use crate::sim::resources::{Resource, RESOURCES};
use crate::sim::status::ApiError;
use crate::sim::store::resource_version;
use axum::http::header;
use serde_json::{json, Value};

fn namespace_of(target: &Target) -> &str {
    target.namespace.as_deref().unwrap_or_default()
}

fn name_of(target: &Target) -> &str {
    target.name.as_deref().unwrap_or_default()
}

fn require_namespace(api: &Api, target: &Target, name: &str) -> Result<(), ApiError> {
    let Some(ns) = target
        .namespace
        .as_deref()
        .filter(|_| target.resource.namespaced)
    else {
        return Ok(());
    };
    let namespaces = RESOURCES
        .iter()
        .find(|r| r.kind == "Namespace")
        .ok_or_else(ApiError::unknown_path)?;
    match api.store.get(namespaces, "", ns) {
        Some(n) if n["status"]["phase"] == "Terminating" => Err(ApiError::new(
            403,
            "Forbidden",
            format!("{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", target.resource.qualified_plural(), name),
        )),
        Some(_) => Ok(()),
        None => Err(ApiError::namespace_not_found(ns)),
    }
}

pub fn create(api: &Api, target: &Target, req: &Request) -> Result<Value, ApiError> {
    if target.resource.namespaced && target.namespace.is_none() {
        return Err(ApiError::method_not_allowed());
    }
    let body = body_json(req)?;
    require_namespace(
        api,
        target,
        body["metadata"]["name"].as_str().unwrap_or_default(),
    )?;
    let object = meta::prepare_create(target.resource, namespace_of(target), body)?;
    if req.dry_run() {
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        if api
            .store
            .get(target.resource, namespace_of(target), name)
            .is_some()
        {
            return Err(ApiError::already_exists(target.resource, name));
        }
        return Ok(object);
    }
    api.store
        .create(target.resource, namespace_of(target), object)
}

/// The new state of `current` for a write through `subresource`.
fn next_state(
    r: &Resource,
    subresource: Option<&str>,
    current: &Value,
    body: &Value,
) -> Result<Value, ApiError> {
    match subresource {
        Some("status") => Ok(meta::prepare_status_update(current, body)),
        Some("scale") => {
            let next = scale::apply_scale(current, body)
                .ok_or_else(|| ApiError::bad_request("a Scale needs spec.replicas"))?;
            meta::prepare_update(r, current, next)
        }
        _ => meta::prepare_update(r, current, body.clone()),
    }
}

/// Runs `edit` on the stored object; with `dryRun=All` computes without storing.
fn write(
    api: &Api,
    target: &Target,
    req: &Request,
    edit: impl FnOnce(&Value) -> Result<Value, ApiError>,
) -> Result<Value, ApiError> {
    let (r, ns, name) = (target.resource, namespace_of(target), name_of(target));
    let result = if req.dry_run() {
        let current = api
            .store
            .get(r, ns, name)
            .ok_or_else(|| ApiError::not_found(r, name))?;
        edit(&current)
    } else {
        api.store.modify(r, ns, name, edit)
    };
    let object = result?;
    Ok(match target.subresource.as_deref() {
        Some("scale") => scale::to_scale(&object),
        _ => object,
    })
}

pub fn update(api: &Api, target: &Target, req: &Request) -> Result<Value, ApiError> {
    let body = body_json(req)?;
    let sub = target.subresource.as_deref();
    let r = target.resource;
    write(api, target, req, |current| {
        let sent = resource_version(&body);
        if sent != 0 && sent != resource_version(current) {
            return Err(ApiError::conflict(r, name_of(target)));
        }
        next_state(r, sub, current, &body)
    })
}

pub fn patch(api: &Api, target: &Target, req: &Request) -> Result<Value, ApiError> {
    let content_type = req.header(header::CONTENT_TYPE);
    let kind = PatchType::from_content_type(content_type)
        .ok_or_else(|| ApiError::unsupported_media_type(content_type))?;
    let body = body_json(req)?;
    let sub = target.subresource.as_deref();
    let r = target.resource;
    write(api, target, req, |current| {
        let view = match sub {
            Some("scale") => scale::to_scale(current),
            _ => current.clone(),
        };
        let view_kind = if sub == Some("scale") {
            "Scale"
        } else {
            r.kind
        };
        let patched = patch::apply(view_kind, &view, kind, &body)
            .map_err(|e| ApiError::new(422, "Invalid", e.message))?;
        let sent = resource_version(&patched);
        if sent != 0 && sent != resource_version(&view) {
            return Err(ApiError::conflict(r, name_of(target)));
        }
        next_state(r, sub, current, &patched)
    })
}

/// How dependents of a deleted object go (`propagationPolicy`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Propagation {
    Background,
    Foreground,
    Orphan,
}

fn propagation(req: &Request) -> Result<Propagation, ApiError> {
    let from_body = serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|b| b["propagationPolicy"].as_str().map(str::to_string));
    match req
        .param("propagationPolicy")
        .map(str::to_string)
        .or(from_body)
        .as_deref()
    {
        None | Some("Background") => Ok(Propagation::Background),
        Some("Foreground") => Ok(Propagation::Foreground),
        Some("Orphan") => Ok(Propagation::Orphan),
        Some(other) => Err(ApiError::bad_request(format!(
            "invalid propagationPolicy: {other}"
        ))),
    }
}

pub fn delete(api: &Api, target: &Target, req: &Request) -> Result<Value, ApiError> {
    let (r, ns, name) = (target.resource, namespace_of(target), name_of(target));
    let policy = propagation(req)?;
    let current = api
        .store
        .get(r, ns, name)
        .ok_or_else(|| ApiError::not_found(r, name))?;
    if req.dry_run() {
        return Ok(current);
    }
    if r.kind == "Namespace" {
        // The namespace controller empties it and then removes it.
        return api.store.modify(r, ns, name, |cur| {
            let mut next = cur.clone();
            if next["metadata"]["deletionTimestamp"].is_null() {
                next["metadata"]["deletionTimestamp"] = json!(meta::now());
            }
            next["status"]["phase"] = json!("Terminating");
            Ok(next)
        });
    }
    let uid = current["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if policy == Propagation::Foreground {
        collect_dependents(api, &uid, Propagation::Foreground);
    }
    let gone = api.store.delete(r, ns, name)?;
    if policy != Propagation::Foreground {
        collect_dependents(api, &uid, policy);
    }
    Ok(gone)
}

/// Garbage collection by owner references: dependents of `uid` are deleted
/// (recursively), or for `Orphan` lose their reference to it.
fn collect_dependents(api: &Api, uid: &str, policy: Propagation) {
    if uid.is_empty() {
        return;
    }
    for r in RESOURCES.iter() {
        let (objects, _) = api.store.list(r, None);
        for o in objects {
            let owned = o["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|x| x["uid"] == uid));
            if !owned {
                continue;
            }
            let ns = o["metadata"]["namespace"].as_str().unwrap_or_default();
            let name = o["metadata"]["name"].as_str().unwrap_or_default();
            if policy == Propagation::Orphan {
                let _ = api.store.modify(r, ns, name, |cur| {
                    let mut next = cur.clone();
                    if let Some(refs) = next["metadata"]["ownerReferences"].as_array_mut() {
                        refs.retain(|x| x["uid"] != uid);
                    }
                    Ok(next)
                });
            } else {
                let child = o["metadata"]["uid"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if policy == Propagation::Foreground {
                    collect_dependents(api, &child, policy);
                }
                let _ = api.store.delete(r, ns, name);
                if policy == Propagation::Background {
                    collect_dependents(api, &child, policy);
                }
            }
        }
    }
}

pub fn delete_collection(api: &Api, target: &Target, req: &Request) -> Result<Value, ApiError> {
    let (labels, fields) = selectors(target, req)?;
    let r = target.resource;
    let (objects, _) = api.store.list(r, target.namespace.as_deref());
    let mut deleted = Vec::new();
    for o in objects
        .into_iter()
        .filter(|o| labels.matches(o) && fields.matches(o))
    {
        let ns = o["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = o["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if req.dry_run() {
            deleted.push(o);
            continue;
        }
        if let Ok(gone) = api.store.delete(r, &ns, &name) {
            let uid = gone["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            collect_dependents(api, &uid, propagation(req)?);
            deleted.push(gone);
        }
    }
    Ok(json!({
        "kind": r.list_kind(),
        "apiVersion": r.api_version(),
        "metadata": { "resourceVersion": api.store.current_version().to_string() },
        "items": deleted,
    }))
}
