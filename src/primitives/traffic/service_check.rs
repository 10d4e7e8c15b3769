//! A Service router's `verify`, the part sampling cannot do from outside
//! the cluster: its Endpoints hold only ready pods of the backends given
//! weight (waiting a little for the endpoints controller to catch up after
//! a switch), and each of those pods, asked directly or through a
//! port-forward, answers as its backend: the identity the playbook gave, or
//! the backend's name, or a version its pods run (labels, image tags).

use super::router::Router;
use crate::drivers::lb::routes::Weights;
use crate::drivers::lb::service_split::{members, port_name, versions, Member};
use crate::drivers::lb::verify::{ask, client, Identify, Identities};
use crate::primitives::error::{cancelled_at, error_at};
use crate::primitives::host::Host;
use rhai::{EvalAltResult, NativeCallContext};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// How long the Endpoints may take to show a switch, unless `settle` says.
pub(super) const SETTLE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(250);

/// What the check needs from `verify`'s options.
pub(super) struct Asked<'a> {
    pub path: &'a str,
    pub port: Option<i64>,
    pub identify: &'a Identify,
    pub identities: Option<&'a BTreeMap<String, String>>,
    pub timeout: Duration,
    /// How long the Endpoints may take to show the split.
    pub settle: Duration,
}

/// What the check found.
pub(super) struct Checked {
    /// The ready endpoints, each a pod of a backend given weight.
    pub members: Vec<Member>,
    /// What each backend answers as (for judging a sample).
    pub identities: Identities,
    /// Whether the pods were asked through port-forwards.
    pub forwarded: bool,
}

/// The pods the Service could select, whatever their `label`.
fn candidates(r: &Router, ctx: &NativeCallContext, svc: &Value, label: &str) -> Result<Vec<Value>> {
    let mut selector: Vec<String> = svc["spec"]["selector"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != label)
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    selector.push(label.to_string());
    r.k8s.list(ctx, "pods", &selector.join(","))
}

/// What backend `b` answers as: the identity given for it, else its name
/// and its pods' versions.
fn identities_of(
    b: &str,
    pods: &[Value],
    label: &str,
    given: Option<&BTreeMap<String, String>>,
) -> Vec<String> {
    if let Some(id) = given.and_then(|g| g.get(b)) {
        return vec![id.clone()];
    }
    let mut ids: Vec<String> = pods
        .iter()
        .filter(|p| p["metadata"]["labels"][label].as_str() == Some(b))
        .flat_map(versions)
        .collect();
    ids.push(b.to_string());
    ids.sort();
    ids.dedup();
    ids
}

/// Why a round of the check did not pass.
enum Short {
    /// The Endpoints differ from the split asked for.
    Endpoints(Vec<String>),
    /// Pods that did not answer as their backend.
    Answers(Vec<String>),
}

/// A driver error's message, as one of a check's problems; an interrupt
/// (Ctrl-C) goes on as it is.
fn problem(e: Box<EvalAltResult>) -> Result<String> {
    match *e {
        EvalAltResult::ErrorTerminated(..) => Err(e),
        EvalAltResult::ErrorRuntime(ref d, _) => Ok(d.to_string()),
        ref other => Ok(other.to_string()),
    }
}

