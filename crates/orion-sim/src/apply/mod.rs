//! Server-side apply and `metadata.managedFields`, as pure functions over JSON.
//!
//! Mirrors kube-apiserver 1.32 (structured-merge-diff v4 + the apiserver's
//! field-manager chain). The OpenAPI schema is approximated by small tables
//! ([`keys`] for list merge keys, [`schema`] for atomic/free-form maps).
//!
//! Entry points: [`apply`] for `application/apply-patch+yaml` PATCHes and
//! [`record_update`] for every other write (create, replace, patches).
//! [`Target`] variants add subresources and the status-subresource switch.

pub mod cap;
pub mod compare;
pub mod conflict;
pub mod fieldset;
pub mod fieldsv1;
pub mod keys;
pub mod lastapplied;
pub mod managed;
pub mod merge;
pub mod path;
mod pipeline;
pub mod prune;
pub mod remove;
pub mod schema;
pub mod skeleton;
pub mod toset;
pub mod updater;
pub mod value;

#[cfg(test)]
mod tests_apply;
#[cfg(test)]
mod tests_conflict;
#[cfg(test)]
mod tests_fields;
#[cfg(test)]
mod tests_robust;
#[cfg(test)]
mod tests_update;

use serde_json::Value;

pub use conflict::{ApplyError, Conflict};
pub use fieldset::FieldSet;

use schema::{has_status_subresource, top_field};

/// The endpoint a write goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// Object kind, e.g. `Deployment`.
    pub kind: &'a str,
    /// Served apiVersion, e.g. `apps/v1`.
    pub api_version: &'a str,
    /// `Some("status")`, `Some("scale")`, ... or `None` for the main resource.
    pub subresource: Option<&'a str>,
    /// Whether the kind has a status subresource (then `status` is not
    /// tracked for main-resource writes and `spec` not for status writes).
    pub status_subresource: bool,
}

impl<'a> Target<'a> {
    /// Main resource; the status switch comes from the built-in kind table
    /// (custom kinds default to `false`: set it from the CRD).
    pub fn new(kind: &'a str, api_version: &'a str) -> Self {
        Target {
            kind,
            api_version,
            subresource: None,
            status_subresource: has_status_subresource(kind),
        }
    }

    /// The same target through a subresource.
    pub fn with_subresource(mut self, subresource: Option<&'a str>) -> Self {
        self.subresource = subresource.filter(|s| !s.is_empty());
        self
    }

    /// Fields the registry strategy resets for this endpoint.
    fn ignored_fields(&self) -> FieldSet {
        match self.subresource {
            Some("status") => top_field("spec"),
            Some(_) => FieldSet::new(),
            None if self.status_subresource => top_field("status"),
            None => FieldSet::new(),
        }
    }
}

/// Server-side apply of `config` (the applied partial object, already parsed from YAML/JSON) by `manager`.
/// `live` is the current object or None. Returns the new object with metadata.managedFields updated.
pub fn apply(
    kind: &str,
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    api_version: &str,
    now: &str,
) -> Result<Value, ApplyError> {
    pipeline::apply(
        &Target::new(kind, api_version),
        live,
        config,
        manager,
        force,
        now,
    )
}

/// [`apply`] for any [`Target`] (e.g. `Some("status")` for `kubectl apply --subresource=status`).
/// With `Some("status")` only `status` of the result comes from the configuration.
pub fn apply_to(
    target: &Target,
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    pipeline::apply(target, live, config, manager, force, now)
}

/// Records an update (create/replace/patch) by `manager` from `old` (None for create) to `new`; returns `new` with managedFields updated.
pub fn record_update(
    kind: &str,
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    api_version: &str,
    subresource: Option<&str>,
    now: &str,
) -> Value {
    let target = Target::new(kind, api_version).with_subresource(subresource);
    pipeline::record_update(&target, old, new, manager, now)
}

/// [`record_update`] for any [`Target`].
pub fn record_update_to(
    target: &Target,
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    now: &str,
) -> Value {
    pipeline::record_update(target, old, new, manager, now)
}
