//! The one way a playbook changes the cluster. Every `k8s::` write comes
//! through `mutate`, which says what it changes, honours --dry-run (the
//! server checks the change and keeps nothing) and is where guards and the
//! journal attach.

use super::{K8s, Result};
use crate::k8s::kinds::Kind;
use crate::k8s::objects::{self, Change};
use crate::primitives::error::call_site;
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
    k8s.host.log(
        Level::Info,
        format!("{prefix}{target}: {}", m.summary),
        call_site(ctx),
    );
    if cancellable {
        let gate = k8s.host.gate();
        k8s.run(ctx, async { gate.check(&cluster, m.namespace).await })?;
    }
    let write = objects::write(&cluster, m.kind, m.namespace, m.name, &m.change, dry_run);
    if cancellable {
        k8s.run(ctx, write)
    } else {
        k8s.host
            .finish(write)
            .map_err(|e| crate::primitives::error::error_at(ctx, e.message))
    }
}
