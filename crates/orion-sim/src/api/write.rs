//! Writes: create, update (with 409 on a stale resourceVersion), patch,
//! delete with owner-reference cascade, deletecollection; `dryRun=All` on all.

use crate::addresses::Addresses;
use crate::api::path::Target;
use crate::api::read::selectors;
use crate::api::{body_json, scale, Api, Request};
use crate::controllers::terminate::terminate;
use crate::patch::{self, PatchType};
use crate::resources::{Resource, RESOURCES};
use crate::services::{self, InUse};
use crate::status::ApiError;
use crate::store::resource_version;
use crate::{apply, meta};
use axum::http::header;
use serde_json::{json, Value};
use std::sync::{MutexGuard, PoisonError};

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

/// Who is writing: `?fieldManager=`, else the client's User-Agent product ("kubectl").
fn manager(req: &Request) -> String {
    match req.param("fieldManager") {
        Some(m) => m.to_string(),
        None => {
            let ua = req.header(header::USER_AGENT);
            ua.split('/')
                .next()
                .filter(|s| !s.is_empty())
                .unwrap_or("unknown")
                .to_string()
        }
    }
}

/// A Service write's hold on address allocation: the lock, what is in use
/// and where addresses come from.
struct Allocation<'a> {
    _guard: MutexGuard<'a, ()>,
    used: InUse,
    addresses: &'a Addresses,
}

/// For a Service write, the allocation; None for other kinds.
fn services_in_use<'a>(api: &'a Api, r: &Resource) -> Option<Allocation<'a>> {
    (r.kind == "Service").then(|| {
        let guard = api
            .allocation
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (all, _) = api.store.list(r, None);
        Allocation {
            _guard: guard,
            used: InUse::of(&all),
            addresses: &api.addresses,
        }
    })
}

/// Gives a new Service its cluster IP and node ports.
fn allocate(
    alloc: &mut Option<Allocation<'_>>,
    r: &Resource,
    object: &mut Value,
) -> Result<(), ApiError> {
    let Some(a) = alloc else { return Ok(()) };
    services::allocate(&mut a.used, a.addresses, object).map_err(|causes| {
        ApiError::invalid(
            r,
            object["metadata"]["name"].as_str().unwrap_or_default(),
            &causes,
        )
    })
}

/// Keeps a Service's addresses across an update of its spec.
fn reallocate(
    alloc: &mut Option<Allocation<'_>>,
    r: &Resource,
    sub: Option<&str>,
    current: &Value,
    next: &mut Value,
) -> Result<(), ApiError> {
    match alloc {
        Some(a) if sub.is_none() => services::reallocate(&mut a.used, a.addresses, current, next)
            .map_err(|causes| {
                ApiError::invalid(
                    r,
                    current["metadata"]["name"].as_str().unwrap_or_default(),
                    &causes,
                )
            }),
        _ => Ok(()),
    }
}

