//! `approve(message)`: stop until an operator approves (exit 5 if not), in
//! any environment; the same approval the host asks for before the first
//! change where orion.toml says `approval = "required"`.

use crate::primitives::doc;
use crate::primitives::error::{call_site, stopped_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Engine, EvalAltResult, NativeCallContext};
use std::sync::Arc;

/// Gets an approval for `shown` and logs who gave it; without one the run
/// ends as cancelled (exit 5).
pub fn approve(
    host: &Host,
    ctx: &NativeCallContext,
    shown: &str,
) -> Result<(), Box<EvalAltResult>> {
    let t = &host.target;
    if t.dry_run {
        // A dry run changes nothing, so nothing needs approving.
        host.log(
            Level::Info,
            format!("(dry run) would ask for approval:\n{shown}"),
            call_site(ctx),
        );
        return Ok(());
    }
    let approved = host
        .gate()
        .approve(shown, t.assume_yes, t.approver.as_deref())
        .map_err(|d| stopped_at(ctx, &d.0))?;
    host.log(
        Level::Info,
        format!(
            "approved by {} ({}) at {}",
            approved.by, approved.how, approved.at
        ),
        call_site(ctx),
    );
    Ok(())
}

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    doc(
        "approve",
        "Waits for an operator to approve (typing the environment's name at the terminal, or --yes --approver NAME); without approval the run stops, exit 5.",
        &["message: &str", "()"],
    )
    .register_into_engine(engine, move |ctx: NativeCallContext, message: &str| {
        approve(&h, &ctx, &format!("  {message}"))
    });
}
