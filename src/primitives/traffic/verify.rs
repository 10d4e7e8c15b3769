//! `router.verify(#{entry, ...})`: real requests through an entry point,
//! counted by the backend that answered, judged against the router's weights.
//! A Service router first checks what decides its split (`service_check`);
//! from outside the cluster, where `entry` is a port-forward to one pod, that
//! check is the verification and no sample is taken.

use super::router::{Router, Target};
use super::service_check::{self, Asked, Checked};
use crate::drivers::lb::routes::Route;
use crate::drivers::lb::verify::{judge, percentages, sample, Identify, Identities};
use crate::primitives::error::{call_site, cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Dynamic, EvalAltResult, Map, NativeCallContext};
use std::collections::BTreeMap;
use std::time::Duration;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// The longest a Service's endpoints may be waited for.
const MAX_SETTLE: Duration = Duration::from_secs(600);

const IDENTIFY: &str = "identify is #{header: \"X-Orion-Version\"} or #{json: \"version\"}";

/// `verify`'s options.
struct Options {
    entry: Option<String>,
    requests: usize,
    concurrency: usize,
    tolerance: f64,
    identify: Identify,
    identities: Option<BTreeMap<String, String>>,
    timeout: Duration,
    port: Option<i64>,
    settle: Duration,
}

fn options(ctx: &NativeCallContext, opts: &Map) -> Result<Options> {
    let mut o = Options {
        entry: None,
        requests: 200,
        concurrency: 10,
        tolerance: 5.0,
        identify: Identify::Header("X-Orion-Version".into()),
        identities: None,
        timeout: Duration::from_secs(5),
        port: None,
        settle: service_check::SETTLE,
    };
    let bad = |what: &str| error_at(ctx, format!("verify: {what}"));
    let positive = |v: &Dynamic, what: &str| {
        v.as_int()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| bad(&format!("{what} is a positive whole number")))
    };
    for (key, v) in opts {
        match key.as_str() {
            "entry" => o.entry = Some(v.to_string()),
            "requests" => o.requests = positive(v, "requests")? as usize,
            "concurrency" => o.concurrency = positive(v, "concurrency")? as usize,
            "port" => o.port = Some(positive(v, "port")?),
            "tolerance" => {
                o.tolerance = v
                    .as_float()
                    .or_else(|_| v.as_int().map(|i| i as f64))
                    .map_err(|_| bad("tolerance is a number of percentage points"))?
            }
            "timeout" => o.timeout = crate::duration::parse(&v.to_string()).map_err(|e| bad(&e))?,
            "settle" => {
                o.settle = crate::duration::parse(&v.to_string()).map_err(|e| bad(&e))?;
                if o.settle > MAX_SETTLE {
                    return Err(bad("settle is at most 10m (how long a Service's endpoints may take to show a switch)"));
                }
            }
            "identify" => {
                let m = v.read_lock::<Map>().ok_or_else(|| bad(IDENTIFY))?;
                o.identify = match (m.get("header"), m.get("json")) {
                    (Some(h), None) => Identify::Header(h.to_string()),
                    (None, Some(j)) => Identify::Json(j.to_string()),
                    _ => return Err(bad(IDENTIFY)),
                };
            }
            "identities" => {
                let m = v.read_lock::<Map>().ok_or_else(|| {
                    bad("identities maps each backend to what it answers with: #{blue: \"1.4.2\"}")
                })?;
                o.identities = Some(m.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
            }
            other => return Err(bad(&format!("no option \"{other}\"\nhint: entry, requests, tolerance, identify, identities, concurrency, timeout; a Service router's port and settle (how long its endpoints may take to show the split)"))),
        }
    }
    Ok(o)
}

/// The entry's path ("/" when it has none), for asking pods one by one.
fn path_of(entry: Option<&str>) -> String {
    entry
        .and_then(|e| reqwest::Url::parse(e).ok())
        .map_or_else(|| "/".to_string(), |u| u.path().to_string())
}

/// Whether `entry` is one of this run's port-forwards (a sample through it
/// reaches one pod, whatever the split).
fn is_forward(h: &Host, entry: &str) -> bool {
    let Some(at) = reqwest::Url::parse(entry).ok().and_then(|u| {
        let host: std::net::IpAddr = u.host_str()?.parse().ok()?;
        Some(std::net::SocketAddr::new(host, u.port_or_known_default()?))
    }) else {
        return false;
    };
    h.block_on(h.forwards.serves(at)).unwrap_or(false)
}

/// Whether some answer would count for two backends (a blue and a green
/// running the same version): a sample cannot tell them apart.
fn ambiguous(identities: &Identities) -> Option<String> {
    let all: Vec<(&String, &String)> = identities
        .iter()
        .flat_map(|(b, ids)| ids.iter().map(move |id| (b, id)))
        .collect();
    all.iter().enumerate().find_map(|(i, (b, id))| {
        all[i + 1..]
            .iter()
            .find(|(c, other)| c != b && other == id)
            .map(|(c, _)| format!("{b} and {c} both answer as {id}"))
    })
}

