//! `metrics::cloudwatch(#{region, profile | credentials, endpoint_url,
//! timeout})`: the `CloudWatch` object, whose `value`, `assert` and
//! `compare` take a metric (`metric_map.rs`) where Prometheus's take
//! PromQL and judge it with the same code; and `alarm_state(name)`.

use super::{ask, assert, compare, metric, metric_map, options, value, Result};
use crate::drivers::aws::cloudwatch::{self, CloudWatch};
use crate::drivers::metrics::Source;
use crate::primitives::doc;
use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use rhai::{Dynamic, Engine, Map, Module, NativeCallContext};
use std::sync::Arc;
use std::time::Duration;

/// A CloudWatch client as scripts hold it (Rhai type "CloudWatch").
#[derive(Clone)]
pub struct CloudWatchClient(pub Arc<CloudWatch>);

/// The client inside a script value, if it is one.
pub fn cloudwatch_of(value: &Dynamic) -> Option<Arc<CloudWatch>> {
    value.read_lock::<CloudWatchClient>().map(|c| c.0.clone())
}

fn new(h: &Host, ctx: &NativeCallContext, opts: &Map) -> Result<CloudWatchClient> {
    let bad = |e: String| error_at(ctx, e);
    let mut known = crate::primitives::aws::ACCOUNT.to_vec();
    known.push("timeout");
    options::only(opts, "metrics::cloudwatch", &known).map_err(bad)?;
    let timeout = options::duration(opts, "timeout", cloudwatch::DEFAULT_TIMEOUT).map_err(bad)?;
    if timeout < Duration::from_millis(100) {
        return Err(bad("option timeout is at least 100ms".into()));
    }
    let account = crate::primitives::aws::account(h, "metrics::cloudwatch", opts).map_err(bad)?;
    let client = CloudWatch::new(account, timeout);
    Ok(CloudWatchClient(Arc::new(client)))
}

/// The query `metric` describes, at client `c`.
fn source(ctx: &NativeCallContext, c: &CloudWatchClient, metric: &Dynamic) -> Result<Source> {
    let query = metric_map::query(metric).map_err(|e| error_at(ctx, e))?;
    Ok(Source::CloudWatch {
        client: c.0.clone(),
        query: Arc::new(query),
    })
}

/// "OK" or "INSUFFICIENT_DATA"; in ALARM, throws with the alarm's reason
/// unless `soft`.
fn alarm_state(
    h: &Host,
    ctx: &NativeCallContext,
    c: &CloudWatchClient,
    name: &str,
    opts: &Map,
) -> Result<String> {
    options::only(opts, "alarm_state", &["soft"]).map_err(|e| error_at(ctx, e))?;
    let soft = options::boolean(opts, "soft").map_err(|e| error_at(ctx, e))?;
    let alarm = ask(h, ctx, c.0.alarm(name))?;
    let verdict = match alarm.state.as_str() {
        "OK" => "pass",
        "ALARM" => "fail",
        _ => "inconclusive",
    };
    metric(
        h,
        c.0.describe(),
        &format!("alarm {name}"),
        None,
        Some(verdict),
        format!("{}: {}", alarm.state, alarm.reason),
    );
    if alarm.state == "ALARM" && !soft {
        return Err(error_at(
            ctx,
            format!(
                "alarm {name} is in ALARM at {}: {}\nhint: alarm_state(name, #{{soft: true}}) returns \"ALARM\" instead of throwing",
                c.0.describe(),
                alarm.reason
            ),
        ));
    }
    Ok(alarm.state)
}

