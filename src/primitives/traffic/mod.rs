//! The `traffic` namespace: routers with one shape — `weights()`,
//! `set_weights(#{v1: 90, v2: 10})`, `switch_to(to)`, `verify(#{entry, ...})` —
//! over a Service selector, a Gateway API HTTPRoute or an ingress-nginx
//! canary Ingress, a HAProxy backend, an nginx upstream or an AWS ALB's
//! target groups. Every change passes the guard's door, whichever of them
//! it is.

pub mod alb;
mod build;
pub mod haproxy;
pub mod nginx;
pub mod router;
mod service_check;
mod verify;

use crate::drivers::lb::routes::Route;
use crate::primitives::doc;
use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use crate::primitives::k8s::K8s;
use rhai::{Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext};
use router::{Router, Target, Weights};
use std::sync::Arc;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

fn to_map(w: &Weights) -> Map {
    w.iter()
        .map(|(k, v)| (k.as_str().into(), Dynamic::from(*v)))
        .collect()
}

fn from_map(ctx: &NativeCallContext, m: &Map) -> Result<Weights> {
    m.iter()
        .map(|(k, v)| {
            v.as_int()
                .map(|w| (k.to_string(), w))
                .map_err(|_| error_at(ctx, format!("the weight of {k} is a whole number, not {v}")))
        })
        .collect()
}

