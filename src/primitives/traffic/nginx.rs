//! `traffic::nginx(#{upstream_file, upstream, servers, conf, prefix,
//! pid_file})`: a router over an nginx upstream that orion renders
//! into an include file, checks with `nginx -t` and reloads. Each change
//! passes the gate and is journaled with the file's previous content, so a
//! failed run puts it back (and reloads); --dry-run prints the change.

use super::external;
use super::router::Weights;
use crate::guard::compensate::NGINX;
use crate::primitives::error::{call_site, error_at, program_refused};
use crate::primitives::host::Host;
use crate::report::event::Level;
use crate::traffic::nginx::{parse, put, render, Nginx, Slot};
use rhai::{EvalAltResult, NativeCallContext};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

#[derive(Debug, Clone)]
pub struct NginxRouter {
    pub nginx: Nginx,
    pub upstream_file: PathBuf,
    pub upstream: String,
    /// Backend name → address ("127.0.0.1:8081").
    pub servers: BTreeMap<String, String>,
}

impl NginxRouter {
    fn current(&self) -> Option<String> {
        std::fs::read_to_string(&self.upstream_file).ok()
    }

    /// The effective weights (0 when down), read from the file.
    pub fn weights(&self, ctx: &NativeCallContext) -> Result<Weights> {
        let text = self.current().ok_or_else(|| {
            error_at(ctx, format!("no upstream file at {} yet\nhint: set_weights writes it (and nginx.conf must include it)", self.upstream_file.display()))
        })?;
        Ok(effective(&self.slots(Some(&text))))
    }

    /// Every server's slot in `text` (a server not in it is down).
    fn slots(&self, text: Option<&str>) -> BTreeMap<String, Slot> {
        let found = text.map(parse).unwrap_or_default();
        self.servers
            .keys()
            .map(|s| {
                (
                    s.clone(),
                    found.get(s).copied().unwrap_or(Slot {
                        weight: 1,
                        down: true,
                    }),
                )
            })
            .collect()
    }

    fn known(&self, ctx: &NativeCallContext, name: &str) -> Result<()> {
        if self.servers.contains_key(name) {
            return Ok(());
        }
        Err(error_at(
            ctx,
            format!(
                "no server \"{name}\" in this router\nhint: its servers are {}",
                self.servers.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ))
    }

    /// Sets weights; 0 takes a server out (`down`), keeping its weight for `enable`.
    pub fn set(&self, h: &Host, ctx: &NativeCallContext, want: &Weights) -> Result<Weights> {
        for (b, w) in want {
            self.known(ctx, b)?;
            if *w < 0 {
                return Err(error_at(
                    ctx,
                    format!("backend {b} has a negative weight ({w})"),
                ));
            }
        }
        let before = self.current();
        let mut slots = self.slots(before.as_deref());
        for (b, w) in want {
            let slot = slots.get_mut(b).expect("checked above");
            if *w == 0 {
                slot.down = true;
            } else {
                *slot = Slot {
                    weight: *w,
                    down: false,
                };
            }
        }
        let shown = want
            .iter()
            .map(|(b, w)| format!("{b}={w}"))
            .collect::<Vec<_>>()
            .join(" ");
        self.write(h, ctx, before, slots, format!("set weights {shown}"))
    }

    /// Takes a server out of rotation ("drain", "maint": `down`; nginx lets
    /// its requests in flight finish) or puts it back ("ready").
    pub fn set_state(
        &self,
        h: &Host,
        ctx: &NativeCallContext,
        server: &str,
        state: &str,
    ) -> Result<Weights> {
        self.known(ctx, server)?;
        let before = self.current();
        let mut slots = self.slots(before.as_deref());
        let down = state != "ready";
        slots.get_mut(server).expect("checked above").down = down;
        self.write(
            h,
            ctx,
            before,
            slots,
            format!("set {server} {}", if down { "down" } else { "up" }),
        )
    }

    /// Renders `slots`, and (unless nothing changes) gates, journals,
    /// writes, checks with nginx -t and reloads.
    fn write(
        &self,
        h: &Host,
        ctx: &NativeCallContext,
        before: Option<String>,
        slots: BTreeMap<String, Slot>,
        summary: String,
    ) -> Result<Weights> {
        if slots.values().all(|s| s.effective() == 0) {
            return Err(error_at(
                ctx,
                "every server would be down: nginx would send nothing anywhere",
            ));
        }
        let text = render(&self.upstream, &self.servers, &slots);
        if before.as_deref() == Some(text.as_str()) {
            return self.weights(ctx);
        }
        external::admit(h, ctx, || {
            format!(
                "  nginx upstream {} in {}\n  first change: {summary}",
                self.upstream,
                self.upstream_file.display()
            )
        })?;
        let dry_run = h.target.dry_run;
        let prefix = if dry_run { "(dry run) " } else { "" };
        h.log(
            Level::Info,
            format!("{prefix}nginx upstream {}: {summary}", self.upstream),
            call_site(ctx),
        );
        if dry_run {
            return Ok(effective(&slots));
        }
        external::journal(
            h,
            ctx,
            external::Record {
                context: "nginx",
                api_version: NGINX,
                kind: "Upstream",
                namespace: self.upstream_file.display().to_string(),
                name: self.upstream.clone(),
                summary: summary.clone(),
                prior: json!({
                    "content": before,
                    "conf": self.nginx.conf,
                    "prefix": self.nginx.prefix,
                    "pid_file": self.nginx.pid_file,
                }),
            },
        )?;
        put(&self.upstream_file, Some(&text)).map_err(|e| error_at(ctx, e))?;
        if let Err(refused) = self.nginx.test() {
            let restored = put(&self.upstream_file, before.as_deref());
            return Err(program_refused(
                h,
                ctx,
                refused,
                if restored.is_ok() {
                    "so nginx keeps serving its current configuration (the file is back as it was)"
                } else {
                    "and the old file could not be put back"
                },
            ));
        }
        match self.nginx.reload() {
            Ok(None) => {}
            Ok(Some(note)) => h.log(Level::Warn, note, call_site(ctx)),
            Err(refused) => return Err(program_refused(h, ctx, refused, "")),
        }
        self.weights(ctx)
    }
}

/// Effective weights by server.
fn effective(slots: &BTreeMap<String, Slot>) -> Weights {
    slots
        .iter()
        .map(|(k, s)| (k.clone(), s.effective()))
        .collect()
}