pub(super) fn register(engine: &mut Engine, host: &Arc<Host>, module: &mut Module) {
    engine.register_type_with_name::<CloudWatchClient>("CloudWatch");
    let h = host.clone();
    doc("cloudwatch", "A CloudWatch client: #{region, profile | credentials: #{access_key_id, secret_access_key, session_token}, endpoint_url, timeout: \"10s\"} (credentials the usual AWS way when none are given); value, assert, compare and alarm_state are its methods.", &["options: Map", "CloudWatch"])
        .set_into_module(module, move |ctx: NativeCallContext, o: Map| new(&h, &ctx, &o));
    doc(
        "to_string",
        "A CloudWatch client as text: CloudWatch(AWS us-east-1).",
        &["client: &mut CloudWatch", "String"],
    )
    .register_into_engine(engine, |c: &mut CloudWatchClient| {
        format!("CloudWatch({})", c.0.describe())
    });
    let h = host.clone();
    doc("value", "The newest value of a metric (#{namespace, name, dimensions, stat: \"Average\", period: \"1m\", lookback: 5 periods}, #{expression, metrics: #{m1: #{...}}}, or an expression string) through GetMetricData; throws when it has no data.", &["client: &mut CloudWatch", "metric: map|string", "float"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut CloudWatchClient, m: Dynamic| value::value(&h, &ctx, &source(&ctx, c, &m)?, &Map::new()));
    let h = host.clone();
    doc("value", "As value(metric), choosing what no data means: #{no_data: \"error\" | \"inconclusive\" (returns ()) | \"zero\"}.", &["client: &mut CloudWatch", "metric: map|string", "options: Map", "any"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut CloudWatchClient, m: Dynamic, o: Map| value::value(&h, &ctx, &source(&ctx, c, &m)?, &o));
    let h = host.clone();
    doc("assert", "Throws unless the metric's value satisfies `value op threshold` (op: <, <=, >, >=, ==, !=); returns #{value, ok, verdict}.", &["client: &mut CloudWatch", "metric: map|string", "op: &str", "threshold: float", "map"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut CloudWatchClient, m: Dynamic, op: &str, t: Dynamic| assert::assert(&h, &ctx, &source(&ctx, c, &m)?, op, &t, &Map::new()));
    let h = host.clone();
    doc("assert", "As assert(metric, op, threshold), failing only when breached at every evaluation for a window: #{\"for\": \"5m\", interval: \"5s\", no_data: \"error\"}; passes as soon as it holds.", &["client: &mut CloudWatch", "metric: map|string", "op: &str", "threshold: float", "options: Map", "map"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut CloudWatchClient, m: Dynamic, op: &str, t: Dynamic, o: Map| assert::assert(&h, &ctx, &source(&ctx, c, &m)?, op, &t, &o));
    let h = host.clone();
    doc("compare", "Canary analysis: a one-sided Mann-Whitney U test of the canary metric's values against the baseline's over 15 periods of the canary's, one point per period; returns #{verdict, p_value, canary_median, baseline_median, increase, ...}, throws on \"fail\".", &["client: &mut CloudWatch", "canary: map|string", "baseline: map|string", "map"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut CloudWatchClient, a: Dynamic, b: Dynamic| compare::compare(&h, &ctx, &source(&ctx, c, &a)?, &source(&ctx, c, &b)?, &Map::new()));
    let h = host.clone();
    doc("compare", "As compare(canary, baseline), with #{window: 15 periods, step: the canary's period (a CloudWatch period, for both), confidence: 0.95, max_increase: 0.1, min_samples: 10, soft: false}.", &["client: &mut CloudWatch", "canary: map|string", "baseline: map|string", "options: Map", "map"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut CloudWatchClient, a: Dynamic, b: Dynamic, o: Map| compare::compare(&h, &ctx, &source(&ctx, c, &a)?, &source(&ctx, c, &b)?, &o));
    let h = host.clone();
    doc("alarm_state", "The state of a CloudWatch alarm (metric or composite): \"OK\" or \"INSUFFICIENT_DATA\"; throws with the alarm's reason when it is in ALARM, and when there is no alarm of that name.", &["client: &mut CloudWatch", "name: &str", "String"])
        .register_into_engine(engine, move |ctx: NativeCallContext, c: &mut CloudWatchClient, n: &str| alarm_state(&h, &ctx, c, n, &Map::new()));
    let h = host.clone();
    doc(
        "alarm_state",
        "As alarm_state(name); #{soft: true} returns \"ALARM\" instead of throwing.",
        &[
            "client: &mut CloudWatch",
            "name: &str",
            "options: Map",
            "String",
        ],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, c: &mut CloudWatchClient, n: &str, o: Map| {
            alarm_state(&h, &ctx, c, n, &o)
        },
    );
}
