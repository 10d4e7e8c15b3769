//! What a change outside the cluster (a load balancer) shares with every
//! other change: the gate's checks and approval before it, and its journal
//! entry, with what it replaces, before it is made.

use crate::guard::journal::Entry;
use crate::guard::Refusal;
use crate::primitives::error::{error_at, refused_at};
use crate::primitives::host::Host;
use rhai::{EvalAltResult, NativeCallContext};
use serde_json::Value;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// Freezes and deploy windows, then — unless it is a dry run — the
/// operator's approval where the environment requires one (`shown` is what
/// they are asked to approve).
pub fn admit(h: &Host, ctx: &NativeCallContext, shown: impl FnOnce() -> String) -> Result<()> {
    let gate = h.gate();
    match gate.check_external() {
        Ok(()) => {}
        Err(Refusal::Refused(why)) => return Err(refused_at(ctx, &why)),
        Err(Refusal::Failed(e)) => return Err(error_at(ctx, e.message)),
    }
    if !h.target.dry_run && gate.needs_approval() {
        crate::primitives::approve::approve(h, ctx, &shown())?;
    }
    Ok(())
}

/// One change outside the cluster, as journaled.
pub struct Record {
    /// "haproxy", "nginx".
    pub context: &'static str,
    pub api_version: &'static str,
    pub kind: &'static str,
    /// Where it is (a runtime API address, a file).
    pub namespace: String,
    pub name: String,
    pub summary: String,
    /// What it replaces, enough to put it back.
    pub prior: Value,
}

/// Journals `r` before the change is made; without a record, nothing is changed.
pub fn journal(h: &Host, ctx: &NativeCallContext, r: Record) -> Result<()> {
    let gate = h.gate();
    let Some(journal) = &gate.journal else {
        return Ok(());
    };
    let entry = Entry {
        seq: 0,
        at: jiff::Timestamp::now().to_string(),
        run: String::new(),
        environment: gate.name.clone(),
        context: r.context.into(),
        api_version: r.api_version.into(),
        kind: r.kind.into(),
        namespace: r.namespace,
        name: r.name,
        summary: r.summary,
        prior: Some(r.prior),
        step: h.current_step(),
        approver: gate.approvals().last().map(|a| a.by.clone()),
    };
    journal.append(entry).map(|_| ()).map_err(|e| {
        error_at(
            ctx,
            format!(
                "cannot write the journal {}: {e}; nothing was changed",
                journal.path.display()
            ),
        )
    })
}
