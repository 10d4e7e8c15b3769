//! Routers built from what a playbook writes: a Service's selector, an
//! HTTPRoute's rule, a HAProxy backend, an nginx upstream — every option
//! checked, every path confined by the sandbox, every name that reaches
//! another program's configuration validated.

use super::router::{Router, Target};
use super::{alb, haproxy, nginx};
use crate::drivers::lb::routes::Route;
use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use crate::primitives::k8s::K8s;
use rhai::{EvalAltResult, Map, NativeCallContext};
use std::collections::BTreeMap;
use std::sync::Arc;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// `traffic::gateway(route, #{rule})`.
pub(super) fn gateway_router(
    k8s: &Arc<K8s>,
    ctx: &NativeCallContext,
    route: &str,
    opts: &Map,
) -> Result<Router> {
    let rule = opts
        .get("rule")
        .map_or(Ok(0), |r| r.as_int())
        .map_err(|_| error_at(ctx, "rule is a whole number"))?;
    Ok(Router {
        k8s: k8s.clone(),
        target: Target::Kube(Route::Gateway {
            route: route.into(),
            rule: rule.max(0) as usize,
        }),
    })
}

pub(super) fn service_router(
    k8s: &Arc<K8s>,
    ctx: &NativeCallContext,
    name: &str,
    opts: &Map,
) -> Result<Router> {
    let label = opts
        .get("label")
        .map(|l| l.to_string())
        .unwrap_or_else(|| "version".into());
    let backends: Vec<String> = match opts.get("backends").and_then(|b| b.read_lock::<rhai::Array>().map(|a| a.iter().map(|x| x.to_string()).collect::<Vec<String>>())) {
        Some(b) if !b.is_empty() => b,
        _ => return Err(error_at(ctx, "traffic::service needs its backends: the values of the selector label, e.g. #{label: \"version\", backends: [\"blue\", \"green\"]}")),
    };
    if let Some(k) = opts
        .keys()
        .find(|k| !matches!(k.as_str(), "label" | "backends"))
    {
        return Err(error_at(
            ctx,
            format!("traffic::service has no option \"{k}\"\nhint: label and backends"),
        ));
    }
    Ok(Router {
        k8s: k8s.clone(),
        target: Target::Kube(Route::Service {
            name: name.into(),
            label,
            backends,
        }),
    })
}

pub(super) fn haproxy_router(
    h: &Host,
    k8s: &Arc<K8s>,
    ctx: &NativeCallContext,
    opts: &Map,
) -> Result<Router> {
    use crate::drivers::lb::haproxy::{check_name, Address};
    let text = |key: &str| opts.get(key).map(|v| v.to_string());
    if let Some(k) = opts
        .keys()
        .find(|k| !matches!(k.as_str(), "socket" | "addr" | "backend" | "state_file"))
    {
        return Err(error_at(
            ctx,
            format!(
                "traffic::haproxy has no option \"{k}\"\nhint: socket or addr, backend, state_file"
            ),
        ));
    }
    let address = match (text("socket"), text("addr")) {
        (Some(s), None) => Address::Unix(s.into()),
        (None, Some(a)) => Address::Tcp(a),
        _ => return Err(error_at(ctx, "traffic::haproxy needs the runtime API: #{socket: \"/run/haproxy/admin.sock\"} or #{addr: \"127.0.0.1:9999\"} (one of them)")),
    };
    let backend = text("backend").ok_or_else(|| {
        error_at(
            ctx,
            "traffic::haproxy needs the backend whose servers it weighs: #{backend: \"web\"}",
        )
    })?;
    check_name("backend", &backend).map_err(|e| error_at(ctx, e))?;
    let state_file = text("state_file")
        .map(|f| h.gate().sandbox.writable(&f))
        .transpose()
        .map_err(|e| error_at(ctx, format!("state_file: {e}")))?;
    Ok(Router {
        k8s: k8s.clone(),
        target: Target::HAProxy(haproxy::HAProxy {
            address,
            backend,
            state_file,
            warned: Default::default(),
        }),
    })
}

