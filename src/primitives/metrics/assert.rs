//! `client.assert(query, op, threshold, #{"for", interval, no_data})`
//! (`for` is a Rhai keyword, so scripts quote the key): the
//! query's value must satisfy `value op threshold`. The same for a
//! Prometheus query and a CloudWatch metric.
//!
//! Without `for`, one evaluation decides. With `for`, as a Prometheus
//! alerting rule's `for`: the query is evaluated every `interval`; the
//! assert passes at the first evaluation where the condition holds, and
//! fails only once it has been breached at every evaluation for the whole
//! window (so a run takes at most about `for` + `interval`). A breach that
//! clears inside the window passes. No data follows `no_data`: "error"
//! throws, "zero" counts as 0, "inconclusive" returns at once with
//! `verdict: "inconclusive"`. Ctrl-C interrupts the wait.

use super::options;
use super::value::value_with;
use super::{metric, Result};
use crate::drivers::metrics::window::{Standing, Window};
use crate::drivers::metrics::{Op, Source};
use crate::primitives::error::{cancelled_at, error_at};
use crate::primitives::host::Host;
use rhai::{Dynamic, Map, NativeCallContext};
use std::time::{Duration, Instant};

fn outcome(value: Option<f64>, verdict: &str, breached: Duration) -> Dynamic {
    let mut m = Map::new();
    m.insert("value".into(), value.map_or(Dynamic::UNIT, Dynamic::from));
    m.insert("ok".into(), (verdict == "pass").into());
    m.insert("verdict".into(), verdict.into());
    m.insert("breached_s".into(), breached.as_secs_f64().into());
    m.into()
}

pub(super) fn assert(
    h: &Host,
    ctx: &NativeCallContext,
    source: &Source,
    op: &str,
    threshold: &Dynamic,
    opts: &Map,
) -> Result<Dynamic> {
    let bad = |e: String| error_at(ctx, e);
    options::only(opts, "assert", &["for", "interval", "no_data"]).map_err(bad)?;
    let op = Op::parse(op).map_err(bad)?;
    let threshold = options::number(threshold).ok_or_else(|| {
        bad(format!(
            "the threshold is a number, not {}",
            threshold.type_name()
        ))
    })?;
    let length = options::duration(opts, "for", Duration::ZERO).map_err(bad)?;
    let interval = options::duration(opts, "interval", Duration::from_secs(5)).map_err(bad)?;
    if interval.is_zero() {
        return Err(bad("option interval is longer than 0s".into()));
    }
    let policy = options::no_data(opts).map_err(bad)?;
    let (at, query) = (source.at(), source.query());
    let mut window = Window::new(length);
    let condition = format!("{op} {threshold}");
    loop {
        let Some(value) = value_with(h, ctx, source, policy, false)? else {
            return Ok(outcome(None, "inconclusive", Duration::ZERO));
        };
        match window.observe(Instant::now(), op.holds(value, threshold)) {
            Standing::Holds => {
                metric(h, at, query, Some(value), Some("pass"), condition);
                return Ok(outcome(Some(value), "pass", Duration::ZERO));
            }
            Standing::Breached(so_far) => {
                metric(
                    h,
                    at,
                    query,
                    Some(value),
                    Some("breached"),
                    format!(
                        "not {condition}, for {} of the {} window",
                        crate::duration::format(so_far),
                        crate::duration::format(length)
                    ),
                );
                h.block_on(async { tokio::time::sleep(interval).await })
                    .map_err(|_| cancelled_at(ctx))?;
            }
            Standing::Sustained(breached) => {
                let how_long = if length.is_zero() {
                    String::new()
                } else {
                    format!(
                        ", breached at every evaluation for {} (for: {}, every {})",
                        crate::duration::format(breached),
                        crate::duration::format(length),
                        crate::duration::format(interval)
                    )
                };
                metric(
                    h,
                    at,
                    query,
                    Some(value),
                    Some("fail"),
                    format!("not {condition}{how_long}"),
                );
                return Err(error_at(
                    ctx,
                    format!(
                    "metric check failed: {query} is {value} at {at}, not {condition}{how_long}"
                ),
                ));
            }
        }
    }
}
