//! The one place the Rhai engine is built: sandbox limits, strict variables, no
//! `eval`, print/debug to the log, Ctrl-C checked at every operation, memory,
//! nesting and stack watched (`watch`), imports confined to the playbook's
//! directory, and every primitive registered.

use crate::engine::limits::Limits;
use crate::engine::resolver::Resolver;
use crate::engine::sources::Sources;
use crate::engine::watch::Watch;
use crate::primitives;
use crate::primitives::error::CANCELLED;
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Dynamic, Engine, Scope};
use std::path::Path;
use std::sync::Arc;

/// An engine for scripts whose imports resolve under `root`.
pub fn engine(host: &Arc<Host>, limits: &Limits, root: &Path, sources: &Arc<Sources>) -> Engine {
    watched(host, limits, root, sources).0
}

/// An engine, and the watch over what its scripts hold (memory, nesting,
/// stack) that it reports to.
pub fn watched(
    host: &Arc<Host>,
    limits: &Limits,
    root: &Path,
    sources: &Arc<Sources>,
) -> (Engine, Arc<Watch>) {
    let mut engine = Engine::new();
    limits.apply(&mut engine);
    engine.set_strict_variables(true);
    engine.disable_symbol("eval");
    engine.set_module_resolver(Resolver::new(root, sources.clone()));

    let h = host.clone();
    engine.on_print(move |text| h.log(Level::Info, text, None));
    let h = host.clone();
    engine.on_debug(move |text, source, pos| {
        let at = pos.line().map(|line| {
            format!(
                "{}:{line}:{}",
                source.unwrap_or("<script>"),
                pos.position().unwrap_or(1)
            )
        });
        h.log(Level::Debug, text, at);
    });
    let h = host.clone();
    let watch = Arc::new(Watch::new(limits));
    let w = watch.clone();
    engine.on_progress(move |_| {
        if h.io.cancel.is_requested() {
            return Some(Dynamic::from(CANCELLED));
        }
        w.on_progress()
    });
    let w = watch.clone();
    // "Volatile", rhai says, not deprecated: the one hook at every variable
    // read, where a limit's error can point at the script.
    #[allow(deprecated)]
    engine.on_var(move |_, _, context| w.on_var(&context).map(|()| None));

    primitives::register(&mut engine, host);
    tracing::trace!(?limits, root = %root.display(), "engine assembled");
    (engine, watch)
}

/// The variables every playbook starts with: `args`, the `--set` values.
pub fn scope(host: &Host) -> Scope<'static> {
    let mut scope = Scope::new();
    scope.push_constant("args", host.target.args_map());
    scope
}
