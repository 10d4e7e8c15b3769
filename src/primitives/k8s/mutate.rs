//! The one way a playbook changes the cluster. Every `k8s::` write comes
//! through `mutate`, which says what it changes, honours --dry-run (the
//! server checks the change and keeps nothing) and is where guards and the
//! journal attach.

use super::{K8s, Result};
use crate::guard::journal::Entry;
use crate::guard::Refusal;
use crate::k8s::kinds::Kind;
use crate::k8s::objects::{self, Change};
use crate::primitives::error::{call_site, cancelled_at, error_at, refused_at};
use crate::report::event::Level;
use rhai::NativeCallContext;
use serde_json::Value;

/// One change to one object.
pub struct Mutation<'a> {
    pub kind: &'a Kind,
    pub namespace: &'a str,
    pub name: &'a str,
    pub change: Change,
    /// What the change does, for the log: "set image web=shop/web:2".
    pub summary: String,
}

pub fn mutate(k8s: &K8s, ctx: &NativeCallContext, m: Mutation) -> Result<Value> {
    perform(k8s, ctx, m, true)
}

/// As `mutate`, but carried out even after Ctrl-C: for cleanup (a one-off
/// pod's deletion), which must not be skipped.
pub fn mutate_finally(k8s: &K8s, ctx: &NativeCallContext, m: Mutation) -> Result<Value> {
    perform(k8s, ctx, m, false)
}

fn perform(k8s: &K8s, ctx: &NativeCallContext, m: Mutation, cancellable: bool) -> Result<Value> {
    let cluster = k8s.cluster(ctx)?;
    let dry_run = k8s.host.target.dry_run;
    let target = format!("{}/{}", m.kind.resource.kind.to_ascii_lowercase(), m.name);
    let prefix = if dry_run { "(dry run) " } else { "" };
    if cancellable {
        let gate = k8s.host.gate();
        match k8s.host.block_on(gate.check(&cluster, m.namespace)) {
            Ok(Ok(())) => {}
            Ok(Err(Refusal::Refused(why))) => return Err(refused_at(ctx, &why)),
            Ok(Err(Refusal::Failed(e))) => return Err(error_at(ctx, e.message)),
            Err(_) => return Err(cancelled_at(ctx)),
        }
        if m.kind.resource.kind == "Secret" && m.kind.resource.group.is_empty() {
            let content = match &m.change {
                Change::Create(v) | Change::Apply(v) | Change::Merge(v) | Change::Json(v) => {
                    Some(v)
                }
                Change::Delete => None,
            };
            if let Some(Err(Refusal::Refused(why))) = content.map(|c| gate.check_secret(m.name, c))
            {
                return Err(refused_at(ctx, &why));
            }
        }
        if !dry_run && gate.needs_approval() {
            let shown = format!(
                "  context {}, namespace {}\n  first change: {target}: {}",
                cluster.info.name, cluster.info.namespace, m.summary
            );
            crate::primitives::approve::approve(&k8s.host, ctx, &shown)?;
        }
    }
    k8s.host.log(
        Level::Info,
        format!("{prefix}{target}: {}", m.summary),
        call_site(ctx),
    );
    if cancellable && !dry_run {
        journal(k8s, ctx, &cluster, &m)?;
    }
    let live = if dry_run {
        k8s.run(ctx, objects::get(&cluster, m.kind, m.namespace, m.name))?
    } else {
        None
    };
    let write = objects::write(&cluster, m.kind, m.namespace, m.name, &m.change, dry_run);
    let result = if cancellable {
        k8s.run(ctx, write)?
    } else {
        k8s.host
            .finish(write)
            .map_err(|e| error_at(ctx, e.message))?
    };
    if dry_run {
        show_would_change(k8s, ctx, &target, live.as_ref(), &result, &m.change);
    }
    Ok(result)
}

/// Records the change, with the object as it is now, before it is made;
/// without a record, nothing is changed.
fn journal(
    k8s: &K8s,
    ctx: &NativeCallContext,
    cluster: &crate::k8s::Cluster,
    m: &Mutation,
) -> Result<()> {
    let gate = k8s.host.gate();
    let Some(journal) = &gate.journal else {
        return Ok(());
    };
    let prior = k8s.run(ctx, objects::get(cluster, m.kind, m.namespace, m.name))?;
    let step = k8s.host.current_step();
    let entry = Entry {
        seq: 0,
        at: jiff::Timestamp::now().to_string(),
        run: String::new(),
        environment: gate.name.clone(),
        context: cluster.info.name.clone(),
        api_version: m.kind.resource.api_version.clone(),
        kind: m.kind.resource.kind.clone(),
        namespace: m.namespace.to_string(),
        name: m.name.to_string(),
        summary: m.summary.clone(),
        prior,
        step,
        approver: gate.approvals().last().map(|a| a.by.clone()),
    };
    journal.append(entry).map_err(|e| {
        error_at(
            ctx,
            format!(
                "cannot write the journal {}: {e}; nothing was changed\nhint: orion keeps a journal of every change beside orion.toml; make that directory writable",
                journal.path.display()
            ),
        )
    })?;
    // The cluster's copy, for `orion history` and `orion rollback` elsewhere.
    if let Some(warning) = k8s.host.finish(gate.summarise(cluster, m.namespace)) {
        k8s.host.log(Level::Warn, warning, call_site(ctx));
    }
    Ok(())
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
        _ => crate::k8s::manifests::diff(live, result),
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