pub(super) fn nginx_router(
    h: &Host,
    k8s: &Arc<K8s>,
    ctx: &NativeCallContext,
    opts: &Map,
) -> Result<Router> {
    use crate::drivers::lb::nginx::{check_address, check_name, Nginx};
    let known = [
        "upstream_file",
        "upstream",
        "servers",
        "conf",
        "prefix",
        "pid_file",
    ];
    if opts.contains_key("binary") {
        return Err(error_at(
            ctx,
            "traffic::nginx takes no binary: a playbook never names a program to run\nhint: orion runs the nginx of orion.toml's [programs] (nginx = \"/usr/sbin/nginx\"), else the one on PATH",
        ));
    }
    if let Some(k) = opts.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(error_at(
            ctx,
            format!(
                "traffic::nginx has no option \"{k}\"\nhint: {}",
                known.join(", ")
            ),
        ));
    }
    let text = |key: &str| opts.get(key).map(|v| v.to_string());
    let need = |key: &str| {
        text(key).ok_or_else(|| {
            error_at(
                ctx,
                format!(
                    "traffic::nginx needs {key}\nhint: #{{upstream_file, upstream, servers, conf}}"
                ),
            )
        })
    };
    let servers: BTreeMap<String, String> = opts
        .get("servers")
        .and_then(|s| s.read_lock::<Map>().map(|m| m.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()))
        .filter(|m: &BTreeMap<String, String>| !m.is_empty())
        .ok_or_else(|| error_at(ctx, "traffic::nginx needs its servers: #{servers: #{v1: \"10.0.0.5:8080\", v2: \"10.0.0.6:8080\"}}"))?;
    let upstream = need("upstream")?;
    // What is rendered into nginx's configuration is names and addresses only.
    check_name("upstream", &upstream).map_err(|e| error_at(ctx, e))?;
    for (name, address) in &servers {
        check_name("server", name).map_err(|e| error_at(ctx, e))?;
        check_address(name, address).map_err(|e| error_at(ctx, e))?;
    }
    let sandbox = h.gate().sandbox.clone();
    // Absolute, as nginx takes them (relative ones would be its prefix's).
    let read = |key: &str, path: String| {
        sandbox
            .readable(&path)
            .and_then(|p| p.canonicalize().map_err(|e| e.to_string()))
            .map_err(|e| error_at(ctx, format!("{key}: {e}")))
    };
    let conf = read("conf", need("conf")?)?;
    let prefix = text("prefix").map(|p| read("prefix", p)).transpose()?;
    let pid_file = text("pid_file").map(|p| read("pid_file", p)).transpose()?;
    let upstream_file = sandbox
        .writable(&need("upstream_file")?)
        .and_then(|p| std::path::absolute(p).map_err(|e| e.to_string()))
        .map_err(|e| error_at(ctx, format!("upstream_file: {e}")))?;
    Ok(Router {
        k8s: k8s.clone(),
        target: Target::Nginx(nginx::NginxRouter {
            nginx: Nginx {
                binary: sandbox.programs.nginx(),
                conf,
                prefix,
                pid_file,
            },
            upstream_file,
            upstream,
            servers,
        }),
    })
}

/// `traffic::alb(#{listener, rule, region, profile | credentials, endpoint_url})`.
pub(super) fn alb_router(
    h: &Host,
    k8s: &Arc<K8s>,
    ctx: &NativeCallContext,
    opts: &Map,
) -> Result<Router> {
    use crate::drivers::aws::alb::{check_arn, Alb};
    use crate::primitives::aws::{account, ACCOUNT};
    let bad = |e: String| error_at(ctx, e);
    if let Some(k) = opts
        .keys()
        .find(|k| !matches!(k.as_str(), "listener" | "rule") && !ACCOUNT.contains(&k.as_str()))
    {
        return Err(bad(format!(
            "traffic::alb has no option \"{k}\"\nhint: listener, rule, {}",
            ACCOUNT.join(", ")
        )));
    }
    let listener = opts.get("listener").map(|v| v.to_string()).ok_or_else(|| {
        bad("traffic::alb needs the listener's ARN: #{listener: \"arn:aws:elasticloadbalancing:...:listener/app/...\"}".into())
    })?;
    check_arn("listener", &listener).map_err(bad)?;
    let rule = opts.get("rule").map(|v| v.to_string());
    if let Some(r) = &rule {
        check_arn("listener-rule", r).map_err(bad)?;
    }
    let account = account(h, "traffic::alb", opts).map_err(bad)?;
    Ok(Router {
        k8s: k8s.clone(),
        target: Target::Alb(alb::AlbRouter {
            alb: Alb {
                connection: Arc::new(crate::drivers::aws::Connection::new(account)),
                listener,
                rule,
            },
        }),
    })
}
