//! A primitive's way through the guard's door (`guard::door`): the change
//! described, the driver's read and write handed over, one crossing into
//! async — and what stopped it turned into the script's error at the call.

use crate::drivers::kube::Cluster;
use crate::guard::door::Made;
use crate::guard::{Admission, Change, Passed, Stopped};
use crate::primitives::error::{call_site, cancelled_at, error_at, refused_at, stopped_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{EvalAltResult, NativeCallContext};
use serde_json::Value;
use std::future::Future;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// Takes `change` through the door: the gate, approval, the log, `prior`
/// read once, the journal and summary, then `make`. Ctrl-C interrupts it; a
/// driver's error becomes the script's through `driver_error`.
pub(crate) fn pass<T: Made, E>(
    h: &Host,
    ctx: &NativeCallContext,
    cluster: Option<&Cluster>,
    change: Change,
    prior: impl Future<Output = std::result::Result<Option<Value>, String>>,
    make: impl Future<Output = std::result::Result<T, E>>,
    driver_error: impl FnOnce(E) -> Box<EvalAltResult>,
) -> Result<Passed<T>> {
    through(h, ctx, true, cluster, change, prior, make, driver_error)
}

/// As `pass`, carried out even after Ctrl-C: for cleanup (a one-off pod's
/// deletion), which must not be skipped.
pub(crate) fn pass_finally<T: Made, E>(
    h: &Host,
    ctx: &NativeCallContext,
    cluster: Option<&Cluster>,
    change: Change,
    prior: impl Future<Output = std::result::Result<Option<Value>, String>>,
    make: impl Future<Output = std::result::Result<T, E>>,
    driver_error: impl FnOnce(E) -> Box<EvalAltResult>,
) -> Result<Passed<T>> {
    through(h, ctx, false, cluster, change, prior, make, driver_error)
}

#[allow(clippy::too_many_arguments)]
fn through<T: Made, E>(
    h: &Host,
    ctx: &NativeCallContext,
    cancellable: bool,
    cluster: Option<&Cluster>,
    change: Change,
    prior: impl Future<Output = std::result::Result<Option<Value>, String>>,
    make: impl Future<Output = std::result::Result<T, E>>,
    driver_error: impl FnOnce(E) -> Box<EvalAltResult>,
) -> Result<Passed<T>> {
    let at = call_site(ctx);
    let say = |level: Level, message: String| h.log(level, message, at.clone());
    let how = admission(h, &say);
    let gate = h.gate();
    let passing = gate.pass(cluster, change, &how, prior, make);
    let done = if cancellable {
        h.block_on(passing).map_err(|_| cancelled_at(ctx))?
    } else {
        h.finish(passing)
    };
    done.map_err(|s| match s {
        Stopped::Refused(why) => refused_at(ctx, &why),
        Stopped::Denied(why) => stopped_at(ctx, &why),
        Stopped::Failed(why) => error_at(ctx, why),
        Stopped::Driver(e) => driver_error(e),
    })
}

fn admission<'a>(h: &'a Host, say: &'a (dyn Fn(Level, String) + Send + Sync)) -> Admission<'a> {
    let t = &h.target;
    Admission {
        dry_run: t.dry_run,
        yes: t.assume_yes,
        approver: t.approver.as_deref(),
        step: h.current_step(),
        say,
    }
}
