//! Pre-checks and service lookups: tools a playbook shells out to, workloads
//! that must be healthy before a change, where a Service answers, and how
//! often a pattern shows up in logs.

use super::convert::to_dynamic;
use super::{workload, K8s, Result};
use crate::drivers::kube::forward::Port;
use crate::drivers::kube::rollout::{hopeless, selector, verdict, Verdict};
use crate::drivers::kube::{logs, objects, services};
use crate::primitives::doc;
use crate::primitives::error::error_at;
use rhai::{Array, Dynamic, Module, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;

/// Whether `tool` is an executable on PATH.
fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let p = dir.join(tool);
            p.metadata().is_ok_and(|m| {
                m.is_file()
                    && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
            })
        })
    })
}

fn strings(ctx: &NativeCallContext, list: &Array, what: &str) -> Result<Vec<String>> {
    list.iter()
        .map(|v| {
            v.clone()
                .into_string()
                .map_err(|t| error_at(ctx, format!("{what} must be strings, got {t}")))
        })
        .collect()
}

pub(super) fn register(module: &mut Module, k8s: &Arc<K8s>) {
    doc(
        "require_tools",
        "Fails unless every named program is on PATH: k8s::require_tools([\"kubectl\", \"helm\"]).",
        &["tools: array", "()"],
    )
    .set_into_module(module, |ctx: NativeCallContext, tools: Array| {
        require_tools(&ctx, &tools)
    });
    let k = k8s.clone();
    doc(
        "require_healthy",
        "Fails unless every named workload (\"web\", \"statefulset/db\") is fully rolled out and available, with no crash-looping pod.",
        &["workloads: array", "()"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, names: Array| {
        require_healthy(&k, &ctx, &names)
    });
    let k = k8s.clone();
    doc(
        "endpoints",
        "A Service's addresses: #{ready: [\"ip:port\"], not_ready: [...]}.",
        &["service: &str", "map"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, service: &str| {
        endpoints(&k, &ctx, service)
    });
    let k = k8s.clone();
    doc(
        "service_url",
        "Where a Service answers on a port: http://ADDRESS:PORT with its LoadBalancer address, else as the run reaches the cluster (reach in orion.toml, --reach): its ClusterIP, or a port-forward through the API server (the default outside the cluster).",
        &["service: &str", "port: i64", "String"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, service: &str, port: i64| {
        service_url(&k, &ctx, service, port)
    });
    let k = k8s.clone();
    doc(
        "count_log_matches",
        "How many log lines of the pods matching a selector contain the pattern, within a window: k8s::count_log_matches(\"app=web\", \"ERROR\", \"5m\").",
        &["selector: &str", "pattern: &str", "since: &str", "i64"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, selector: &str, pattern: &str, since: &str| {
            count_log_matches(&k, &ctx, selector, pattern, since)
        },
    );
}

/// `k8s::require_tools(tools)`.
fn require_tools(ctx: &NativeCallContext, tools: &Array) -> Result<()> {
    let missing: Vec<String> = strings(ctx, tools, "tool names")?
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(error_at(
        ctx,
        format!(
            "not installed (or not on PATH): {}\nhint: install them, or run where they are",
            missing.join(", ")
        ),
    ))
}

/// `k8s::require_healthy(workloads)`: rolled out, available, no pod beyond hope.
fn require_healthy(k: &K8s, ctx: &NativeCallContext, names: &Array) -> Result<()> {
    let cluster = k.cluster(ctx)?;
    let pods_kind = k.kind(ctx, "pods")?;
    let mut problems = vec![];
    for text in strings(ctx, names, "workload names")? {
        let (kind, name) = workload(&text);
        let kind = k.kind(ctx, kind)?;
        let Some(o) = k.run(
            ctx,
            objects::get(&cluster, &kind, cluster.namespace(), name),
        )?
        else {
            problems.push(format!("{text}: not found"));
            continue;
        };
        if let Verdict::Waiting(w) | Verdict::Failed(w) = verdict(&kind.resource.kind, &o) {
            problems.push(format!("{text}: {w}"));
        }
        let pods = k.run(
            ctx,
            objects::list(
                &cluster,
                &pods_kind,
                Some(cluster.namespace()),
                &selector(&o),
            ),
        )?;
        for p in &pods {
            if let Some(why) = hopeless(p, 0) {
                let pod = p["metadata"]["name"].as_str().unwrap_or_default();
                problems.push(format!("{text}: pod {pod}: {why}"));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(error_at(
        ctx,
        format!("not healthy:\n  {}", problems.join("\n  ")),
    ))
}

/// `k8s::endpoints(service)`.
fn endpoints(k: &K8s, ctx: &NativeCallContext, service: &str) -> Result<Dynamic> {
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, "endpoints")?;
    let ep = k
        .run(
            ctx,
            objects::get(&cluster, &kind, cluster.namespace(), service),
        )?
        .unwrap_or(Value::Null);
    let (ready, not_ready) = services::endpoint_addresses(&ep);
    Ok(to_dynamic(&json!({"ready": ready, "not_ready": not_ready})))
}

/// `k8s::service_url(service, port)`.
fn service_url(k: &K8s, ctx: &NativeCallContext, service: &str, port: i64) -> Result<String> {
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, "services")?;
    let svc = k
        .run(
            ctx,
            objects::get(&cluster, &kind, cluster.namespace(), service),
        )?
        .ok_or_else(|| {
            error_at(
                ctx,
                format!(
                    "service \"{service}\" not found in namespace {}",
                    cluster.namespace()
                ),
            )
        })?;
    let url = services::url(service, &svc, port).map_err(|e| error_at(ctx, e))?;
    // A LoadBalancer's address is reached as it is; the others as the run
    // reaches the cluster.
    let balanced = !svc["status"]["loadBalancer"]["ingress"][0].is_null();
    if balanced || !super::forward::forwarding(k, ctx) {
        return Ok(url);
    }
    let port =
        u16::try_from(port).map_err(|_| error_at(ctx, format!("port {port} is not a port")))?;
    super::forward::address(k, ctx, &format!("svc/{service}"), Port::Number(port))
        .map(|a| format!("http://{a}"))
}

/// `k8s::count_log_matches(selector, pattern, since)`.
fn count_log_matches(
    k: &K8s,
    ctx: &NativeCallContext,
    selector: &str,
    pattern: &str,
    since: &str,
) -> Result<i64> {
    let window = crate::duration::parse(since).map_err(|e| error_at(ctx, e))?;
    let cluster = k.cluster(ctx)?;
    let pods_kind = k.kind(ctx, "pods")?;
    let pods = k.run(
        ctx,
        objects::list(&cluster, &pods_kind, Some(cluster.namespace()), selector),
    )?;
    k.run(ctx, logs::count_matches(&cluster, &pods, pattern, window))
}
