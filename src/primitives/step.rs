//! `step(name, || { ... })`: a named, timed part of a playbook, listed in the summary.

use crate::primitives::doc;
use crate::primitives::error::{error_at, innermost, message};
use crate::primitives::host::Host;
use crate::report::step::{StepRecord, StepStatus};
use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, NativeCallContext};
use std::sync::Arc;
use std::time::Instant;

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    doc(
        "step",
        "Runs a closure as a named step: timed, logged, and listed in the final summary. Returns the closure's value; an error fails the step and the run.",
        &["name: &str", "body: FnPtr", "?"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, name: &str, body: FnPtr| -> Result<Dynamic, Box<EvalAltResult>> {
            if name.trim().is_empty() {
                return Err(error_at(&ctx, "a step needs a name\nhint: step(\"deploy\", || { ... })"));
            }
            let (slot, depth) = h.enter_step(name);
            let started = Instant::now();
            let result = body.call_within_context::<Dynamic>(&ctx, ());
            let (status, error) = match &result {
                // exit(): the playbook ends here on purpose.
                Ok(_) => (StepStatus::Ok, None),
                Err(e) if matches!(innermost(e), EvalAltResult::Exit(..)) => (StepStatus::Ok, None),
                Err(e) if h.cancel.is_requested()
                    || matches!(innermost(e), EvalAltResult::ErrorTerminated(..)) =>
                {
                    (StepStatus::Cancelled, Some(message(e)))
                }
                Err(e) => (StepStatus::Failed, Some(message(e))),
            };
            h.leave_step(slot, StepRecord {
                name: name.to_string(),
                depth,
                status,
                duration: started.elapsed(),
                error,
            });
            result
        },
    );
}
