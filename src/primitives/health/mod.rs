//! The `health` namespace: `health::http`, `tcp`, `postgres`, `redis`, `dns`
//! (one check, retried as asked; returns what it found or throws what was
//! expected and what came back), `health::all` (many at once) and
//! `health::wait_healthy` (one, until it passes).

pub mod options;

use crate::drivers::probe::run::{all, run, until_healthy};
use crate::drivers::probe::{Check, Failed, Passed};
use crate::primitives::doc;
use crate::primitives::error::{call_site, cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::report::event::{Event, Level};
use rhai::{Array, Dynamic, EvalAltResult, Map, Module, NativeCallContext};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

fn passed(check: &Check, p: &Passed) -> Dynamic {
    let mut v = serde_json::Map::new();
    v.insert("name".into(), json!(check.name));
    v.insert("kind".into(), json!(check.probe.kind()));
    v.insert("ok".into(), json!(true));
    v.insert("latency_ms".into(), json!(p.latency.as_secs_f64() * 1e3));
    v.insert("attempts".into(), json!(p.attempts));
    v.extend(p.found.clone());
    crate::primitives::k8s::convert::to_dynamic(&serde_json::Value::Object(v))
}

fn failed(check: &Check, f: &Failed) -> Dynamic {
    crate::primitives::k8s::convert::to_dynamic(&json!({
        "name": check.name,
        "kind": check.probe.kind(),
        "ok": false,
        "error": f.message,
        "attempts": f.attempts,
    }))
}

fn one(h: &Host, ctx: &NativeCallContext, check: Check) -> Result<Dynamic> {
    let outcome = h
        .block_on(async { run(&check).await })
        .map_err(|_| cancelled_at(ctx))?;
    match outcome {
        Ok(p) => {
            h.log(
                Level::Info,
                format!(
                    "healthy: {} in {}{}",
                    check.name,
                    crate::duration::format(p.latency),
                    if p.attempts > 1 {
                        format!(" (attempt {})", p.attempts)
                    } else {
                        String::new()
                    }
                ),
                call_site(ctx),
            );
            Ok(passed(&check, &p))
        }
        Err(f) => Err(error_at(ctx, f.message)),
    }
}

fn register_kind(
    module: &mut Module,
    host: &Arc<Host>,
    kind: &'static str,
    what: &str,
    example: &str,
) {
    let h = host.clone();
    doc(kind, &format!("Checks {what}: {example}. Returns #{{ok, latency_ms, attempts, ...}} or throws what was expected and what came back."), &["target: &str", "map"])
        .set_into_module(module, move |ctx: NativeCallContext, target: &str| -> Result<Dynamic> {
            let check = options::check(&h, kind, target.to_string(), &Map::new(), &[]).map_err(|e| error_at(&ctx, e))?;
            one(&h, &ctx, check)
        });
    let h = host.clone();
    doc(kind, &format!("As {kind}(target), with options (timeout, retries, interval, backoff, name, and the {kind} ones)."), &["target: &str", "options: Map", "map"])
        .set_into_module(module, move |ctx: NativeCallContext, target: &str, opts: Map| -> Result<Dynamic> {
            let check = options::check(&h, kind, target.to_string(), &opts, &[]).map_err(|e| error_at(&ctx, e))?;
            one(&h, &ctx, check)
        });
}

pub fn register(engine: &mut rhai::Engine, host: &Arc<Host>) {
    let mut module = Module::new();
    register_kind(&mut module, host, "http", "an HTTP endpoint", "health::http(url, #{expect: 200, json: #{status: \"healthy\"}, within: \"500ms\", retries: 3})");
    register_kind(
        &mut module,
        host,
        "tcp",
        "that a TCP port accepts connections",
        "health::tcp(\"db:5432\")",
    );
    register_kind(
        &mut module,
        host,
        "postgres",
        "a PostgreSQL login and query",
        "health::postgres(\"postgres://user:pw@db:5432/shop\", #{query: \"SELECT 1\"})",
    );
    register_kind(
        &mut module,
        host,
        "redis",
        "a Redis server answers PING",
        "health::redis(\"redis://:pw@cache:6379\", #{round_trip: true})",
    );
    register_kind(
        &mut module,
        host,
        "dns",
        "that a name resolves",
        "health::dns(\"auth.shop.svc\")",
    );

    let h = host.clone();
    doc(
        "all",
        "Runs checks concurrently (#{concurrency: 10}); each is a map naming one target (#{http: url, expect: 200}, #{tcp: \"db:5432\"}, ...). Returns every result in order; throws listing the failures unless #{soft: true}.",
        &["checks: Array", "options: Map", "Array"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, checks: Array, opts: Map| -> Result<Array> {
        all_checks(&h, &ctx, checks, opts)
    });
    let h = host.clone();
    doc(
        "all",
        "As all(checks, #{}) with 10 at a time.",
        &["checks: Array", "Array"],
    )
    .set_into_module(
        &mut module,
        move |ctx: NativeCallContext, checks: Array| -> Result<Array> {
            all_checks(&h, &ctx, checks, Map::new())
        },
    );

    let h = host.clone();
    doc(
        "wait_healthy",
        "Runs a check (a map as for all) every interval until it passes or timeout (#{timeout: \"5m\", interval: \"2s\"}); returns its result or throws the last failure.",
        &["check: Map", "options: Map", "map"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, check: Map, opts: Map| -> Result<Dynamic> {
        wait(&h, &ctx, check, opts)
    });
    engine.register_static_module("health", module.into());
}

fn all_checks(h: &Host, ctx: &NativeCallContext, checks: Array, opts: Map) -> Result<Array> {
    for key in opts.keys() {
        if !matches!(key.as_str(), "concurrency" | "soft") {
            return Err(error_at(
                ctx,
                format!(
                    "health::all has no option \"{key}\"\nhint: #{{concurrency: 10, soft: false}}"
                ),
            ));
        }
    }
    let concurrency = opts
        .get("concurrency")
        .map_or(Ok(10), |c| c.as_int())
        .map_err(|_| error_at(ctx, "concurrency is a whole number"))?;
    if concurrency < 1 {
        return Err(error_at(ctx, "concurrency is at least 1"));
    }
    let soft = opts
        .get("soft")
        .and_then(|s| s.as_bool().ok())
        .unwrap_or(false);
    let mut parsed = Vec::with_capacity(checks.len());
    for (i, c) in checks.iter().enumerate() {
        let map = c.read_lock::<Map>().ok_or_else(|| {
            error_at(
                ctx,
                format!("check {i} is not a map: #{{http: url}}, #{{tcp: \"host:port\"}}, ..."),
            )
        })?;
        parsed.push(
            options::from_map(h, &map).map_err(|e| error_at(ctx, format!("check {i}: {e}")))?,
        );
    }
    let started = Instant::now();
    let results = h
        .block_on(async { all(&parsed, concurrency as usize).await })
        .map_err(|_| cancelled_at(ctx))?;
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|f| f.message.clone()))
        .collect();
    h.log(
        if failures.is_empty() {
            Level::Info
        } else {
            Level::Warn
        },
        format!(
            "{} of {} checks healthy in {} ({} at a time)",
            results.len() - failures.len(),
            results.len(),
            crate::duration::format(started.elapsed()),
            concurrency
        ),
        call_site(ctx),
    );
    if !failures.is_empty() && !soft {
        return Err(error_at(
            ctx,
            format!(
                "{} of {} checks failed:\n  {}",
                failures.len(),
                results.len(),
                failures.join("\n  ")
            ),
        ));
    }
    Ok(parsed
        .iter()
        .zip(&results)
        .map(|(c, r)| match r {
            Ok(p) => passed(c, p),
            Err(f) => failed(c, f),
        })
        .collect())
}

fn wait(h: &Host, ctx: &NativeCallContext, check: Map, opts: Map) -> Result<Dynamic> {
    let check = options::from_map(h, &check).map_err(|e| error_at(ctx, e))?;
    let mut timeout = std::time::Duration::from_secs(300);
    let mut interval = std::time::Duration::from_secs(2);
    for (key, value) in &opts {
        let slot = match key.as_str() {
            "timeout" => &mut timeout,
            "interval" => &mut interval,
            other => return Err(error_at(ctx, format!("wait_healthy has no option \"{other}\"\nhint: #{{timeout: \"5m\", interval: \"2s\"}}"))),
        };
        let text = value
            .clone()
            .into_string()
            .map_err(|_| error_at(ctx, format!("{key} is a duration like \"30s\"")))?;
        *slot = crate::duration::parse(&text).map_err(|e| error_at(ctx, e))?;
    }
    h.log(
        Level::Info,
        format!(
            "waiting up to {} for {} to be healthy",
            crate::duration::format(timeout),
            check.name
        ),
        call_site(ctx),
    );
    let id = format!("health {}", check.name);
    let outcome = h
        .block_on(async {
            until_healthy(&check, timeout, interval, |tries, last| {
                h.emit(Event::Progress {
                    id: id.clone(),
                    done: 0,
                    total: 1,
                    message: format!("try {tries}: {}", last.message),
                    finished: false,
                });
            })
            .await
        })
        .map_err(|_| cancelled_at(ctx))?;
    h.emit(Event::Progress {
        id,
        done: 1,
        total: 1,
        message: String::new(),
        finished: true,
    });
    match outcome {
        Ok(p) => Ok(passed(&check, &p)),
        Err(f) => Err(error_at(ctx, f.message)),
    }
}