fn apply_error(e: apply::ApplyError) -> ApiError {
    let status = e.status();
    ApiError {
        code: e.code(),
        reason: if e.code() == 409 {
            "Conflict"
        } else {
            "BadRequest"
        },
        message: e.message(),
        details: status.get("details").cloned(),
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
    let mut object = meta::prepare_create(target.resource, namespace_of(target), body)?;
    let r = target.resource;
    let mut alloc = services_in_use(api, r);
    allocate(&mut alloc, r, &mut object)?;
    let object = apply::record_update(
        r.kind,
        None,
        &object,
        &manager(req),
        &r.api_version(),
        None,
        &meta::now(),
    );
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
    let who = manager(req);
    let sub = target.subresource.as_deref();
    let mut alloc = services_in_use(api, r);
    let tracked = |current: &Value| -> Result<Value, ApiError> {
        let mut next = edit(current)?;
        reallocate(&mut alloc, r, sub, current, &mut next)?;
        let api_version = r.api_version();
        Ok(apply::record_update(
            r.kind,
            Some(current),
            &next,
            &who,
            &api_version,
            sub,
            &meta::now(),
        ))
    };
    let result = if req.dry_run() {
        let current = api
            .store
            .get(r, ns, name)
            .ok_or_else(|| ApiError::not_found(r, name))?;
        tracked(&current)
    } else {
        api.store.modify(r, ns, name, tracked)
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

/// Server-side apply (`application/apply-patch+yaml`): creates the object or
/// merges the configuration into it, with field ownership and conflicts.
fn server_side_apply(api: &Api, target: &Target, req: &Request) -> Result<Value, ApiError> {
    req.body_bytes()?;
    let r = target.resource;
    let who = req
        .param("fieldManager")
        .ok_or_else(|| ApiError::bad_request("PATCH with apply requires a fieldManager"))?
        .to_string();
    let force = matches!(req.param("force"), Some("true" | "1"));
    let config = apply_body(req)?;
    let (ns, name) = (namespace_of(target), name_of(target));
    let now = meta::now();
    let sub = target.subresource.as_deref();
    if api.store.get(r, ns, name).is_none() && sub.is_none() {
        require_namespace(api, target, name)?;
        let mut merged = apply::apply(r.kind, None, &config, &who, force, &r.api_version(), &now)
            .map_err(apply_error)?;
        merged["metadata"]["name"] = json!(name);
        let mut object = meta::prepare_create(r, ns, merged)?;
        allocate(&mut services_in_use(api, r), r, &mut object)?;
        if req.dry_run() {
            return Ok(object);
        }
        return api.store.create(r, ns, object);
    }
    let mut alloc = services_in_use(api, r);
    let mut edit = |current: &Value| -> Result<Value, ApiError> {
        let api_version = r.api_version();
        let t = apply::Target::new(r.kind, &api_version).with_subresource(sub);
        let merged =
            apply::apply_to(&t, Some(current), &config, &who, force, &now).map_err(apply_error)?;
        let mut next = next_state(r, sub, current, &merged)?;
        reallocate(&mut alloc, r, sub, current, &mut next)?;
        next["metadata"]["managedFields"] = merged["metadata"]["managedFields"].clone();
        Ok(next)
    };
    if req.dry_run() {
        let current = api
            .store
            .get(r, ns, name)
            .ok_or_else(|| ApiError::not_found(r, name))?;
        return edit(&current);
    }
    api.store.modify(r, ns, name, edit)
}

/// An apply body: YAML (of which JSON is a part).
fn apply_body(req: &Request) -> Result<Value, ApiError> {
    let body = req.body_bytes()?;
    serde_json::from_slice(body)
        .or_else(|_| serde_yaml::from_slice::<Value>(body))
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
}

pub fn patch(api: &Api, target: &Target, req: &Request) -> Result<Value, ApiError> {
    let content_type = req.header(header::CONTENT_TYPE);
    if content_type.starts_with("application/apply-patch") {
        return server_side_apply(api, target, req);
    }
    let kind = PatchType::from_content_type(content_type)
        .ok_or_else(|| ApiError::unsupported_media_type(content_type))?;
    let body = body_json(req)?;
    if kind == PatchType::Json {
        let strict_first = req.param("fieldValidation") != Some("Ignore");
        if let Some(message) = patch::json_decode_error(&body, strict_first) {
            return Err(ApiError::bad_request(message));
        }
    }
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
        let patched = patch::apply(view_kind, &view, kind, &body).map_err(|e| match kind {
            PatchType::Json => ApiError::patch_does_not_apply(),
            _ => ApiError::new(422, "Invalid", e.message),
        })?;
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
    let from_body = serde_json::from_slice::<Value>(req.body_bytes()?)
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

/// `gracePeriodSeconds` from the query or the DeleteOptions body.
fn grace_period(req: &Request) -> Option<i64> {
    req.param("gracePeriodSeconds")
        .and_then(|g| g.parse().ok())
        .or_else(|| serde_json::from_slice::<Value>(&req.body).ok()?["gracePeriodSeconds"].as_i64())
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
        // Marked first, so its controller makes nothing new while its dependents go.
        let _ = api.store.modify(r, ns, name, |cur| {
            let mut next = cur.clone();
            next["metadata"]["deletionTimestamp"] = json!(meta::now());
            Ok(next)
        });
        collect_dependents(api, &uid, Propagation::Foreground);
    }
    if r.kind == "Pod" {
        return terminate(&api.store, &current, grace_period(req));
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
                        // An empty list is left out, as the real server's omitempty does.
                        if refs.is_empty() {
                            if let Some(m) = next["metadata"].as_object_mut() {
                                m.remove("ownerReferences");
                            }
                        }
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
                if r.kind == "Pod" {
                    let _ = terminate(&api.store, &o, None);
                    continue;
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
    // Read the options before deleting anything: a bad one changes nothing.
    let policy = propagation(req)?;
    let grace = grace_period(req);
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
        if r.kind == "Pod" {
            deleted.extend(terminate(&api.store, &o, grace).ok());
            continue;
        }
        if let Ok(gone) = api.store.delete(r, &ns, &name) {
            let uid = gone["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            collect_dependents(api, &uid, policy);
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