/// `router.verify(opts)`: real requests through `entry`, counted by backend.
pub(super) fn verify(h: &Host, ctx: &NativeCallContext, r: &Router, opts: &Map) -> Result<Map> {
    let o = options(ctx, opts)?;
    let want = r.weights(ctx)?;
    let checked = match &r.target {
        Target::Kube(Route::Service { name, label, .. }) => {
            let path = path_of(o.entry.as_deref());
            let asked = Asked {
                path: &path,
                port: o.port,
                identify: &o.identify,
                identities: o.identities.as_ref(),
                timeout: o.timeout,
                settle: o.settle,
            };
            Some(service_check::check(h, ctx, r, name, label, &want, &asked)?)
        }
        _ => None,
    };
    let alb_front = match (&r.target, &o.entry) {
        (Target::Alb(a), None) => Some(alb_entry(h, ctx, a)?),
        _ => None,
    };
    let Some(entry) = o.entry.clone().or(alb_front) else {
        return match checked {
            Some(c) => Ok(endpoints_only(h, ctx, r, &c, "no entry was given")),
            None => Err(error_at(
                ctx,
                "verify: say where to send requests: #{entry: \"http://...\"}",
            )),
        };
    };
    let identities: Identities = match &checked {
        Some(c) => c.identities.clone(),
        None => o
            .identities
            .iter()
            .flatten()
            .map(|(b, id)| (b.clone(), [id.clone()].into()))
            .collect(),
    };
    if let Some(c) = &checked {
        if c.forwarded && is_forward(h, &entry) {
            let why =
                format!("{entry} is a port-forward to one pod (orion runs outside the cluster)");
            return Ok(endpoints_only(h, ctx, r, c, &why));
        }
        if let Some(why) = ambiguous(&c.identities) {
            return Ok(endpoints_only(
                h,
                ctx,
                r,
                c,
                &format!("{why}, so answers cannot be told apart"),
            ));
        }
    }
    let found = h
        .block_on(async { sample(&entry, o.requests, o.concurrency, &o.identify, o.timeout).await })
        .map_err(|_| cancelled_at(ctx))?
        .map_err(|e| error_at(ctx, e))?;
    let observed = judge(&want, &found, &identities, o.tolerance)
        .map_err(|e| error_at(ctx, format!("{}: {e}", r.describe())))?;
    let endpoints = checked
        .as_ref()
        .map(|c| {
            format!(
                "; its endpoints hold only ready pods of {}, each answering as its backend",
                backends(c)
            )
        })
        .unwrap_or_default();
    h.log(
        Level::Info,
        format!(
            "verified {}: {} over {} requests{endpoints}",
            r.describe(),
            shown(&observed),
            o.requests
        ),
        call_site(ctx),
    );
    Ok(result(o.requests, &observed, "sample"))
}

/// An ALB router's own address: its load balancer's DNS name, with the
/// listener's port and protocol.
fn alb_entry(h: &Host, ctx: &NativeCallContext, a: &super::alb::AlbRouter) -> Result<String> {
    let front = h
        .block_on(a.alb.front())
        .map_err(|_| cancelled_at(ctx))?
        .map_err(|e| error_at(ctx, e))?;
    let scheme = if front.protocol == "HTTPS" {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{}:{}/", front.dns_name, front.port);
    let at = (front.dns_name.clone(), front.port as u16);
    let reached = h
        .block_on(async move {
            let connect = tokio::net::TcpStream::connect(at);
            match tokio::time::timeout(Duration::from_secs(5), connect).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("no answer within 5s".to_string()),
            }
        })
        .map_err(|_| cancelled_at(ctx))?;
    reached.map(|_| url.clone()).map_err(|e| {
        error_at(ctx, format!("verify: {url}, the ALB's own address, does not answer from here ({e})\nhint: where the ALB is not reachable from this machine (an internal ALB, or an emulator, which has no data plane), give entry: a URL that reaches it, or leave verify out"))
    })
}

/// The result when the Endpoints were the verification: each backend's
/// share of the ready endpoints, logged with why no sample was taken.
fn endpoints_only(h: &Host, ctx: &NativeCallContext, r: &Router, c: &Checked, why: &str) -> Map {
    let mut counts: BTreeMap<String, i64> = c.identities.keys().map(|b| (b.clone(), 0)).collect();
    for m in &c.members {
        *counts.entry(m.backend.clone()).or_default() += 1;
    }
    let observed = percentages(&counts);
    let how = if c.forwarded {
        "through port-forwards"
    } else {
        "directly"
    };
    h.log(
        Level::Info,
        format!(
            "verified {} by its endpoints: they hold only ready pods of {} ({} pods, each asked {how} and answering as its backend); not sampled: {why}",
            r.describe(),
            backends(c),
            c.members.len()
        ),
        call_site(ctx),
    );
    result(0, &observed, "endpoints")
}

/// "green" or "blue, green": the backends the endpoints hold.
fn backends(c: &Checked) -> String {
    let names: std::collections::BTreeSet<&str> =
        c.members.iter().map(|m| m.backend.as_str()).collect();
    names.into_iter().collect::<Vec<_>>().join(", ")
}

fn shown(observed: &BTreeMap<String, f64>) -> String {
    observed
        .iter()
        .map(|(b, p)| format!("{b} {p:.1}%"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// #{requests, observed: #{backend: percent}, checked: "sample" | "endpoints"}.
fn result(requests: usize, observed: &BTreeMap<String, f64>, checked: &str) -> Map {
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
    result.insert("checked".into(), Dynamic::from(checked.to_string()));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_answer_from_two_backends_cannot_be_told_apart() {
        let ids = |pairs: &[(&str, &[&str])]| -> Identities {
            pairs
                .iter()
                .map(|(b, ids)| (b.to_string(), ids.iter().map(|s| s.to_string()).collect()))
                .collect()
        };
        assert_eq!(
            ambiguous(&ids(&[
                ("blue", &["1.4.2", "blue"]),
                ("green", &["1.5.0", "green"])
            ])),
            None
        );
        assert_eq!(
            ambiguous(&ids(&[
                ("blue", &["1.5.0", "blue"]),
                ("green", &["1.5.0", "green"])
            ])),
            Some("blue and green both answer as 1.5.0".to_string())
        );
        assert_eq!(path_of(Some("http://127.0.0.1:8080/api/v1?x=1")), "/api/v1");
        assert_eq!(path_of(None), "/");
    }
}
