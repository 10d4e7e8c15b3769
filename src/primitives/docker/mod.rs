//! The `docker` namespace: containers on a Docker Engine — `run`,
//! `replace`, `stop`, `remove`, `inspect`, `logs`, `list` — and Swarm
//! services (`service(name)`: `update`, `scale`, `rollback`, `tasks`). Every change passes the guard's door
//! (freezes, windows, approval; none of the Kubernetes checks) and is
//! journaled before it is made, so a failed run, or `orion rollback`, puts
//! containers back; `--dry-run` says what would change and changes nothing.
//! The daemon is `--docker`, else the environment's `docker`, else
//! DOCKER_HOST, else the default socket; connected on first use.

mod containers;
mod service;
mod spec;

use crate::drivers::docker::daemon::{connect, Daemon, Where};
use crate::primitives::error::{cancelled_at, error_at, refused_at};
use crate::primitives::host::Host;
use rhai::{Engine, EvalAltResult, Module, NativeCallContext};
use std::sync::Arc;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// What the `docker` functions share: the host, and the daemon once connected.
pub struct Docker {
    host: Arc<Host>,
    daemon: tokio::sync::OnceCell<Daemon>,
}

impl Docker {
    /// The run's daemon (connecting on first use).
    fn daemon(&self, ctx: &NativeCallContext) -> Result<Daemon> {
        let environment = self.host.gate().environment.clone();
        let given = self.host.target.docker.clone().or(environment.docker);
        let at = Where::resolve(given.as_deref(), environment.docker_tls.as_deref());
        let cell = &self.daemon;
        let daemon = self
            .host
            .block_on(async { cell.get_or_try_init(|| connect(at)).await.cloned() })
            .map_err(|_| cancelled_at(ctx))?;
        // Nothing can be changed there: a refusal, so a run that changed
        // nothing yet ends in pre-flight (exit 1).
        daemon.map_err(|e| refused_at(ctx, &e))
    }

    /// Runs a driver call to completion; Ctrl-C interrupts it.
    fn run<T>(
        &self,
        ctx: &NativeCallContext,
        fut: impl std::future::Future<Output = std::result::Result<T, String>>,
    ) -> Result<T> {
        match self.host.block_on(fut) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(error_at(ctx, e)),
            Err(_) => Err(cancelled_at(ctx)),
        }
    }
}

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let docker = Arc::new(Docker {
        host: host.clone(),
        daemon: tokio::sync::OnceCell::new(),
    });
    let mut module = Module::new();
    containers::register(&mut module, &docker);
    service::register(engine, &mut module, &docker);
    engine.register_static_module("docker", module.into());
}
