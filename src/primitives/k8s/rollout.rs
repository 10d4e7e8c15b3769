//! `k8s::wait_rollout`: until a Deployment, StatefulSet or DaemonSet has
//! rolled out, or failed with the pods' story told.

use super::convert::{opt_int, opt_str, to_dynamic};
use super::{workload, K8s, Result};
use crate::drivers::kube::rollout::{self, Options};
use crate::primitives::doc;
use crate::primitives::error::{call_site, error_at};
use crate::report::event::{Event, Level};
use rhai::{Array, Dynamic, Map, Module, NativeCallContext};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

/// Reports a rollout's progress: updated of desired, and what it waits for.
fn progress(
    host: &crate::primitives::host::Host,
    label: &str,
    p: &rollout::Progress,
    what: &str,
    finished: bool,
) {
    host.emit(Event::Progress {
        id: label.to_string(),
        done: p.updated.max(0) as u64,
        total: p.desired.max(0) as u64,
        message: if finished {
            String::new()
        } else {
            format!("{what} (ready {}, available {})", p.ready, p.available)
        },
        finished,
    });
}

/// In a dry run, a workload that exists only in it is not waited for: says
/// what a real run would wait for, and gives what wait_rollout returns
/// with `dry_run: true`.
fn only_in_dry_run(
    k: &K8s,
    ctx: &NativeCallContext,
    kind: &crate::drivers::kube::kinds::Kind,
    namespace: &str,
    name: &str,
) -> Option<Dynamic> {
    let h = &k.host;
    if !h.target.dry_run || !h.gate().dry_made.has(&kind.resource.kind, namespace, name) {
        return None;
    }
    let label = format!("{}/{name}", kind.resource.kind.to_ascii_lowercase());
    h.log(
        Level::Info,
        format!("(dry run) would wait for {label} to roll out: it exists only in this dry run"),
        call_site(ctx),
    );
    Some(to_dynamic(&json!({
        "name": name,
        "kind": kind.resource.kind,
        "dry_run": true,
    })))
}

fn wait(k: &K8s, ctx: &NativeCallContext, target: &str, opts: &Map) -> Result<Dynamic> {
    let options = options(ctx, opts)?;
    let (kind, name) = workload(target);
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, kind)?;
    if let Some(skipped) = only_in_dry_run(k, ctx, &kind, cluster.namespace(), name) {
        return Ok(skipped);
    }
    let started = Instant::now();
    let host = k.host.clone();
    let label = format!("{}/{name}", kind.resource.kind.to_ascii_lowercase());
    let report = |p: &rollout::Progress, what: &str| progress(&host, &label, p, what, false);
    let outcome = k.run(
        ctx,
        rollout::wait(&cluster, &kind, cluster.namespace(), name, &options, report),
    );
    progress(&k.host, &label, &Default::default(), "", true);
    let p = outcome?;
    k.host.log(
        Level::Info,
        format!(
            "{label} rolled out in {:.1}s",
            started.elapsed().as_secs_f64()
        ),
        call_site(ctx),
    );
    Ok(to_dynamic(&json!({
        "name": name,
        "kind": kind.resource.kind,
        "desired": p.desired,
        "updated": p.updated,
        "ready": p.ready,
        "available": p.available,
        "seconds": started.elapsed().as_secs_f64(),
    })))
}

/// Several rollouts at once; the first failure ends the wait and is reported.
fn wait_all(k: &K8s, ctx: &NativeCallContext, targets: &Array, opts: &Map) -> Result<Array> {
    let options = options(ctx, opts)?;
    let cluster = k.cluster(ctx)?;
    let mut jobs = vec![];
    let mut skipped = vec![];
    for t in targets {
        let text = t
            .clone()
            .into_string()
            .map_err(|t| error_at(ctx, format!("workload names must be strings, got {t}")))?;
        let (kind, name) = workload(&text);
        let kind = k.kind(ctx, kind)?;
        match only_in_dry_run(k, ctx, &kind, cluster.namespace(), name) {
            Some(s) => skipped.push(s),
            None => jobs.push((kind, name.to_string())),
        }
    }
    let host = k.host.clone();
    let started = Instant::now();
    let waits = jobs.iter().map(|(kind, name)| {
        let label = format!("{}/{name}", kind.resource.kind.to_ascii_lowercase());
        let host = host.clone();
        let report =
            move |p: &rollout::Progress, what: &str| progress(&host, &label, p, what, false);
        rollout::wait(&cluster, kind, cluster.namespace(), name, &options, report)
    });
    let outcome = k.run(ctx, futures::future::try_join_all(waits));
    for (kind, name) in &jobs {
        let label = format!("{}/{name}", kind.resource.kind.to_ascii_lowercase());
        progress(&k.host, &label, &Default::default(), "", true);
    }
    let done = outcome?;
    Ok(jobs
        .iter()
        .zip(done)
        .map(|((kind, name), p)| {
            to_dynamic(&json!({
                "name": name, "kind": kind.resource.kind, "desired": p.desired, "updated": p.updated,
                "ready": p.ready, "available": p.available, "seconds": started.elapsed().as_secs_f64(),
            }))
        })
        .chain(skipped)
        .collect())
}

fn options(ctx: &NativeCallContext, opts: &Map) -> Result<Options> {
    let mut options = Options::default();
    if let Some(t) = opt_str(opts, "timeout") {
        options.timeout = crate::duration::parse(&t).map_err(|e| error_at(ctx, e))?;
    }
    if let Some(n) = opt_int(opts, "max_restarts") {
        options.max_restarts = n;
    }
    Ok(options)
}

pub(super) fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "wait_all",
        "Waits for several rollouts at once ([\"web\", \"statefulset/db\"]), with wait_rollout's options; fails on the first failure.",
        &["workloads: array", "options: map", "array"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, targets: Array, opts: Map| wait_all(&k, &ctx, &targets, &opts));

    let k = k8s.clone();
    doc(
        "wait_rollout",
        "Waits until a workload (\"web\", \"statefulset/db\") has rolled out; fails early on crash loops, image pull errors or a progress deadline, naming the pods and why.",
        &["workload: &str", "map"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, target: &str| wait(&k, &ctx, target, &Map::new()));
    let k = k8s.clone();
    doc(
        "wait_rollout",
        "As wait_rollout(workload), with #{timeout: \"5m\", max_restarts: 2}.",
        &["workload: &str", "options: map", "map"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, target: &str, opts: Map| wait(&k, &ctx, target, &opts),
    );
}
