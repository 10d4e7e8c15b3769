//! The `Prometheus` object a playbook gets from `metrics::prometheus(url)`,
//! and its reading methods: `query`, `query_range`, `value` (the last
//! shared with CloudWatch, in `value.rs`).

use super::options;
use super::value::value;
use super::{ask, metric, Result};
use crate::drivers::metrics::prometheus::Prometheus;
use crate::drivers::metrics::sample::Sample;
use crate::drivers::metrics::Source;
use crate::primitives::doc;
use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use rhai::{Array, Dynamic, Engine, Map, NativeCallContext};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A Prometheus client as scripts hold it (Rhai type "Prometheus").
#[derive(Clone)]
pub struct Client(pub Arc<Prometheus>);

/// The client inside a script value, if it is one (for code that takes a
/// client in an options map).
pub fn client_of(value: &Dynamic) -> Option<Arc<Prometheus>> {
    value.read_lock::<Client>().map(|c| c.0.clone())
}

fn labels(l: &BTreeMap<String, String>) -> Map {
    l.iter()
        .map(|(k, v)| (k.as_str().into(), Dynamic::from(v.clone())))
        .collect()
}

fn sample(s: &Sample) -> Dynamic {
    let mut m = Map::new();
    m.insert("labels".into(), labels(&s.labels).into());
    m.insert("value".into(), s.value.into());
    m.into()
}

fn query(h: &Host, ctx: &NativeCallContext, c: &Client, promql: &str) -> Result<Array> {
    let samples = ask(h, ctx, c.0.query(promql))?;
    let one = match &samples[..] {
        [s] => Some(s.value),
        _ => None,
    };
    metric(
        h,
        c.0.url(),
        promql,
        one,
        None,
        format!("{} series", samples.len()),
    );
    Ok(samples.iter().map(sample).collect())
}

fn query_range(
    h: &Host,
    ctx: &NativeCallContext,
    c: &Client,
    promql: &str,
    opts: &Map,
) -> Result<Array> {
    let defaults = source(c, promql).range_defaults();
    let (window, step) = range_options(opts, "query_range", &["window", "step"], defaults)
        .map_err(|e| error_at(ctx, e))?;
    let series = ask(h, ctx, c.0.query_range(promql, window, step))?;
    let points: usize = series.iter().map(|s| s.values.len()).sum();
    metric(
        h,
        c.0.url(),
        promql,
        None,
        None,
        format!(
            "{} series, {points} points over {} every {}",
            series.len(),
            crate::duration::format(window),
            crate::duration::format(step)
        ),
    );
    Ok(series
        .iter()
        .map(|s| {
            let values: Array = s
                .values
                .iter()
                .map(|(t, v)| Dynamic::from_array(vec![(*t).into(), (*v).into()]))
                .collect();
            let mut m = Map::new();
            m.insert("labels".into(), labels(&s.labels).into());
            m.insert("values".into(), values.into());
            m.into()
        })
        .collect())
}

/// `window` and `step` of `opts` (each `defaults` when not given), whose
/// keys must be among `known`.
pub fn range_options(
    opts: &Map,
    function: &str,
    known: &[&str],
    defaults: (Duration, Duration),
) -> std::result::Result<(Duration, Duration), String> {
    options::only(opts, function, known)?;
    let window = options::duration(opts, "window", defaults.0)?;
    let step = options::duration(opts, "step", defaults.1)?;
    if step.is_zero() || step > window {
        return Err(format!(
            "option step is longer than 0s and at most the window ({})",
            crate::duration::format(window)
        ));
    }
    Ok((window, step))
}

/// The Prometheus query `promql` of client `c`.
pub fn source(c: &Client, promql: &str) -> Source {
    Source::Prometheus {
        client: c.0.clone(),
        promql: promql.to_string(),
    }
}

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    engine.register_type_with_name::<Client>("Prometheus");
    doc(
        "to_string",
        "A Prometheus client as text: Prometheus(http://prometheus:9090).",
        &["client: &mut Prometheus", "String"],
    )
    .register_into_engine(engine, |c: &mut Client| {
        format!("Prometheus({})", c.0.url())
    });
    doc(
        "url",
        "The URL of the Prometheus server this client asks.",
        &["client: &mut Prometheus", "String"],
    )
    .register_into_engine(engine, |c: &mut Client| c.0.url().to_string());
    let h = host.clone();
    doc("query", "Runs an instant PromQL query; returns [#{labels, value}] (a scalar is one entry without labels).", &["client: &mut Prometheus", "promql: &str", "Array"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut Client, q: &str| query(&h, &ctx, c, q));
    let h = host.clone();
    doc("query_range", "Runs a range query over the window ending now (#{window: \"5m\", step: \"15s\"}); returns [#{labels, values: [[time, value], ...]}].", &["client: &mut Prometheus", "promql: &str", "options: Map", "Array"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut Client, q: &str, o: Map| query_range(&h, &ctx, c, q, &o));
    let h = host.clone();
    doc("value", "The one number a query gives now; throws when it has no data (no series or NaN) or several series.", &["client: &mut Prometheus", "promql: &str", "float"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut Client, q: &str| value(&h, &ctx, &source(c, q), &Map::new()));
    let h = host.clone();
    doc("value", "As value(promql), choosing what no data means: #{no_data: \"error\" | \"inconclusive\" (returns ()) | \"zero\"}.", &["client: &mut Prometheus", "promql: &str", "options: Map", "any"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut Client, q: &str, o: Map| value(&h, &ctx, &source(c, q), &o));
}
