//! The `traffic` namespace: routers with one shape — `weights()`,
//! `set_weights(#{v1: 90, v2: 10})`, `switch_to(to)`, `verify(#{entry, ...})` —
//! over a Service selector, a Gateway API HTTPRoute or an ingress-nginx
//! canary Ingress. Every change goes through the k8s mutation path.

pub mod haproxy;
pub mod nginx;
pub mod router;

use crate::drivers::lb::verify::{judge, sample, Identify};
use crate::primitives::doc;
use crate::primitives::error::{call_site, cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::primitives::k8s::K8s;
use crate::report::event::Level;
use rhai::{Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext};
use router::{Router, Target, Weights};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

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

/// `router.verify(opts)`: real requests through `entry`, counted by backend.
fn verify(h: &Host, ctx: &NativeCallContext, r: &Router, opts: &Map) -> Result<Map> {
    let mut entry = None;
    let (mut requests, mut concurrency, mut tolerance) = (200usize, 10usize, 5.0f64);
    let mut identify = Identify::Header("X-Orion-Version".into());
    let mut identities = BTreeMap::new();
    let mut timeout = Duration::from_secs(5);
    let bad = |what: &str| error_at(ctx, format!("verify: {what}"));
    for (key, v) in opts {
        match key.as_str() {
            "entry" => entry = Some(v.to_string()),
            "requests" => requests = v.as_int().ok().filter(|n| *n > 0).ok_or_else(|| bad("requests is a positive whole number"))? as usize,
            "concurrency" => concurrency = v.as_int().ok().filter(|n| *n > 0).ok_or_else(|| bad("concurrency is a positive whole number"))? as usize,
            "tolerance" => tolerance = v.as_float().or_else(|_| v.as_int().map(|i| i as f64)).map_err(|_| bad("tolerance is a number of percentage points"))?,
            "timeout" => timeout = crate::duration::parse(&v.to_string()).map_err(|e| bad(&e))?,
            "identify" => {
                let m = v.read_lock::<Map>().ok_or_else(|| bad("identify is #{header: \"X-Orion-Version\"} or #{json: \"version\"}"))?;
                identify = match (m.get("header"), m.get("json")) {
                    (Some(h), None) => Identify::Header(h.to_string()),
                    (None, Some(j)) => Identify::Json(j.to_string()),
                    _ => return Err(bad("identify is #{header: \"X-Orion-Version\"} or #{json: \"version\"}")),
                };
            }
            "identities" => {
                let m = v.read_lock::<Map>().ok_or_else(|| bad("identities maps each backend to what it answers with: #{blue: \"1.4.2\"}"))?;
                identities = m.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            }
            other => return Err(bad(&format!("no option \"{other}\"\nhint: entry, requests, tolerance, identify, identities, concurrency, timeout"))),
        }
    }
    let entry = entry.ok_or_else(|| bad("say where to send requests: #{entry: \"http://...\"}"))?;
    let want = r.weights(ctx)?;
    let found = h
        .block_on(async { sample(&entry, requests, concurrency, &identify, timeout).await })
        .map_err(|_| cancelled_at(ctx))?
        .map_err(|e| error_at(ctx, e))?;
    let observed = judge(&want, &found, &identities, tolerance)
        .map_err(|e| error_at(ctx, format!("{}: {e}", r.describe())))?;
    let shown = observed
        .iter()
        .map(|(b, p)| format!("{b} {p:.1}%"))
        .collect::<Vec<_>>()
        .join(", ");
    h.log(
        Level::Info,
        format!(
            "verified {}: {shown} over {requests} requests",
            r.describe()
        ),
        call_site(ctx),
    );
    let mut result = Map::new();
    result.insert("requests".into(), Dynamic::from(requests as i64));
    result.insert(
        "observed".into(),
        Dynamic::from_map(
            observed
                .iter()
                .map(|(k, v)| (k.as_str().into(), Dynamic::from(*v)))
                .collect(),
        ),
    );
    Ok(result)
}

fn service_router(
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
        target: Target::Service {
            name: name.into(),
            label,
            backends,
        },
    })
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
    .set_into_module(&mut module, move |ctx: NativeCallContext, name: &str, opts: Map| service_router(&k, &ctx, name, &opts));
    let k = k8s.clone();
    doc(
        "gateway",
        "A router over the backendRef weights of a Gateway API HTTPRoute's first rule.",
        &["route: &str", "Router"],
    )
    .set_into_module(&mut module, move |route: &str| Router {
        k8s: k.clone(),
        target: Target::Gateway {
            route: route.into(),
            rule: 0,
        },
    });
    let k = k8s.clone();
    doc(
        "gateway",
        "As gateway(route), for rule #{rule: N}.",
        &["route: &str", "options: Map", "Router"],
    )
    .set_into_module(
        &mut module,
        move |ctx: NativeCallContext, route: &str, opts: Map| -> Result<Router> {
            let rule = opts
                .get("rule")
                .map_or(Ok(0), |r| r.as_int())
                .map_err(|_| error_at(&ctx, "rule is a whole number"))?;
            Ok(Router {
                k8s: k.clone(),
                target: Target::Gateway {
                    route: route.into(),
                    rule: rule.max(0) as usize,
                },
            })
        },
    );
    let k = k8s.clone();
    doc(
        "ingress_nginx",
        "A router over an ingress-nginx canary Ingress (backends \"stable\" and \"canary\", weights adding up to 100). Legacy: ingress-nginx is retired; prefer traffic::gateway.",
        &["ingress: &str", "Router"],
    )
    .set_into_module(&mut module, move |ingress: &str| Router { k8s: k.clone(), target: Target::IngressNginx { ingress: ingress.into() } });
    let k = k8s.clone();
    doc(
        "haproxy",
        "A router over a HAProxy backend's servers through the runtime API: #{socket: \"/run/haproxy/admin.sock\" | addr: \"127.0.0.1:9999\", backend: \"web\", state_file: \"/var/lib/haproxy/state\"} (state_file keeps runtime weights across reloads).",
        &["options: Map", "Router"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, opts: Map| haproxy_router(k.host(), &k, &ctx, &opts));
    let k = k8s.clone();
    doc(
        "nginx",
        "A router over an nginx upstream orion renders into an include file: #{upstream_file: \"/etc/nginx/conf.d/web-upstream.conf\", upstream: \"web\", servers: #{v1: \"10.0.0.5:8080\", v2: \"10.0.0.6:8080\"}, conf: \"/etc/nginx/nginx.conf\", pid_file: \"/run/nginx.pid\"} (prefix optional). Files outside the playbook's directory need the environment's read_paths / write_paths in orion.toml; nginx itself is orion.toml's [programs] nginx or the one on PATH. Each change is checked with nginx -t (a refusal leaves the old file serving) and reloaded.",
        &["options: Map", "Router"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, opts: Map| nginx_router(k.host(), &k, &ctx, &opts));
    engine.register_static_module("traffic", module.into());

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
        move |ctx: NativeCallContext, r: &mut Router, w: Map, v: Map| -> Result<Map> {
            let want = from_map(&ctx, &w)?;
            let set = r.set_weights(&ctx, &want)?;
            if !h.target.dry_run {
                verify(&h, &ctx, r, &v)?;
            }
            Ok(to_map(&set))
        },
    );
    doc("switch_to", "Sends all traffic to one backend (weight 100, the others 0). (`switch` is a Rhai keyword.)", &["router: &mut Router", "to: &str", "Map"])
        .register_into_engine(engine, |ctx: NativeCallContext, r: &mut Router, to: &str| -> Result<Map> {
            let current = r.weights(&ctx)?;
            if !current.contains_key(to) {
                return Err(error_at(&ctx, format!("no backend \"{to}\" here\nhint: the backends are {}", current.keys().cloned().collect::<Vec<_>>().join(", "))));
            }
            let want: Weights = current.keys().map(|b| (b.clone(), if b == to { 100 } else { 0 })).collect();
            Ok(to_map(&r.set_weights(&ctx, &want)?))
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
        |ctx: NativeCallContext, r: &mut Router, backend: &str, timeout: &str| -> Result<()> {
            let timeout = crate::duration::parse(timeout).map_err(|e| error_at(&ctx, e))?;
            match &r.target {
                Target::HAProxy(p) => p.wait_drained(r.k8s.host(), &ctx, backend, timeout),
                // drain() rendered the server down and reloaded, returning only
                // once the old workers had finished their requests and exited.
                Target::Nginx(_) => Ok(()),
                _ => Err(error_at(&ctx, format!("{} cannot tell connections in flight; only traffic::haproxy can", r.describe()))),
            }
        },
    );
    let h = host.clone();
    doc(
        "verify",
        "Sends real requests through #{entry: url} (requests: 200, each on a new connection) and counts which backend answered (identify: #{header: \"X-Orion-Version\"} or #{json: \"version\"}; identities: #{blue: \"1.4.2\"} when a backend answers with another name); fails with the observed split when a backend is off by more than tolerance (5) points.",
        &["router: &mut Router", "options: Map", "Map"],
    )
    .register_into_engine(engine, move |ctx: NativeCallContext, r: &mut Router, opts: Map| verify(&h, &ctx, r, &opts));
}

fn haproxy_router(h: &Host, k8s: &Arc<K8s>, ctx: &NativeCallContext, opts: &Map) -> Result<Router> {
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

fn nginx_router(h: &Host, k8s: &Arc<K8s>, ctx: &NativeCallContext, opts: &Map) -> Result<Router> {
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