/// Checks the Service's split until it holds, or `asked.settle` has passed
/// (the endpoints controller, and pods going away, take a moment after a
/// switch): its Endpoints hold only ready pods of the backends `want` gives
/// weight, and each of those pods answers as its backend.
pub(super) fn check(
    h: &Host,
    ctx: &NativeCallContext,
    r: &Router,
    name: &str,
    label: &str,
    want: &Weights,
    asked: &Asked,
) -> Result<Checked> {
    let describe = r.describe();
    let svc = r
        .k8s
        .read(ctx, "services", name)?
        .ok_or_else(|| error_at(ctx, format!("{describe} not found in the run's namespace")))?;
    let port = port_name(&svc, asked.port).map_err(|e| error_at(ctx, e))?;
    let forwarded = r.k8s.forwarding(ctx);
    let started = Instant::now();
    loop {
        let short = match round(h, ctx, r, &svc, &port, label, want, asked, forwarded)? {
            Ok(checked) => return Ok(checked),
            Err(short) => short,
        };
        if started.elapsed() >= asked.settle {
            let after = crate::duration::format(asked.settle);
            let text = match short {
                Short::Endpoints(problems) => format!(
                    "{describe}: its endpoints do not hold the split asked for ({}) after {after}:\n  {}\nhint: kubectl get endpoints {name} -o wide; kubectl get pods -l {label} shows which pods are ready",
                    show(want),
                    problems.join("\n  ")
                ),
                Short::Answers(wrong) => format!(
                    "{describe}: its endpoints hold the pods asked for, but not each answers as its backend (after {after}):\n  {}\nhint: identities: #{{backend: \"what it answers with\"}} says what each backend answers as",
                    wrong.join("\n  ")
                ),
            };
            return Err(error_at(ctx, text));
        }
        h.block_on(async { tokio::time::sleep(POLL).await })
            .map_err(|_| cancelled_at(ctx))?;
    }
}

/// One look at the Endpoints, then one question to each pod they hold.
#[allow(clippy::too_many_arguments)]
fn round(
    h: &Host,
    ctx: &NativeCallContext,
    r: &Router,
    svc: &Value,
    port: &str,
    label: &str,
    want: &Weights,
    asked: &Asked,
    forwarded: bool,
) -> Result<std::result::Result<Checked, Short>> {
    let name = svc["metadata"]["name"].as_str().unwrap_or_default();
    let endpoints = r.k8s.read(ctx, "endpoints", name)?.unwrap_or(Value::Null);
    let pods = candidates(r, ctx, svc, label)?;
    let found = match members(&endpoints, port, &pods, label, want) {
        Ok(found) => found,
        Err(problems) => return Ok(Err(Short::Endpoints(problems))),
    };
    let identities: Identities = want
        .keys()
        .map(|b| {
            let ids = identities_of(b, &pods, label, asked.identities);
            (b.clone(), ids.into_iter().collect())
        })
        .collect();
    let mut urls = vec![];
    for m in &found {
        let at = if forwarded {
            match r.k8s.forward_to_pod(ctx, &m.pod, m.port) {
                Ok(local) => Ok(local),
                Err(e) => Err(problem(e)?),
            }
        } else {
            Ok(format!("{}:{}", m.ip, m.port))
        };
        urls.push(at.map(|a| format!("http://{a}{}", asked.path)));
    }
    let answers = h
        .block_on(async {
            let http = client(asked.timeout)?;
            let asks = urls.iter().map(|u| async {
                match u {
                    Ok(url) => ask(&http, url, asked.identify).await,
                    Err(e) => Err(e.clone()),
                }
            });
            Ok::<_, String>(futures::future::join_all(asks).await)
        })
        .map_err(|_| cancelled_at(ctx))?
        .map_err(|e| error_at(ctx, e))?;
    let wrong: Vec<String> = found
        .iter()
        .zip(answers)
        .filter_map(|(m, answer)| {
            let ids = &identities[&m.backend];
            match answer {
                Ok(id) if ids.contains(&id) => None,
                Ok(id) => Some(format!(
                    "pod {} of {} answers as {id}, not as {}",
                    m.pod,
                    m.backend,
                    ids.iter().cloned().collect::<Vec<_>>().join(" or ")
                )),
                Err(e) => Some(format!("pod {} of {}: {e}", m.pod, m.backend)),
            }
        })
        .collect();
    if !wrong.is_empty() {
        return Ok(Err(Short::Answers(wrong)));
    }
    Ok(Ok(Checked {
        members: found,
        identities,
        forwarded,
    }))
}

/// "blue 0, green 100".
fn show(want: &Weights) -> String {
    want.iter()
        .map(|(b, w)| format!("{b} {w}"))
        .collect::<Vec<_>>()
        .join(", ")
}
