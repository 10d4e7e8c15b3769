//! `traffic::haproxy(#{socket | addr, backend, state_file})`: a router over
//! a HAProxy backend's servers through the runtime API. Each change passes
//! the gate (freezes, windows, approval) and is journaled with the server's
//! weight and state before it, so a failed run puts them back; --dry-run
//! says what would change. Weights set at runtime are lost when HAProxy
//! reloads unless they are in its server-state file: with `state_file`,
//! orion writes it after each change; without, it says so.

use super::router::Weights;
use crate::drivers::lb::haproxy::{dump_state, servers, set_state, set_weight, Address, Server};
use crate::guard;
use crate::guard::compensate::HAPROXY;
use crate::primitives::door;
use crate::primitives::error::{call_site, cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{EvalAltResult, NativeCallContext};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

#[derive(Debug, Clone)]
pub struct HAProxy {
    pub address: Address,
    pub backend: String,
    pub state_file: Option<PathBuf>,
    /// Whether the run was told that weights do not survive a reload.
    pub warned: Arc<AtomicBool>,
}

/// One server's change: a weight, a state, or both.
pub struct ServerChange {
    pub server: String,
    pub weight: Option<i64>,
    pub state: Option<&'static str>,
}

impl HAProxy {
    fn read(&self, h: &Host, ctx: &NativeCallContext) -> Result<Vec<Server>> {
        h.block_on(servers(&self.address, &self.backend))
            .map_err(|_| cancelled_at(ctx))?
            .map_err(|e| error_at(ctx, e))
    }

    /// Effective weights: a drained or disabled server takes no new traffic, so 0.
    pub fn weights(&self, h: &Host, ctx: &NativeCallContext) -> Result<Weights> {
        Ok(self
            .read(h, ctx)?
            .into_iter()
            .map(|s| (s.name, if s.state == "ready" { s.weight } else { 0 }))
            .collect())
    }

    /// Waits until `server` has no connections in flight (after a drain).
    pub fn wait_drained(
        &self,
        h: &Host,
        ctx: &NativeCallContext,
        server: &str,
        timeout: std::time::Duration,
    ) -> Result<()> {
        let started = std::time::Instant::now();
        loop {
            let n = h
                .block_on(crate::drivers::lb::haproxy::sessions(
                    &self.address,
                    &self.backend,
                    server,
                ))
                .map_err(|_| cancelled_at(ctx))?
                .map_err(|e| error_at(ctx, e))?;
            if n == 0 {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(error_at(
                    ctx,
                    format!(
                        "{}/{server} still has {n} connections in flight after {}",
                        self.backend,
                        crate::duration::format(timeout)
                    ),
                ));
            }
            h.block_on(async { tokio::time::sleep(std::time::Duration::from_millis(50)).await })
                .map_err(|_| cancelled_at(ctx))?;
        }
    }

    /// Makes `changes`; returns the weights as read back.
    pub fn change(
        &self,
        h: &Host,
        ctx: &NativeCallContext,
        changes: &[ServerChange],
    ) -> Result<Weights> {
        let now = self.read(h, ctx)?;
        for c in changes {
            crate::drivers::lb::haproxy::check_name("server", &c.server)
                .map_err(|e| error_at(ctx, e))?;
            if !now.iter().any(|s| s.name == c.server) {
                let names: Vec<&str> = now.iter().map(|s| s.name.as_str()).collect();
                return Err(error_at(
                    ctx,
                    format!(
                        "backend {} has no server \"{}\"\nhint: its servers are {}",
                        self.backend,
                        c.server,
                        names.join(", ")
                    ),
                ));
            }
            if let Some(w) = c.weight.filter(|w| !(0..=256).contains(w)) {
                return Err(error_at(
                    ctx,
                    format!("HAProxy weights are 0 to 256, not {w}"),
                ));
            }
        }
        let dry_run = h.target.dry_run;
        let what = |c: &ServerChange| {
            let mut parts = vec![];
            if let Some(w) = c.weight {
                parts.push(format!("weight {w}"));
            }
            if let Some(s) = c.state {
                parts.push(format!("state {s}"));
            }
            format!("set {}", parts.join(", "))
        };
        // Servers whose share grows go first (see guard::compensate::raising_first).
        let effective = |weight: i64, state: &str| if state == "ready" { weight } else { 0 };
        let mut ordered: Vec<&ServerChange> = changes.iter().collect();
        ordered.sort_by_key(|c| {
            let before = now
                .iter()
                .find(|s| s.name == c.server)
                .expect("checked above");
            let after = effective(
                c.weight.unwrap_or(before.weight),
                c.state.unwrap_or(before.state),
            );
            std::cmp::Reverse(after - effective(before.weight, before.state))
        });
        for c in ordered {
            let before = now
                .iter()
                .find(|s| s.name == c.server)
                .expect("checked above");
            if c.weight.is_none_or(|w| w == before.weight)
                && c.state.is_none_or(|s| s == before.state)
            {
                continue;
            }
            let change = guard::Change {
                context: "haproxy".into(),
                api_version: HAPROXY.into(),
                kind: "Server".into(),
                namespace: self.address.to_string(),
                name: format!("{}/{}", self.backend, c.server),
                summary: what(c),
                said: format!(
                    "haproxy {}/{}: {} (was weight {}, {})",
                    self.backend,
                    c.server,
                    what(c),
                    before.weight,
                    before.state
                ),
                shown: format!(
                    "  HAProxy {} backend {}\n  first change: {}: {}",
                    self.address,
                    self.backend,
                    c.server,
                    what(c)
                ),
                in_cluster: false,
                secret: None,
            };
            let prior = json!({"weight": before.weight, "state": before.state});
            let make = async {
                if dry_run {
                    return Ok(());
                }
                if let Some(w) = c.weight {
                    set_weight(&self.address, &self.backend, &c.server, w).await?;
                }
                if let Some(s) = c.state {
                    set_state(&self.address, &self.backend, &c.server, s).await?;
                }
                Ok::<_, String>(())
            };
            door::pass(h, ctx, None, change, async { Ok(Some(prior)) }, make, |e| {
                error_at(ctx, e)
            })?;
        }
        if !dry_run {
            self.keep_across_reloads(h, ctx)?;
        }
        self.weights(h, ctx)
    }

    /// Writes the server-state file, or says once that a reload forgets.
    fn keep_across_reloads(&self, h: &Host, ctx: &NativeCallContext) -> Result<()> {
        match &self.state_file {
            Some(path) => {
                let state = h
                    .block_on(dump_state(&self.address))
                    .map_err(|_| cancelled_at(ctx))?
                    .map_err(|e| error_at(ctx, e))?;
                std::fs::write(path, state).map_err(|e| {
                    error_at(ctx, format!("the weights are set, but the server-state file {} cannot be written: {e}; a reload would lose them", path.display()))
                })
            }
            None => {
                if !self.warned.swap(true, Ordering::SeqCst) {
                    h.log(
                        Level::Warn,
                        "HAProxy forgets weights and states set at runtime when it reloads; give traffic::haproxy a state_file (haproxy.cfg's server-state-file, with load-server-state-from-file) to keep them",
                        call_site(ctx),
                    );
                }
                Ok(())
            }
        }
    }
}
