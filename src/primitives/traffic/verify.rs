//! `router.verify(#{entry, ...})`: real requests through an entry point,
//! counted by the backend that answered, judged against the router's weights.

use super::router::Router;
use crate::drivers::lb::verify::{judge, sample, Identify};
use crate::primitives::error::{call_site, cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Dynamic, EvalAltResult, Map, NativeCallContext};
use std::collections::BTreeMap;
use std::time::Duration;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// `router.verify(opts)`: real requests through `entry`, counted by backend.
pub(super) fn verify(h: &Host, ctx: &NativeCallContext, r: &Router, opts: &Map) -> Result<Map> {
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
