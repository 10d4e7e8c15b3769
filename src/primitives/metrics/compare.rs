//! `client.compare(canary_query, baseline_query, #{...})`: both queries over
//! the same window, their values (every point of every series, pooled)
//! judged by `metrics::compare::judge` — a one-sided Mann-Whitney U test.
//! The same for Prometheus queries and CloudWatch metrics.
//! Throws on "fail" unless `soft: true`; "inconclusive" is returned with
//! its reason.

use super::client::range_options;
use super::options;
use super::{ask, metric, Result};
use crate::drivers::metrics::compare::{judge, Comparison, Settings};
use crate::drivers::metrics::{Source, Verdict};
use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use rhai::{Dynamic, Map, NativeCallContext};

const KNOWN: &[&str] = &[
    "window",
    "step",
    "confidence",
    "max_increase",
    "min_samples",
    "soft",
];

fn settings(opts: &Map) -> std::result::Result<Settings, String> {
    let d = Settings::default();
    let s = Settings {
        confidence: options::float(opts, "confidence", d.confidence)?,
        max_increase: options::float(opts, "max_increase", d.max_increase)?,
        min_samples: options::count(opts, "min_samples", d.min_samples)?,
    };
    if !(0.5..1.0).contains(&s.confidence) {
        return Err(format!(
            "option confidence is between 0.5 and 1 (0.95 is usual), not {}",
            s.confidence
        ));
    }
    Ok(s)
}

fn optional(v: Option<f64>) -> Dynamic {
    v.map_or(Dynamic::UNIT, Dynamic::from)
}

fn result(c: &Comparison) -> Dynamic {
    let mut m = Map::new();
    m.insert("verdict".into(), c.verdict.as_str().into());
    m.insert("p_value".into(), optional(c.p_value));
    m.insert("canary_median".into(), optional(c.canary_median));
    m.insert("baseline_median".into(), optional(c.baseline_median));
    m.insert("increase".into(), optional(c.increase));
    m.insert("canary_samples".into(), (c.canary_samples as i64).into());
    m.insert(
        "baseline_samples".into(),
        (c.baseline_samples as i64).into(),
    );
    m.insert("reason".into(), c.reason.clone().into());
    m.into()
}

pub(super) fn compare(
    h: &Host,
    ctx: &NativeCallContext,
    canary_source: &Source,
    baseline_source: &Source,
    opts: &Map,
) -> Result<Dynamic> {
    let (window, step) = range_options(opts, "compare", KNOWN, canary_source.range_defaults())
        .map_err(|e| error_at(ctx, e))?;
    let s = settings(opts).map_err(|e| error_at(ctx, e))?;
    let soft = options::boolean(opts, "soft").map_err(|e| error_at(ctx, e))?;
    let (canary, baseline) = (canary_source.query(), baseline_source.query());
    let (cv, bv) = ask(h, ctx, async {
        match tokio::join!(
            canary_source.values(window, step),
            baseline_source.values(window, step)
        ) {
            (Ok(a), Ok(b)) => Ok((a, b)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    })?;
    let over = format!(
        "over {} every {}",
        crate::duration::format(window),
        crate::duration::format(step)
    );
    let j = judge(&cv, &bv, &s);
    metric(
        h,
        canary_source.at(),
        canary,
        j.canary_median,
        None,
        format!("canary: median of {} points {over}", cv.len()),
    );
    metric(
        h,
        canary_source.at(),
        baseline,
        j.baseline_median,
        None,
        format!("baseline: median of {} points {over}", bv.len()),
    );
    metric(
        h,
        canary_source.at(),
        &format!("compare({canary}, {baseline})"),
        j.p_value,
        Some(j.verdict.as_str()),
        j.reason.clone(),
    );
    if j.verdict == Verdict::Fail && !soft {
        let median = |m: Option<f64>| m.map_or("none".to_string(), |m| format!("{m}"));
        return Err(error_at(ctx, format!(
            "canary analysis failed: {}\n  canary   {canary}: median {} of {} points\n  baseline {baseline}: median {} of {} points\nhint: #{{soft: true}} returns the verdict instead of throwing",
            j.reason,
            median(j.canary_median),
            j.canary_samples,
            median(j.baseline_median),
            j.baseline_samples
        )));
    }
    Ok(result(&j))
}
