//! `sleep("5s")`: a pause that Ctrl-C cuts short.

use crate::duration;
use crate::primitives::doc;
use crate::primitives::error::{call_site, cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Engine, EvalAltResult, NativeCallContext};
use std::sync::Arc;
use std::time::Duration;

/// Pauses longer than this are announced, so a long wait is never silent.
const ANNOUNCE_AFTER: Duration = Duration::from_secs(2);

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    doc(
        "sleep",
        "Pauses for a duration such as \"500ms\", \"30s\" or \"1h30m\"; Ctrl-C interrupts it.",
        &["duration: &str", "()"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, text: &str| -> Result<(), Box<EvalAltResult>> {
            let pause = duration::parse(text).map_err(|e| error_at(&ctx, e))?;
            if pause >= ANNOUNCE_AFTER {
                h.log(
                    Level::Info,
                    format!("sleeping {}", duration::format(pause)),
                    call_site(&ctx),
                );
            }
            h.block_on(async move { tokio::time::sleep(pause).await })
                .map_err(|_| cancelled_at(&ctx))
        },
    );

    doc(
        "seconds",
        "A duration string in seconds, as a float: seconds(\"1m30s\") is 90.0.",
        &["duration: &str", "f64"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, text: &str| -> Result<f64, Box<EvalAltResult>> {
            duration::parse(text)
                .map(|d| d.as_secs_f64())
                .map_err(|e| error_at(&ctx, e))
        },
    );

    // Rhai's own sleep(seconds) blocks the thread where Ctrl-C cannot reach it.
    doc(
        "sleep",
        "Refused: durations are strings with a unit, such as \"5s\".",
        &["seconds: int", "()"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, n: i64| -> Result<(), Box<EvalAltResult>> {
            Err(no_unit(&ctx, &n.to_string()))
        },
    );
    doc(
        "sleep",
        "Refused: durations are strings with a unit, such as \"500ms\".",
        &["seconds: float", "()"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, n: f64| -> Result<(), Box<EvalAltResult>> {
            Err(no_unit(&ctx, &n.to_string()))
        },
    );
}

fn no_unit(ctx: &NativeCallContext, number: &str) -> Box<EvalAltResult> {
    error_at(
        ctx,
        format!("sleep({number}) has no unit\nhint: durations are strings with a unit: sleep(\"{number}s\"), sleep(\"500ms\")"),
    )
}
