//! The apiserver's field-manager chain around the structured-merge core:
//! version check, last-applied upgrade, tracking of untracked objects,
//! update-entry capping, timestamps and metadata stripping.

use serde_json::{Map, Value};

use super::cap::{cap_updates, MAX_UPDATE_MANAGERS};
use super::conflict::{from_sets, ApplyError};
use super::lastapplied::{allowed_conflicts, disallowed, sync_annotation, KUBECTL};
use super::managed::{decode, encode, is_reset, strip_entry, Entry, Managers, APPLY, UPDATE};
use super::schema::strip_set;
use super::skeleton::zero_object;
use super::updater::{apply_config, record_change, ConflictSets, Ctx};
use super::value::{
    copy_top_field, set_managed_fields, split_api_version, values_equal, without_managed_fields,
};
use super::Target;

const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// Server-side apply through the whole chain.
pub(super) fn apply(
    t: &Target,
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    check_config(t, config)?;
    let ctx = Ctx {
        kind: t.kind,
        ignored: t.ignored_fields(),
    };
    let live_obj = live.map_or_else(|| Value::Object(Map::new()), without_managed_fields);
    let mut managers = live.and_then(|l| decode(l).ok()).unwrap_or_default();
    if managers.is_empty() && live.is_some() {
        // Objects nobody tracked yet: everything present belongs to "before-first-apply".
        let zero = zero_object(t.kind);
        track_update(
            t,
            &zero,
            &live_obj,
            &mut managers,
            BEFORE_FIRST_APPLY,
            &ctx,
            now,
        );
    }
    let req = Request {
        t,
        live: &live_obj,
        config,
        manager,
        ctx: &ctx,
        now,
    };
    let attempt = |force: bool| req.attempt(&managers, force);
    let (mut object, result) = match attempt(force)? {
        Ok(done) => done,
        Err(conflicts) => {
            let allowed = (manager == KUBECTL)
                .then(|| allowed_conflicts(&live_obj, t.api_version, t.kind))
                .flatten();
            match allowed.map(|a| disallowed(&conflicts, &a)) {
                Some(rest) if rest.is_empty() => match attempt(true)? {
                    Ok(done) => done,
                    Err(c) => return Err(ApplyError::Conflicts(from_sets(&c, &managers))),
                },
                Some(rest) => return Err(ApplyError::Conflicts(from_sets(&rest, &managers))),
                None => return Err(ApplyError::Conflicts(from_sets(&conflicts, &managers))),
            }
        }
    };
    match t.subresource {
        Some("status") => {
            let mut base = live_obj.clone();
            copy_top_field(&mut base, Some(&object), "status");
            object = base;
        }
        None if t.status_subresource => copy_top_field(&mut object, live, "status"),
        _ => {}
    }
    if manager == KUBECTL {
        sync_annotation(&mut object, config);
    }
    set_managed_fields(&mut object, encode(&result));
    if let Some(old) = live {
        restore_timestamps(old, &mut object);
    }
    Ok(object)
}

type Outcome = Result<(Value, Managers), ConflictSets>;

/// One apply of a configuration against a fixed live object.
struct Request<'a> {
    t: &'a Target<'a>,
    live: &'a Value,
    config: &'a Value,
    manager: &'a str,
    ctx: &'a Ctx<'a>,
    now: &'a str,
}

impl Request<'_> {
    /// Runs the structured-merge apply plus metadata stripping and timestamping.
    fn attempt(&self, managers: &Managers, force: bool) -> Result<Outcome, ApplyError> {
        let t = self.t;
        let mut working = managers.clone();
        let applier = Entry::new(
            self.manager,
            APPLY,
            t.api_version,
            t.subresource.unwrap_or(""),
        );
        let id = applier.identifier();
        let applied = match apply_config(
            self.live,
            self.config,
            &mut working,
            applier,
            force,
            self.ctx,
        ) {
            Err(msg) => {
                return Err(ApplyError::Invalid(format!(
                    "failed to create typed patch object ({}): {msg}",
                    object_gvknn(self.config)
                )))
            }
            Ok(Err(conflicts)) => return Ok(Err(conflicts)),
            Ok(Ok(applied)) => applied,
        };
        strip_entry(&mut working, &id, &strip_set());
        let object = match applied {
            Some(obj) => {
                if let Some(e) = working.get_mut(&id) {
                    e.time = Some(self.now.to_string());
                }
                obj
            }
            None => self.live.clone(),
        };
        Ok(Ok((object, working)))
    }
}

