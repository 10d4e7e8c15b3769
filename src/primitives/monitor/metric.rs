//! A monitor's metric checks: `#{prometheus: client, query, op, threshold,
//! no_data}` and `#{cloudwatch: client, metric, op, threshold, no_data}`
//! read the same way (a `Source`), and `#{cloudwatch: client, alarm}`
//! trips while the alarm is in ALARM. No data (INSUFFICIENT_DATA for an
//! alarm) trips only with `no_data: "trip"`; a source that cannot be
//! asked is no verdict on the release.

use super::checks::Probe;
use super::reading::Reading;
use crate::drivers::aws::cloudwatch::CloudWatch;
use crate::drivers::metrics::op::Op;
use crate::drivers::metrics::prometheus::Prometheus;
use crate::drivers::metrics::Source;
use crate::primitives::error::CANCELLED;
use crate::primitives::host::Host;
use rhai::{Dynamic, Map};
use std::sync::Arc;

const PROMETHEUS: [&str; 5] = ["prometheus", "query", "op", "threshold", "no_data"];
const CLOUDWATCH: [&str; 5] = ["cloudwatch", "metric", "op", "threshold", "no_data"];
const ALARM: [&str; 3] = ["cloudwatch", "alarm", "no_data"];

/// A query's value held to `op threshold`.
pub(super) struct MetricCheck {
    pub source: Source,
    op: Op,
    threshold: f64,
    no_data_trips: bool,
}

/// A CloudWatch alarm: in ALARM is a breach.
pub(super) struct AlarmCheck {
    client: Arc<CloudWatch>,
    pub alarm: String,
    no_data_trips: bool,
}

fn only(map: &Map, kind: &str, known: &[&str]) -> Result<(), String> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(format!(
            "a {kind} check has no option \"{key}\"; known: {}, name, for",
            known.join(", ")
        )),
    }
}

/// `op` (default "<") and the number `threshold` of a check map.
fn limit(map: &Map, example: &str) -> Result<(Op, f64), String> {
    let op = Op::parse(&map.get("op").map_or("<".to_string(), |o| o.to_string()))?;
    let threshold = map
        .get("threshold")
        .and_then(|t| {
            t.as_float()
                .ok()
                .or_else(|| t.as_int().ok().map(|i| i as f64))
        })
        .ok_or_else(|| example.to_string())?;
    Ok((op, threshold))
}

/// `no_data: "ignore"` (the default) or `"trip"`.
fn no_data_trips(map: &Map) -> Result<bool, String> {
    match map.get("no_data").map(|v| v.to_string()).as_deref() {
        None | Some("ignore") => Ok(false),
        Some("trip") => Ok(true),
        Some(other) => Err(format!(
            "no_data is \"ignore\" (the default: no data is no verdict) or \"trip\", not \"{other}\""
        )),
    }
}

/// `#{prometheus: client or url, query, op: "<", threshold: 0.05, no_data: "ignore" | "trip"}`.
pub(super) fn prometheus(client: &Dynamic, map: &Map) -> Result<Probe, String> {
    only(map, "prometheus", &PROMETHEUS)?;
    let client = match crate::primitives::metrics::client_of(client) {
        Some(c) => c,
        None => Arc::new(Prometheus::new(&client.to_string())?),
    };
    let query = map
        .get("query")
        .map(|q| q.to_string())
        .ok_or("a prometheus check needs a query")?;
    let (op, threshold) = limit(
        map,
        "a prometheus check needs a number threshold: #{query, op: \"<\", threshold: 0.05}",
    )?;
    Ok(Probe::Metric(MetricCheck {
        source: Source::Prometheus {
            client,
            promql: query,
        },
        op,
        threshold,
        no_data_trips: no_data_trips(map)?,
    }))
}

/// `#{cloudwatch: client, metric, op, threshold, no_data}` or
/// `#{cloudwatch: client, alarm: "name", no_data}`; an alarm must exist
/// when the monitor starts.
pub(super) fn cloudwatch(host: &Host, client: &Dynamic, map: &Map) -> Result<Probe, String> {
    let client = crate::primitives::metrics::cloudwatch_of(client).ok_or(
        "cloudwatch is a client from metrics::cloudwatch(#{region, ...}), not a URL or a map",
    )?;
    if let Some(alarm) = map.get("alarm") {
        only(map, "cloudwatch alarm", &ALARM)?;
        let alarm = alarm.to_string();
        host.block_on(client.alarm(&alarm))
            .map_err(|_| CANCELLED.to_string())?
            .map_err(|e| e.message)?;
        return Ok(Probe::Alarm(AlarmCheck {
            client,
            alarm,
            no_data_trips: no_data_trips(map)?,
        }));
    }
    only(map, "cloudwatch", &CLOUDWATCH)?;
    let metric = map.get("metric").ok_or(
        "a cloudwatch check needs a metric (#{namespace, name, dimensions, stat, period}) or an alarm",
    )?;
    let query = crate::primitives::metrics::metric_map::query(metric)?;
    let (op, threshold) = limit(
        map,
        "a cloudwatch check needs a number threshold: #{cloudwatch: cw, metric, op: \"<\", threshold: 5}",
    )?;
    Ok(Probe::Metric(MetricCheck {
        source: Source::CloudWatch {
            client,
            query: Arc::new(query),
        },
        op,
        threshold,
        no_data_trips: no_data_trips(map)?,
    }))
}

impl MetricCheck {
    pub(super) async fn read(&self) -> Reading {
        let allowed = format!("{} {}", self.op, self.threshold);
        let (breached, value, detail) = match self.source.value().await {
            Ok(Some(v)) => (
                !self.op.holds(v, self.threshold),
                Some(v),
                format!("value {v}"),
            ),
            Ok(None) => (self.no_data_trips, None, "no data".to_string()),
            // A source that cannot be asked is not a verdict on the release.
            Err(e) => (false, None, format!("could not query: {}", e.message)),
        };
        Reading {
            breached,
            value,
            threshold: allowed,
            detail,
        }
    }
}

impl AlarmCheck {
    pub(super) async fn read(&self) -> Reading {
        let (breached, detail) = match self.client.alarm(&self.alarm).await {
            Ok(a) => {
                let breached = match a.state.as_str() {
                    "ALARM" => true,
                    "OK" => false,
                    _ => self.no_data_trips,
                };
                (breached, format!("{}: {}", a.state, a.reason))
            }
            // An AWS error is not a verdict on the release.
            Err(e) => (false, format!("could not read the alarm: {}", e.message)),
        };
        Reading {
            breached,
            value: None,
            threshold: "not in ALARM".into(),
            detail,
        }
    }
}
