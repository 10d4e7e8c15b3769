//! A query's value under a no-data policy, as `value(...)` returns it and
//! `assert` judges it — for every source alike.

use super::options;
use super::{ask, metric, Result};
use crate::drivers::metrics::{NoData, Source};
use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use rhai::{Dynamic, Map, NativeCallContext};

/// The value of `source`'s query under `policy`: Some(number), or None for
/// "inconclusive". No data is always emitted; a value only when `emit`
/// (a caller judging it emits its verdict instead).
pub(super) fn value_with(
    h: &Host,
    ctx: &NativeCallContext,
    source: &Source,
    policy: NoData,
    emit: bool,
) -> Result<Option<f64>> {
    let (at, query) = (source.at(), source.query());
    let found = ask(h, ctx, source.value())?;
    let value = match (found, policy) {
        (Some(v), _) => Some(v),
        (None, NoData::Zero) => Some(0.0),
        (None, NoData::Inconclusive) => None,
        (None, NoData::Error) => {
            metric(h, at, query, None, Some("fail"), "no data".into());
            return Err(error_at(ctx, source.no_data()));
        }
    };
    let detail = match (found, value) {
        (None, Some(_)) => "no data, counted as 0 (no_data: zero)".to_string(),
        (None, None) => "no data (no_data: inconclusive)".to_string(),
        _ => String::new(),
    };
    if emit || found.is_none() {
        let verdict = value.is_none().then_some("inconclusive");
        metric(h, at, query, value, verdict, detail);
    }
    Ok(value)
}

/// `value(query, #{no_data})`: the number, or () for an inconclusive no data.
pub(super) fn value(
    h: &Host,
    ctx: &NativeCallContext,
    source: &Source,
    opts: &Map,
) -> Result<Dynamic> {
    options::only(opts, "value", &["no_data"]).map_err(|e| error_at(ctx, e))?;
    let policy = options::no_data(opts).map_err(|e| error_at(ctx, e))?;
    Ok(value_with(h, ctx, source, policy, true)?.map_or(Dynamic::UNIT, Dynamic::from))
}
