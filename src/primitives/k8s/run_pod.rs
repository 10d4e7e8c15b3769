//! `k8s::run_pod`: a one-off pod (a migration, a smoke test), its exit code
//! and log; the pod is deleted afterwards whatever happened, Ctrl-C included.

use super::convert::{opt_str, to_dynamic};
use super::mutate::{mutate, mutate_finally, Mutation};
use super::{K8s, Result};
use crate::drivers::kube::objects::Change;
use crate::drivers::kube::run_pod::{spec, wait_finished};
use crate::primitives::doc;
use crate::primitives::error::error_at;
use rhai::{Array, Dynamic, Map, Module, NativeCallContext};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn run_pod(
    k: &K8s,
    ctx: &NativeCallContext,
    image: &str,
    command: &Array,
    opts: &Map,
) -> Result<Dynamic> {
    let command: Vec<String> = command
        .iter()
        .map(|v| {
            v.clone()
                .into_string()
                .map_err(|t| error_at(ctx, format!("the command's words must be strings, got {t}")))
        })
        .collect::<Result<_>>()?;
    let timeout = match opt_str(opts, "timeout") {
        Some(t) => crate::duration::parse(&t).map_err(|e| error_at(ctx, e))?,
        None => Duration::from_secs(300),
    };
    let suffix: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(6)
        .collect();
    let name = format!("orion-run-{suffix}");
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, "pods")?;
    let ns = cluster.info.namespace.clone();
    let pod = spec(&name, image, &command);
    mutate(
        k,
        ctx,
        Mutation {
            kind: &kind,
            namespace: &ns,
            name: &name,
            change: Change::Create(pod),
            summary: format!("run {image} {}", command.join(" ")),
        },
    )?;
    if k.host.target.dry_run {
        return Ok(to_dynamic(&json!({"name": name, "dry_run": true})));
    }
    let started = std::time::Instant::now();
    let outcome = k.run(ctx, wait_finished(&cluster, &ns, &name, timeout));
    let cleanup = mutate_finally(
        k,
        ctx,
        Mutation {
            kind: &kind,
            namespace: &ns,
            name: &name,
            change: Change::Delete,
            summary: "delete the finished one-off pod".into(),
        },
    );
    let done = outcome.map_err(|e| {
        if matches!(*e, rhai::EvalAltResult::ErrorTerminated(..)) {
            return e; // Ctrl-C: the pod is gone, the run stops as cancelled
        }
        let also = if cleanup.is_err() {
            "; deleting it failed too, delete it by hand"
        } else {
            "; it was deleted"
        };
        error_at(
            ctx,
            format!("{}{also}", crate::primitives::error::message(&e)),
        )
    })?;
    cleanup?;
    Ok(to_dynamic(&json!({
        "name": name,
        "phase": done.phase,
        "exit_code": done.exit_code,
        "logs": done.logs,
        "seconds": started.elapsed().as_secs_f64(),
    })))
}

pub(super) fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "run_pod",
        "Runs a one-off pod to the end and deletes it: #{name, phase, exit_code, logs, seconds}; options #{timeout: \"5m\"}.",
        &["image: &str", "command: array", "options: map", "map"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, image: &str, command: Array, opts: Map| {
        run_pod(&k, &ctx, image, &command, &opts)
    });
    let k = k8s.clone();
    doc(
        "run_pod",
        "Runs a one-off pod to the end (at most 5 minutes) and deletes it.",
        &["image: &str", "command: array", "map"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, image: &str, command: Array| {
            run_pod(&k, &ctx, image, &command, &Map::new())
        },
    );
}
