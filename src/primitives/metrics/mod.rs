//! The `metrics` namespace: `metrics::prometheus(url)` gives a client whose
//! methods read (`query`, `query_range`, `value`) and judge (`assert`,
//! `compare`); `metrics::cloudwatch(#{region, ...})` one whose `value`,
//! `assert` and `compare` take CloudWatch metrics and are judged by the
//! same code (`value.rs`, `assert.rs`, `compare.rs` over a
//! `drivers::metrics::Source`), with `alarm_state`; `metrics::pod_usage`
//! and `metrics::http_value` read infrastructure and business numbers.
//! Every query, value and verdict is emitted as an `Event::Metric`.

mod assert;
pub mod client;
mod cloudwatch;
mod compare;
pub mod metric_map;
pub mod options;
mod sources;
mod value;

pub use client::{client_of, Client};
pub use cloudwatch::{cloudwatch_of, CloudWatchClient};

use crate::drivers::metrics::prometheus::Prometheus;
use crate::drivers::metrics::MetricsError;
use crate::primitives::doc;
use crate::primitives::error::{cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::report::event::Event;
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, Module, NativeCallContext};
use std::future::Future;
use std::sync::Arc;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// Runs a driver call; Ctrl-C interrupts it, its error is positioned at the call.
fn ask<T>(
    h: &Host,
    ctx: &NativeCallContext,
    fut: impl Future<Output = std::result::Result<T, MetricsError>>,
) -> Result<T> {
    match h.block_on(fut) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(error_at(ctx, e.message)),
        Err(_) => Err(cancelled_at(ctx)),
    }
}

/// Emits what was asked of `source` and what came of it.
fn metric(
    h: &Host,
    source: &str,
    query: &str,
    value: Option<f64>,
    verdict: Option<&str>,
    detail: String,
) {
    h.emit(Event::Metric {
        source: source.to_string(),
        query: query.to_string(),
        value,
        verdict: verdict.map(str::to_string),
        detail,
    });
}

fn prometheus(ctx: &NativeCallContext, url: &str, opts: &Map) -> Result<Client> {
    let bad = |e: String| error_at(ctx, e);
    options::only(opts, "prometheus", &["timeout", "headers"]).map_err(bad)?;
    let headers = options::headers(opts).map_err(bad)?;
    let timeout = options::duration(
        opts,
        "timeout",
        crate::drivers::metrics::prometheus::DEFAULT_TIMEOUT,
    )
    .map_err(bad)?;
    Ok(Client(Arc::new(
        Prometheus::new(url)
            .map_err(bad)?
            .with_timeout(timeout)
            .with_headers(headers),
    )))
}

fn register_methods(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    doc("assert", "Throws unless the query's value satisfies `value op threshold` (op: <, <=, >, >=, ==, !=); returns #{value, ok, verdict}.", &["client: &mut Prometheus", "promql: &str", "op: &str", "threshold: float", "map"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut Client, q: &str, op: &str, t: Dynamic| assert::assert(&h, &ctx, &client::source(c, q), op, &t, &Map::new()));
    let h = host.clone();
    doc("assert", "As assert(promql, op, threshold), failing only when breached at every evaluation for a window: #{\"for\": \"1m\", interval: \"5s\", no_data: \"error\"}; passes as soon as it holds.", &["client: &mut Prometheus", "promql: &str", "op: &str", "threshold: float", "options: Map", "map"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut Client, q: &str, op: &str, t: Dynamic, o: Map| assert::assert(&h, &ctx, &client::source(c, q), op, &t, &o));
    let h = host.clone();
    doc("compare", "Canary analysis: a one-sided Mann-Whitney U test of the canary query's values against the baseline's over 5m every 15s; returns #{verdict, p_value, canary_median, baseline_median, increase, ...}, throws on \"fail\".", &["client: &mut Prometheus", "canary: &str", "baseline: &str", "map"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut Client, a: &str, b: &str| compare::compare(&h, &ctx, &client::source(c, a), &client::source(c, b), &Map::new()));
    let h = host.clone();
    doc("compare", "As compare(canary, baseline), with #{window: \"5m\", step: \"15s\", confidence: 0.95, max_increase: 0.1, min_samples: 10, soft: false}.", &["client: &mut Prometheus", "canary: &str", "baseline: &str", "options: Map", "map"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut Client, a: &str, b: &str, o: Map| compare::compare(&h, &ctx, &client::source(c, a), &client::source(c, b), &o));
}

pub fn register(engine: &mut Engine, host: &Arc<Host>, k8s: &Arc<crate::primitives::k8s::K8s>) {
    client::register(engine, host);
    register_methods(engine, host);
    let mut module = Module::new();
    doc("prometheus", "A client for the Prometheus server at url (TLS verified, 10s timeout); query, query_range, value, assert and compare are its methods.", &["url: &str", "Prometheus"])
        .set_into_module(&mut module, |ctx: NativeCallContext, url: &str| prometheus(&ctx, url, &Map::new()));
    doc(
        "prometheus",
        "As prometheus(url), with #{timeout: \"10s\", headers: #{Authorization: \"Bearer ...\"}} for each request.",
        &["url: &str", "options: Map", "Prometheus"],
    )
    .set_into_module(&mut module, |ctx: NativeCallContext, url: &str, o: Map| {
        prometheus(&ctx, url, &o)
    });
    let h = host.clone();
    let k = k8s.clone();
    doc("pod_usage", "CPU and memory of the run's namespace's pods matching a label selector (\"\" for all), from metrics.k8s.io: [#{pod, cpu_millicores, memory_bytes}].", &["selector: &str", "Array"])
        .set_into_module(&mut module, move |ctx: NativeCallContext, s: &str| -> Result<Array> { sources::pods(&h, &ctx, &k, s) });
    let h = host.clone();
    doc("http_value", "A business KPI: the number at a dotted path (\"orders.per_minute\") of a JSON endpoint's GET answer.", &["url: &str", "path: &str", "float"])
        .set_into_module(&mut module, move |ctx: NativeCallContext, u: &str, p: &str| sources::http(&h, &ctx, u, p, &Map::new()));
    let h = host.clone();
    doc("http_value", "As http_value(url, path), with #{timeout: \"10s\", headers: #{Authorization: \"Bearer ...\"}}.", &["url: &str", "path: &str", "options: Map", "float"])
        .set_into_module(&mut module, move |ctx: NativeCallContext, u: &str, p: &str, o: Map| sources::http(&h, &ctx, u, p, &o));
    cloudwatch::register(engine, host, &mut module);
    engine.register_static_module("metrics", module.into());
}
