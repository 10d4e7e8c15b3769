//! `traffic::nginx(#{upstream_file, upstream, servers, conf, prefix,
//! pid_file})`: a router over an nginx upstream that orion renders
//! into an include file, checks with `nginx -t` and reloads. Each change
//! passes the gate and is journaled with the file's previous content, so a
//! failed run puts it back (and reloads); --dry-run prints the change.

use super::router::Weights;
use crate::drivers::lb::nginx::{parse, put, render, Nginx, Refused, Slot};
use crate::guard;
use crate::guard::compensate::NGINX;
use crate::primitives::door;
use crate::primitives::error::{call_site, error_at, program_refused};
use crate::primitives::host::Host;
use crate::report::event::Level;
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
        let dry_run = h.target.dry_run;
        let change = guard::Change {
            context: "nginx".into(),
            api_version: NGINX.into(),
            kind: "Upstream".into(),
            namespace: self.upstream_file.display().to_string(),
            name: self.upstream.clone(),
            said: format!("nginx upstream {}: {summary}", self.upstream),
            shown: format!(
                "  nginx upstream {} in {}\n  first change: {summary}",
                self.upstream,
                self.upstream_file.display()
            ),
            summary,
            in_cluster: false,
            secret: None,
        };
        let prior = json!({
            "content": before,
            "conf": self.nginx.conf,
            "prefix": self.nginx.prefix,
            "pid_file": self.nginx.pid_file,
        });
        let make = async {
            if dry_run {
                return Ok(None);
            }
            self.install(&text, before.as_deref())
        };
        let passed = door::pass(
            h,
            ctx,
            None,
            change,
            async { Ok(Some(prior)) },
            make,
            |e| match e {
                Install::Write(why) => error_at(ctx, why),
                Install::Refused(refused, then) => program_refused(h, ctx, refused, then),
            },
        )?;
        if dry_run {
            return Ok(effective(&slots));
        }
        if let Some(note) = passed.made {
            h.log(Level::Warn, note, call_site(ctx));
        }
        self.weights(ctx)
    }
}

/// Why an upstream file could not be put in place.
enum Install {
    /// The file could not be written.
    Write(String),
    /// nginx refused it (and what that left: the old file back, or not).
    Refused(Refused, &'static str),
}

impl NginxRouter {
    /// Writes `text`, has nginx check it (putting `before` back if it
    /// refuses) and reload; a note when the reload cannot be confirmed.
    fn install(
        &self,
        text: &str,
        before: Option<&str>,
    ) -> std::result::Result<Option<String>, Install> {
        put(&self.upstream_file, Some(text)).map_err(Install::Write)?;
        if let Err(refused) = self.nginx.test() {
            let then = match put(&self.upstream_file, before) {
                Ok(()) => {
                    "so nginx keeps serving its current configuration (the file is back as it was)"
                }
                Err(_) => "and the old file could not be put back",
            };
            return Err(Install::Refused(refused, then));
        }
        self.nginx
            .reload()
            .map_err(|refused| Install::Refused(refused, ""))
    }
}

/// Effective weights by server.
fn effective(slots: &BTreeMap<String, Slot>) -> Weights {
    slots
        .iter()
        .map(|(k, s)| (k.clone(), s.effective()))
        .collect()
}
