//! `k8s::forward(target, port)`: a local address whose connections reach
//! a ready pod of the target through the API server, kept open until the
//! run (or REPL session) ends.

use super::{K8s, Result};
use crate::drivers::kube::forward::{Port, Target};
use crate::drivers::kube::{objects, reach};
use crate::primitives::doc;
use crate::primitives::error::call_site;
use crate::primitives::error::error_at;
use crate::report::event::Level;
use rhai::{Dynamic, Module, NativeCallContext};
use std::sync::Arc;

/// The port a script gave: a number (1-65535) or a port's name.
fn port(ctx: &NativeCallContext, value: &Dynamic) -> Result<Port> {
    if let Ok(n) = value.as_int() {
        return u16::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .map(Port::Number)
            .ok_or_else(|| error_at(ctx, format!("port {n} is not a port (1-65535)")));
    }
    match value.clone().into_string() {
        Ok(name) if !name.is_empty() => Ok(Port::Name(name)),
        _ => Err(error_at(
            ctx,
            format!(
                "a port is a number or a port's name, not {}",
                value.type_name()
            ),
        )),
    }
}

/// "127.0.0.1:N" reaching `port` of `target` in the run's namespace.
pub(super) fn address(
    k: &K8s,
    ctx: &NativeCallContext,
    target: &str,
    port: Port,
) -> Result<String> {
    let target = Target::parse(target).map_err(|e| error_at(ctx, e))?;
    let cluster = k.cluster(ctx)?;
    let stop = k.host.io.cancel.token();
    let forwards = &k.host.forwards;
    let local = k.run(
        ctx,
        forwards.address(&cluster, cluster.namespace(), target, port, stop),
    )?;
    Ok(local.to_string())
}

/// Whether this run reaches the cluster's addresses through forwards
/// (`--reach`, else the environment's `reach`); said once in the log.
pub(super) fn forwarding(k: &K8s, ctx: &NativeCallContext) -> bool {
    let reach = k
        .host
        .target
        .reach
        .unwrap_or_else(|| k.host.gate().environment.reach);
    if !k
        .said_reach
        .swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        k.host.log(Level::Info, reach::said(reach), call_site(ctx));
    }
    reach::forwards(reach)
}

/// `k8s::pod_url(pod, port)`: "http://ADDRESS:PORT" of one pod, as the run
/// reaches the cluster (its IP directly, or a forward).
fn pod_url(k: &K8s, ctx: &NativeCallContext, pod: &str, port: Port) -> Result<String> {
    if forwarding(k, ctx) {
        return address(k, ctx, &format!("pod/{pod}"), port).map(|a| format!("http://{a}"));
    }
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, "pods")?;
    let found = k.run(ctx, objects::get(&cluster, &kind, cluster.namespace(), pod))?;
    let Some(found) = found else {
        return Err(error_at(
            ctx,
            format!(
                "pod \"{pod}\" not found in namespace {}",
                cluster.namespace()
            ),
        ));
    };
    let Some(ip) = found["status"]["podIP"].as_str() else {
        return Err(error_at(
            ctx,
            format!("pod {pod} has no IP yet\nhint: k8s::pods() shows its phase"),
        ));
    };
    let number = match &port {
        Port::Number(n) => *n,
        Port::Name(name) => found["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
            .find(|p| p["name"].as_str() == Some(name))
            .and_then(|p| p["containerPort"].as_u64())
            .map(|n| n as u16)
            .ok_or_else(|| error_at(ctx, format!("pod {pod} has no port named {name}")))?,
    };
    Ok(format!("http://{ip}:{number}"))
}

pub(super) fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "forward",
        "Forwards a local port to a ready pod of a Service, Deployment or pod through the API server, as kubectl port-forward does: k8s::forward(\"svc/gateway\", 8080) → \"127.0.0.1:N\". A bare name is a Service; the port is a number or a port's name. Open until the run ends; each new connection goes to a ready pod.",
        &["target: &str", "port: int | &str", "String"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, target: &str, p: Dynamic| {
        let p = port(&ctx, &p)?;
        address(&k, &ctx, target, p)
    });
    let k = k8s.clone();
    doc(
        "pod_url",
        "\"http://ADDRESS:PORT\" of one pod, as the run reaches the cluster (reach in orion.toml, --reach): its IP directly, or a port-forward through the API server. The port is a number or a port's name.",
        &["pod: &str", "port: int | &str", "String"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, pod: &str, p: Dynamic| {
        let p = port(&ctx, &p)?;
        pod_url(&k, &ctx, pod, p)
    });
}
