//! The one way a playbook changes the cluster. Every `k8s::` write comes
//! through `mutate`, which describes the change and takes it through the
//! guard's door; with --dry-run the server checks it and keeps nothing.

use super::{K8s, Result};
use crate::drivers::kube::kinds::Kind;
use crate::drivers::kube::objects::{self, Change};
use crate::guard::{self, Passed};
use crate::primitives::door;
use crate::primitives::error::{call_site, error_at};
use crate::report::event::Level;
use rhai::NativeCallContext;
use serde_json::Value;

/// One change to one object.
pub(super) struct Mutation<'a> {
    pub kind: &'a Kind,
    pub namespace: &'a str,
    pub name: &'a str,
    pub change: Change,
    /// What the change does, for the log: "set image web=shop/web:2".
    pub summary: String,
}

pub(super) fn mutate(k8s: &K8s, ctx: &NativeCallContext, m: Mutation) -> Result<Passed<Value>> {
    perform(k8s, ctx, m, true)
}

/// As `mutate`, but carried out even after Ctrl-C: for cleanup (a one-off
/// pod's deletion), which must not be skipped.
pub(super) fn mutate_finally(
    k8s: &K8s,
    ctx: &NativeCallContext,
    m: Mutation,
) -> Result<Passed<Value>> {
    perform(k8s, ctx, m, false)
}

/// Describes the change and takes it through the guard's door, the
/// driver reading the object once and writing it (a server-side dry run
/// with --dry-run, whose field-level effect is then shown).
fn perform(
    k8s: &K8s,
    ctx: &NativeCallContext,
    m: Mutation,
    cancellable: bool,
) -> Result<Passed<Value>> {
    let cluster = k8s.cluster(ctx)?;
    let h = k8s.host();
    let dry_run = h.target.dry_run;
    let resource = &m.kind.resource;
    let target = format!("{}/{}", resource.kind.to_ascii_lowercase(), m.name);
    let secret = match &m.change {
        Change::Create(v) | Change::Apply(v) | Change::Merge(v) | Change::Json(v)
            if resource.kind == "Secret" && resource.group.is_empty() =>
        {
            Some(v.clone())
        }
        _ => None,
    };
    let change = guard::Change {
        context: cluster.info.name.clone(),
        api_version: resource.api_version.clone(),
        kind: resource.kind.clone(),
        namespace: m.namespace.to_string(),
        name: m.name.to_string(),
        said: format!("{target}: {}", m.summary),
        shown: format!(
            "  context {}, namespace {}\n  first change: {target}: {}",
            cluster.info.name, cluster.info.namespace, m.summary
        ),
        summary: m.summary,
        in_cluster: true,
        secret,
    };
    let prior = async {
        objects::get(&cluster, m.kind, m.namespace, m.name)
            .await
            .map_err(|e| e.message)
    };
    // The server cannot check a change in a namespace that exists only in
    // this dry run (it would answer that the namespace is missing).
    let unchecked = dry_run && m.kind.namespaced && h.gate().dry_made.has_namespace(m.namespace);
    let make = async {
        if unchecked {
            as_given(&m.change, m.namespace, &target)
        } else {
            objects::write(&cluster, m.kind, m.namespace, m.name, &m.change, dry_run).await
        }
    };
    let driver_error = |e: crate::drivers::kube::K8sError| error_at(ctx, e.message);
    let passed = if cancellable {
        door::pass(h, ctx, Some(&cluster), change, prior, make, driver_error)
    } else {
        door::pass_finally(h, ctx, Some(&cluster), change, prior, make, driver_error)
    }?;
    if unchecked && h.gate().dry_made.first_unchecked(m.namespace) {
        h.log(
            Level::Info,
            format!("(dry run) namespace {0} exists only in this dry run: the server cannot check the changes in it, they are shown as the playbook gives them", m.namespace),
            call_site(ctx),
        );
    }
    if dry_run {
        show_would_change(
            k8s,
            ctx,
            &target,
            passed.prior.as_ref(),
            &passed.made,
            &m.change,
        );
    }
    Ok(passed)
}

/// In a dry run, a new object in a namespace that exists only in the dry
/// run, as the playbook gave it; a patch has nothing to change there.
fn as_given(
    change: &Change,
    namespace: &str,
    target: &str,
) -> std::result::Result<Value, crate::drivers::kube::K8sError> {
    match change {
        Change::Create(v) | Change::Apply(v) => {
            let mut v = v.clone();
            v["metadata"]["namespace"] = Value::String(namespace.to_string());
            Ok(v)
        }
        _ => Err(crate::drivers::kube::K8sError::new(format!(
            "{target} does not exist: namespace {namespace} exists only in this dry run"
        ))),
    }
}

/// Most changed fields shown per object in a dry run.
const SHOWN: usize = 20;

/// In a dry run: what the change would do to the live object, field by field
/// (Secret values masked).
fn show_would_change(
    k8s: &K8s,
    ctx: &NativeCallContext,
    target: &str,
    live: Option<&Value>,
    result: &Value,
    change: &Change,
) {
    let lines = match change {
        Change::Delete => vec!["would be deleted".to_string()],
        _ => crate::drivers::kube::manifests::diff(live, result),
    };
    let mut text = if lines.is_empty() {
        format!("(dry run) {target}: would not change")
    } else {
        format!(
            "(dry run) {target}:\n  {}",
            lines
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    };
    if lines.len() > SHOWN {
        text.push_str(&format!("\n  ... and {} more fields", lines.len() - SHOWN));
    }
    k8s.host.log(Level::Info, text, call_site(ctx));
}
