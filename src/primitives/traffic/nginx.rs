//! `traffic::nginx(#{upstream_file, upstream, servers, conf, prefix,
//! pid_file, binary})`: a router over an nginx upstream that orion renders
//! into an include file, checks with `nginx -t` and reloads. Each change
//! passes the gate and is journaled with the file's previous content, so a
//! failed run puts it back (and reloads); --dry-run prints the change.

use super::router::Weights;
use crate::guard::compensate::NGINX;
use crate::guard::journal::Entry;
use crate::guard::Refusal;
use crate::primitives::error::{call_site, error_at, refused_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use crate::traffic::nginx::{parse, put, render, Nginx};
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

    pub fn weights(&self, ctx: &NativeCallContext) -> Result<Weights> {
        let text = self.current().ok_or_else(|| {
            error_at(ctx, format!("no upstream file at {} yet\nhint: set_weights writes it (and nginx.conf must include it)", self.upstream_file.display()))
        })?;
        let found = parse(&text);
        Ok(self
            .servers
            .keys()
            .map(|s| (s.clone(), found.get(s).copied().unwrap_or(0)))
            .collect())
    }

    pub fn set(&self, h: &Host, ctx: &NativeCallContext, want: &Weights) -> Result<Weights> {
        if let Some(unknown) = want.keys().find(|b| !self.servers.contains_key(*b)) {
            return Err(error_at(
                ctx,
                format!(
                    "no server \"{unknown}\" in this router\nhint: its servers are {}",
                    self.servers.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if let Some((b, w)) = want.iter().find(|(_, w)| **w < 0) {
            return Err(error_at(
                ctx,
                format!("backend {b} has a negative weight ({w})"),
            ));
        }
        let before = self.current();
        let mut weights: Weights = before.as_deref().map(parse).unwrap_or_default();
        weights.retain(|k, _| self.servers.contains_key(k));
        weights.extend(want.clone());
        if weights.values().all(|w| *w == 0) {
            return Err(error_at(
                ctx,
                "every server would be down: nginx would send nothing anywhere",
            ));
        }
        let text = render(&self.upstream, &self.servers, &weights);
        if before.as_deref() == Some(text.as_str()) {
            return self.weights(ctx);
        }
        let gate = h.gate();
        match gate.check_external() {
            Ok(()) => {}
            Err(Refusal::Refused(why)) => return Err(refused_at(ctx, &why)),
            Err(Refusal::Failed(e)) => return Err(error_at(ctx, e.message)),
        }
        let shown = weights
            .iter()
            .map(|(b, w)| format!("{b}={w}"))
            .collect::<Vec<_>>()
            .join(" ");
        let dry_run = h.target.dry_run;
        if !dry_run && gate.needs_approval() {
            let shown = format!(
                "  nginx upstream {} in {}\n  first change: set weights {shown}",
                self.upstream,
                self.upstream_file.display()
            );
            crate::primitives::approve::approve(h, ctx, &shown)?;
        }
        let prefix = if dry_run { "(dry run) " } else { "" };
        h.log(
            Level::Info,
            format!(
                "{prefix}nginx upstream {}: set weights {shown}",
                self.upstream
            ),
            call_site(ctx),
        );
        if dry_run {
            return self.weights(ctx).or_else(|_| Ok(weights));
        }
        if let Some(journal) = &gate.journal {
            let entry = Entry {
                seq: 0,
                at: jiff::Timestamp::now().to_string(),
                run: String::new(),
                environment: gate.name.clone(),
                context: "nginx".into(),
                api_version: NGINX.into(),
                kind: "Upstream".into(),
                namespace: self.upstream_file.display().to_string(),
                name: self.upstream.clone(),
                summary: format!("set weights {shown}"),
                prior: Some(json!({
                    "content": before,
                    "binary": self.nginx.binary,
                    "conf": self.nginx.conf,
                    "prefix": self.nginx.prefix,
                    "pid_file": self.nginx.pid_file,
                })),
                step: h.current_step(),
                approver: gate.approvals().last().map(|a| a.by.clone()),
            };
            journal.append(entry).map_err(|e| {
                error_at(
                    ctx,
                    format!(
                        "cannot write the journal {}: {e}; nothing was changed",
                        journal.path.display()
                    ),
                )
            })?;
        }
        put(&self.upstream_file, Some(&text)).map_err(|e| error_at(ctx, e))?;
        if let Err(why) = self.nginx.test() {
            let restored = put(&self.upstream_file, before.as_deref());
            return Err(error_at(
                ctx,
                format!(
                    "nginx -t refused the new upstream, so nginx keeps serving its current configuration{}:\n{why}",
                    if restored.is_ok() { " (the file is back as it was)" } else { "; and the old file could not be put back" }
                ),
            ));
        }
        match self.nginx.reload() {
            Ok(None) => {}
            Ok(Some(note)) => h.log(Level::Warn, note, call_site(ctx)),
            Err(e) => return Err(error_at(ctx, e)),
        }
        self.weights(ctx)
    }
}