/// Records a non-apply write by `manager` into `managers`.
fn track_update(
    t: &Target,
    old: &Value,
    new: &Value,
    managers: &mut Managers,
    manager: &str,
    ctx: &Ctx,
    now: &str,
) {
    let set = record_change(old, new, managers, ctx).difference(&strip_set());
    if !set.is_empty() {
        let mut entry = Entry::new(manager, UPDATE, t.api_version, t.subresource.unwrap_or(""));
        let id = entry.identifier();
        let previous = managers.remove(&id).map(|e| e.set).unwrap_or_default();
        entry.set = set.union(&previous);
        entry.time = Some(now.to_string());
        managers.insert(id, entry);
    }
    cap_updates(managers, MAX_UPDATE_MANAGERS);
}

/// Records create/update/patch through the whole chain.
pub(super) fn record_update(
    t: &Target,
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    now: &str,
) -> Value {
    let ctx = Ctx {
        kind: t.kind,
        ignored: t.ignored_fields(),
    };
    let from_old = || old.and_then(|o| decode(o).ok()).unwrap_or_default();
    let mut managers = if t.subresource.is_some() {
        from_old()
    } else if is_reset(new) {
        Managers::new()
    } else {
        match decode(new) {
            Ok(m) if !m.is_empty() => m,
            _ => from_old(),
        }
    };
    let mut out = new.clone();
    if managers.is_empty() && old.is_some() {
        // The apiserver does not start tracking an existing, untracked object on update.
        set_managed_fields(&mut out, None);
        return out;
    }
    let old_obj = old.map_or_else(|| zero_object(t.kind), without_managed_fields);
    let new_obj = without_managed_fields(new);
    track_update(t, &old_obj, &new_obj, &mut managers, manager, &ctx, now);
    set_managed_fields(&mut out, encode(&managers));
    if let Some(o) = old {
        restore_timestamps(o, &mut out);
    }
    out
}

/// `namespace/name; group/version, Kind=kind`, as the apiserver prints objects in errors.
fn object_gvknn(obj: &Value) -> String {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let meta = obj.get("metadata");
    let (group, version) =
        split_api_version(obj.get("apiVersion").and_then(Value::as_str).unwrap_or(""));
    format!(
        "{}/{}; {group}/{version}, Kind={}",
        s(meta.and_then(|m| m.get("namespace"))),
        s(meta.and_then(|m| m.get("name"))),
        s(obj.get("kind"))
    )
}

/// Rejects configurations the apiserver refuses before merging.
fn check_config(t: &Target, config: &Value) -> Result<(), ApplyError> {
    let obj = config
        .as_object()
        .ok_or_else(|| ApplyError::Invalid("error decoding YAML: object expected".into()))?;
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version != t.api_version || kind != t.kind {
        let (group, version) = split_api_version(api_version);
        return Err(ApplyError::Invalid(format!(
            "invalid object type: {group}/{version}, Kind={kind}"
        )));
    }
    let managed = config.get("metadata").and_then(|m| m.get("managedFields"));
    if managed.is_some_and(|m| !m.is_null()) {
        return Err(ApplyError::Invalid(
            "metadata.managedFields must be nil".into(),
        ));
    }
    Ok(())
}

/// When only managedFields timestamps changed, keeps the old entries so the
/// write is a no-op (the apiserver's IgnoreManagedFieldsTimestampsTransformer).
fn restore_timestamps(old: &Value, new: &mut Value) {
    let entries = |v: &Value| -> Vec<Value> {
        v.get("metadata")
            .and_then(|m| m.get("managedFields"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (old_mf, new_mf) = (entries(old), entries(new));
    let strip_time = |e: &Value| {
        let mut e = e.clone();
        if let Some(m) = e.as_object_mut() {
            m.remove("time");
        }
        e
    };
    let same_entries = old_mf.len() == new_mf.len()
        && old_mf
            .iter()
            .zip(&new_mf)
            .all(|(a, b)| values_equal(&strip_time(a), &strip_time(b)));
    if same_entries
        && !old_mf.is_empty()
        && values_equal(&without_managed_fields(old), &without_managed_fields(new))
    {
        set_managed_fields(new, Some(old_mf));
    }
}