pub fn register(engine: &mut Engine, host: &Arc<Host>, k8s: &Arc<K8s>) {
    engine.register_type_with_name::<Router>("Router");
    doc(
        "to_string",
        "A router as text: Router(service/web).",
        &["router: &mut Router", "String"],
    )
    .register_into_engine(engine, |r: &mut Router| format!("Router({})", r.describe()));
    let mut module = Module::new();
    let k = k8s.clone();
    doc(
        "service",
        "A blue/green router over a Service's selector: #{label: \"version\", backends: [\"blue\", \"green\"]}; switch_to(to) points the selector at one backend.",
        &["name: &str", "options: Map", "Router"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, name: &str, opts: Map| build::service_router(&k, &ctx, name, &opts));
    let k = k8s.clone();
    doc(
        "gateway",
        "A router over the backendRef weights of a Gateway API HTTPRoute's first rule.",
        &["route: &str", "Router"],
    )
    .set_into_module(&mut module, move |route: &str| Router {
        k8s: k.clone(),
        target: Target::Kube(Route::Gateway {
            route: route.into(),
            rule: 0,
        }),
    });
    let k = k8s.clone();
    doc(
        "gateway",
        "As gateway(route), for rule #{rule: N}.",
        &["route: &str", "options: Map", "Router"],
    )
    .set_into_module(
        &mut module,
        move |ctx: NativeCallContext, route: &str, opts: Map| {
            build::gateway_router(&k, &ctx, route, &opts)
        },
    );
    let k = k8s.clone();
    doc(
        "ingress_nginx",
        "A router over an ingress-nginx canary Ingress (backends \"stable\" and \"canary\", weights adding up to 100). Legacy: ingress-nginx is retired; prefer traffic::gateway.",
        &["ingress: &str", "Router"],
    )
    .set_into_module(&mut module, move |ingress: &str| Router { k8s: k.clone(), target: Target::Kube(Route::IngressNginx { ingress: ingress.into() }) });
    let k = k8s.clone();
    doc(
        "haproxy",
        "A router over a HAProxy backend's servers through the runtime API: #{socket: \"/run/haproxy/admin.sock\" | addr: \"127.0.0.1:9999\", backend: \"web\", state_file: \"/var/lib/haproxy/state\"} (state_file keeps runtime weights across reloads).",
        &["options: Map", "Router"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, opts: Map| build::haproxy_router(k.host(), &k, &ctx, &opts));
    let k = k8s.clone();
    doc(
        "nginx",
        "A router over an nginx upstream orion renders into an include file: #{upstream_file: \"/etc/nginx/conf.d/web-upstream.conf\", upstream: \"web\", servers: #{v1: \"10.0.0.5:8080\", v2: \"10.0.0.6:8080\"}, conf: \"/etc/nginx/nginx.conf\", pid_file: \"/run/nginx.pid\"} (prefix optional). Files outside the playbook's directory need the environment's read_paths / write_paths in orion.toml; nginx itself is orion.toml's [programs] nginx or the one on PATH. Each change is checked with nginx -t (a refusal leaves the old file serving) and reloaded.",
        &["options: Map", "Router"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, opts: Map| build::nginx_router(k.host(), &k, &ctx, &opts));
    let k = k8s.clone();
    doc(
        "alb",
        "A router over the weighted target groups of an AWS application load balancer's forward action: #{listener: \"arn:...:listener/app/web/...\", rule: \"arn:...:listener-rule/...\" (optional: else the listener's default actions), region, profile or credentials: #{access_key_id, secret_access_key, session_token}, endpoint_url}. Backends are target groups by name or ARN; weights 0 to 999; stickiness and the other actions are kept. Credentials come from the environment, a profile or web identity unless given.",
        &["options: Map", "Router"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, opts: Map| build::alb_router(k.host(), &k, &ctx, &opts));
    engine.register_static_module("traffic", module.into());
    register_alb_methods(engine, host);

    doc(
        "weights",
        "The router's weights now, read back from the cluster: #{blue: 100, green: 0}.",
        &["router: &mut Router", "Map"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, r: &mut Router| -> Result<Map> { Ok(to_map(&r.weights(&ctx)?)) },
    );
    doc("set_weights", "Sets backend weights (#{v1: 90, v2: 10}; backends left out keep theirs), through the gate and the journal; returns them as read back.", &["router: &mut Router", "weights: Map", "Map"])
        .register_into_engine(engine, |ctx: NativeCallContext, r: &mut Router, w: Map| -> Result<Map> {
            let want = from_map(&ctx, &w)?;
            Ok(to_map(&r.set_weights(&ctx, &want)?))
        });
    let h = host.clone();
    doc(
        "set_weights",
        "As set_weights(weights), then verify(options) unless it is a dry run.",
        &["router: &mut Router", "weights: Map", "verify: Map", "Map"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, r: &mut Router, w: Map, v: Map| {
            set_weights_and_verify(&h, &ctx, r, &w, &v)
        },
    );
    doc("switch_to", "Sends all traffic to one backend (weight 100, the others 0). (`switch` is a Rhai keyword.)", &["router: &mut Router", "to: &str", "Map"])
        .register_into_engine(engine, |ctx: NativeCallContext, r: &mut Router, to: &str| {
            switch_to(&ctx, r, to)
        });
    for (name, state, what) in [
        (
            "drain",
            "drain",
            "Lets a backend finish its connections and takes no new ones (load balancers).",
        ),
        (
            "disable",
            "maint",
            "Takes a backend out of rotation at once (maintenance; load balancers).",
        ),
        (
            "enable",
            "ready",
            "Puts a drained or disabled backend back in rotation (load balancers).",
        ),
    ] {
        doc(name, what, &["router: &mut Router", "backend: &str", "Map"]).register_into_engine(
            engine,
            move |ctx: NativeCallContext, r: &mut Router, backend: &str| -> Result<Map> {
                Ok(to_map(&r.set_state(&ctx, backend, state)?))
            },
        );
    }
    doc(
        "wait_drained",
        "Waits until a drained backend has no requests in flight, up to a duration: r.wait_drained(\"v1\", \"30s\"). HAProxy: its session count; nginx: at once, since drain's reload already waited for the old workers to finish their requests.",
        &["router: &mut Router", "backend: &str", "timeout: &str", "()"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, r: &mut Router, backend: &str, timeout: &str| {
            wait_drained(&ctx, r, backend, timeout)
        },
    );
    let h = host.clone();
    doc(
        "verify",
        "Sends real requests through #{entry: url} (requests: 200, each on a new connection) and counts which backend answered (identify: #{header: \"X-Orion-Version\"} or #{json: \"version\"}; identities: #{blue: \"1.4.2\"} when a backend answers with another name); fails with the observed split when a backend is off by more than tolerance (5) points. A Service router first checks its endpoints hold only ready pods of the backends asked for, each answering as its backend (its name, or a version its pods run); from outside the cluster, where entry is a port-forward to one pod, that check is the verification (entry is optional; port: which Service port; settle: 10s, how long its endpoints may take to show the split).",
        &["router: &mut Router", "options: Map", "Map"],
    )
    .register_into_engine(engine, move |ctx: NativeCallContext, r: &mut Router, opts: Map| verify::verify(&h, &ctx, r, &opts));
}

/// The methods only an ALB router has: a target group's targets' health.
fn register_alb_methods(engine: &mut Engine, host: &Arc<Host>) {
    fn alb<'r>(ctx: &NativeCallContext, r: &'r Router) -> Result<&'r alb::AlbRouter> {
        match &r.target {
            Target::Alb(a) => Ok(a),
            _ => Err(error_at(
                ctx,
                format!(
                    "{} has no target groups; only traffic::alb has",
                    r.describe()
                ),
            )),
        }
    }
    let h = host.clone();
    doc(
        "target_group",
        "An ALB target group by name or ARN: #{name, arn, weight, dimension, load_balancer}; dimension and load_balancer are the values of CloudWatch's TargetGroup and LoadBalancer dimensions (AWS/ApplicationELB).",
        &["router: &mut Router", "target_group: &str", "Map"],
    )
    .register_into_engine(engine, move |ctx: NativeCallContext, r: &mut Router, tg: &str| {
        alb(&ctx, r)?.target_group(&h, &ctx, tg)
    });
    let h = host.clone();
    doc(
        "health",
        "An ALB target group's registered targets and their health (DescribeTargetHealth): [#{id, port, state, reason, description}].",
        &["router: &mut Router", "target_group: &str", "Array"],
    )
    .register_into_engine(engine, move |ctx: NativeCallContext, r: &mut Router, tg: &str| {
        alb(&ctx, r)?.health(&h, &ctx, tg)
    });
    let h = host.clone();
    doc(
        "wait_healthy",
        "Waits until every registered target of an ALB target group is healthy, up to 5m.",
        &["router: &mut Router", "target_group: &str", "()"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, r: &mut Router, tg: &str| {
            alb(&ctx, r)?.wait_healthy(&h, &ctx, tg, std::time::Duration::from_secs(300))
        },
    );
    let h = host.clone();
    doc(
        "wait_healthy",
        "As wait_healthy(target_group), up to a duration: r.wait_healthy(\"green\", \"10m\").",
        &[
            "router: &mut Router",
            "target_group: &str",
            "timeout: &str",
            "()",
        ],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, r: &mut Router, tg: &str, timeout: &str| {
            let t = crate::duration::parse(timeout).map_err(|e| error_at(&ctx, e))?;
            alb(&ctx, r)?.wait_healthy(&h, &ctx, tg, t)
        },
    );
}

/// `router.set_weights(weights, verify)`: set, then checked by real requests
/// unless it is a dry run.
fn set_weights_and_verify(
    h: &Host,
    ctx: &NativeCallContext,
    r: &mut Router,
    weights: &Map,
    options: &Map,
) -> Result<Map> {
    let want = from_map(ctx, weights)?;
    let set = r.set_weights(ctx, &want)?;
    if !h.target.dry_run {
        verify::verify(h, ctx, r, options)?;
    }
    Ok(to_map(&set))
}

/// `router.switch_to(backend)`: weight 100 to it, 0 to the others.
fn switch_to(ctx: &NativeCallContext, r: &mut Router, to: &str) -> Result<Map> {
    let current = r.weights(ctx)?;
    if !current.contains_key(to) {
        let backends: Vec<String> = current.keys().cloned().collect();
        return Err(error_at(
            ctx,
            format!(
                "no backend \"{to}\" here\nhint: the backends are {}",
                backends.join(", ")
            ),
        ));
    }
    let want: Weights = current
        .keys()
        .map(|b| (b.clone(), if b == to { 100 } else { 0 }))
        .collect();
    Ok(to_map(&r.set_weights(ctx, &want)?))
}

/// `router.wait_drained(backend, timeout)`.
fn wait_drained(
    ctx: &NativeCallContext,
    r: &mut Router,
    backend: &str,
    timeout: &str,
) -> Result<()> {
    let timeout = crate::duration::parse(timeout).map_err(|e| error_at(ctx, e))?;
    match &r.target {
        Target::HAProxy(p) => p.wait_drained(r.k8s.host(), ctx, backend, timeout),
        // drain() rendered the server down and reloaded, returning only
        // once the old workers had finished their requests and exited.
        Target::Nginx(_) => Ok(()),
        _ => Err(error_at(
            ctx,
            format!(
                "{} cannot tell connections in flight; only traffic::haproxy can",
                r.describe()
            ),
        )),
    }
}
