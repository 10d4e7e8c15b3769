//! `on_failure(closure)`: what a playbook wants done when its run fails,
//! run before the host undoes the run's changes; `hold()`: from here on the
//! run is not to be undone (an irreversible migration has happened).

use crate::primitives::doc;
use crate::primitives::error::call_site;
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Engine, FnPtr, NativeCallContext};
use std::sync::{Arc, Mutex};

/// The hooks a run registered, in order.
#[derive(Default)]
pub struct Hooks {
    hooks: Mutex<Vec<FnPtr>>,
}

impl Hooks {
    pub fn take(&self) -> Vec<FnPtr> {
        std::mem::take(&mut *self.hooks.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    doc(
        "on_failure",
        "Runs the closure if the run fails (script error, failed check, Ctrl-C), before the host undoes the run's changes.",
        &["hook: Fn", "()"],
    )
    .register_into_engine(engine, move |hook: FnPtr| {
        h.hooks.hooks.lock().unwrap_or_else(|e| e.into_inner()).push(hook);
    });
    let h = host.clone();
    doc(
        "hold",
        "From here on, a failure of this run is not undone (say, after an irreversible migration); the changes stay.",
        &["()"],
    )
    .register_into_engine(engine, move |ctx: NativeCallContext| {
        h.gate().hold(call_site(&ctx).unwrap_or_else(|| "the playbook".into()));
        h.log(
            Level::Info,
            "hold(): if this run fails from here on, its changes stay".to_string(),
            call_site(&ctx),
        );
    });
}
