//! `exit()`: end the playbook here, successfully. Rhai's `exit(value)` would end
//! it as a success whatever the value, so it is refused in favour of `fail`.

use crate::primitives::doc;
use crate::primitives::error::{call_site, error_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext};
use std::sync::Arc;

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    doc("exit", "Ends the playbook here, successfully.", &["()"]).register_into_engine(
        engine,
        move |ctx: NativeCallContext| -> Result<(), Box<EvalAltResult>> {
            let at = call_site(&ctx);
            let message = match &at {
                Some(at) => format!("playbook ended by exit() at {at}"),
                None => "playbook ended by exit()".to_string(),
            };
            h.log(Level::Info, message, at);
            Err(EvalAltResult::Exit(Dynamic::UNIT, ctx.call_position()).into())
        },
    );
    doc(
        "exit",
        "Refused: a value would not change the exit code; use fail(message).",
        &["value: any", "()"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, _: Dynamic| -> Result<(), Box<EvalAltResult>> {
            Err(error_at(
                &ctx,
                "exit(value) is not supported: the run's exit code comes from how it ended, not from a value\nhint: use fail(message) to stop with an error, or exit() to end the playbook successfully",
            ))
        },
    );
}
