//! `info`, `warn`, `log` and `fail`: messages to the run's log, and failing on purpose.

use crate::primitives::doc;
use crate::primitives::error::{call_site, error_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext};
use std::sync::Arc;

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    for (name, level, what) in [
        ("info", Level::Info, "Logs a message at info level."),
        ("warn", Level::Warn, "Logs a warning."),
        (
            "log",
            Level::Info,
            "Logs a message at info level (same as `info`).",
        ),
    ] {
        let h = host.clone();
        doc(name, what, &["message: ?", "()"]).register_into_engine(
            engine,
            move |ctx: NativeCallContext, message: Dynamic| {
                h.log(level, message.to_string(), call_site(&ctx));
            },
        );
    }

    let h = host.clone();
    doc(
        "log",
        "Logs a message at a level: \"debug\", \"info\", \"warn\" or \"error\".",
        &["level: &str", "message: ?", "()"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, level: &str, message: Dynamic| -> Result<(), Box<EvalAltResult>> {
            let Some(level) = Level::parse(level) else {
                return Err(error_at(
                    &ctx,
                    format!("unknown log level \"{level}\"\nhint: use \"debug\", \"info\", \"warn\" or \"error\""),
                ));
            };
            h.log(level, message.to_string(), call_site(&ctx));
            Ok(())
        },
    );

    doc(
        "fail",
        "Stops the playbook with an error at this line (catchable with try/catch).",
        &["message: ?", "()"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, message: Dynamic| -> Result<(), Box<EvalAltResult>> {
            Err(error_at(&ctx, message.to_string()))
        },
    );
}
