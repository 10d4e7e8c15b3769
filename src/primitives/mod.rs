//! The Rhai-facing API. `register` is the one list of everything playbooks can
//! call: each namespace registers itself here, once.

pub mod approve;
pub mod aws;
pub mod cancel;
pub mod confirm;
pub mod docker;
pub mod door;
pub mod error;
pub mod exit;
pub mod failure;
pub mod health;
pub mod host;
pub mod io;
pub mod k8s;
pub mod log;
pub mod metrics;
pub mod monitor;
pub mod notify;
pub mod path;
pub mod phase;
pub mod run_record;
pub mod secrets;
pub mod sleep;
pub mod smoke;
pub mod step;
pub mod target;
pub mod traffic;

use crate::primitives::host::Host;
use rhai::{Engine, FuncRegistration};
use std::sync::Arc;

/// Registers every primitive and namespace into `engine`.
pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    approve::register(engine, host);
    confirm::register(engine, host);
    docker::register(engine, host);
    exit::register(engine, host);
    failure::register(engine, host);
    health::register(engine, host);
    let k8s = k8s::register(engine, host);
    traffic::register(engine, host, &k8s);
    monitor::register(engine, host, &k8s);
    log::register(engine, host);
    metrics::register(engine, host, &k8s);
    notify::register(engine, host);
    secrets::register(engine, host);
    sleep::register(engine, host);
    smoke::register(engine, host);
    step::register(engine, host);
    target::register(engine, host);
}

/// A registration with its one-line doc and parameter list (last entry: the
/// return type), which `orion doc` reads back from the engine.
pub fn doc(name: &str, doc: &str, params: &[&str]) -> FuncRegistration {
    FuncRegistration::new(name)
        .with_comments([format!("/// {doc}")])
        .with_params_info(params)
}
