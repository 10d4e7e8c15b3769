//! Verifying a traffic split: `sample` sends requests through an entry point,
//! each on a new connection (load balancers and kube-proxy pick a backend per
//! connection), and counts who answered by a response header or a JSON
//! field; `judge` compares the counts with the weights asked for.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How a response says which backend served it.
#[derive(Debug, Clone, PartialEq)]
pub enum Identify {
    /// A response header, e.g. X-Orion-Version.
    Header(String),
    /// A field of a JSON body (dotted path), e.g. "version".
    Json(String),
}

/// What the requests found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    pub requests: usize,
    /// Answers per identity.
    pub counts: BTreeMap<String, usize>,
    /// Requests that failed or could not be identified, and the first reason.
    pub errors: usize,
    pub first_error: Option<String>,
}

/// Who answered one GET of `entry`, as `identify` reads it.
pub async fn ask(
    client: &reqwest::Client,
    entry: &str,
    identify: &Identify,
) -> Result<String, String> {
    let response = client.get(entry).send().await.map_err(|e| {
        let mut text = e.to_string();
        if let Some(s) = std::error::Error::source(&e) {
            text.push_str(&format!(": {s}"));
        }
        text
    })?;
    match identify {
        Identify::Header(name) => response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| format!("the answer ({}) has no {name} header", response.status())),
        Identify::Json(path) => {
            let body: serde_json::Value = response
                .json()
                .await
                .map_err(|e| format!("the answer is not JSON: {e}"))?;
            match crate::drivers::probe::http::field(&body, path) {
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(other) => Ok(other.to_string()),
                None => Err(format!("the answer has no field {path}")),
            }
        }
    }
}

/// An HTTP client making a new connection for each request (a load
/// balancer or kube-proxy picks a backend per connection).
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .pool_max_idle_per_host(0)
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot set up an HTTP client: {e}"))
}

/// Sends `requests` GETs to `entry`, `concurrency` at a time.
pub async fn sample(
    entry: &str,
    requests: usize,
    concurrency: usize,
    identify: &Identify,
    timeout: Duration,
) -> Result<Sample, String> {
    use futures::stream::{self, StreamExt};
    let client = client(timeout)?;
    let answers: Vec<Result<String, String>> = stream::iter(0..requests)
        .map(|_| ask(&client, entry, identify))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut s = Sample {
        requests,
        ..Sample::default()
    };
    for a in answers {
        match a {
            Ok(id) => *s.counts.entry(id).or_default() += 1,
            Err(e) => {
                s.errors += 1;
                s.first_error.get_or_insert(e);
            }
        }
    }
    Ok(s)
}

/// Weights as percentages of their sum.
pub fn percentages(weights: &BTreeMap<String, i64>) -> BTreeMap<String, f64> {
    let total: i64 = weights.values().sum();
    weights
        .iter()
        .map(|(k, w)| {
            (
                k.clone(),
                if total > 0 {
                    *w as f64 * 100.0 / total as f64
                } else {
                    0.0
                },
            )
        })
        .collect()
}

/// What each backend answers with: the identities given for it, else its
/// own name.
pub type Identities = BTreeMap<String, BTreeSet<String>>;

/// Whether backend `backend` answers as `id`.
fn answers_as(identities: &Identities, backend: &str, id: &str) -> bool {
    identities
        .get(backend)
        .map_or(backend == id, |ids| ids.contains(id))
}

/// The observed share of each backend (percent of all requests), given
/// which identities each backend answers with. Fails, with the split asked
/// for and the one observed, when a backend is off by more than
/// `tolerance` percentage points, or when answers came from no backend.
pub fn judge(
    want: &BTreeMap<String, i64>,
    sample: &Sample,
    identities: &Identities,
    tolerance: f64,
) -> Result<BTreeMap<String, f64>, String> {
    let want = percentages(want);
    let n = sample.requests.max(1) as f64;
    let mut observed = BTreeMap::new();
    let mut known = 0;
    for backend in want.keys() {
        let c: usize = sample
            .counts
            .iter()
            .filter(|(id, _)| answers_as(identities, backend, id))
            .map(|(_, c)| c)
            .sum();
        known += c;
        observed.insert(backend.clone(), c as f64 * 100.0 / n);
    }
    let strangers: Vec<String> = sample
        .counts
        .iter()
        .filter(|(id, _)| !want.keys().any(|b| answers_as(identities, b, id)))
        .map(|(id, c)| format!("{id} ×{c}"))
        .collect();
    let off: Vec<&String> = want
        .iter()
        .filter(|(b, w)| (observed[*b] - **w).abs() > tolerance)
        .map(|(b, _)| b)
        .collect();
    if off.is_empty() && known + sample.errors == sample.requests && sample.errors == 0 {
        return Ok(observed);
    }
    let show = |m: &BTreeMap<String, f64>| {
        m.iter()
            .map(|(b, p)| format!("{b} {p:.1}%"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut why = format!(
        "the traffic split is off target: asked for {}, observed {} over {} requests (tolerance ±{tolerance} points)",
        show(&want),
        show(&observed),
        sample.requests
    );
    if sample.errors > 0 {
        why.push_str(&format!(
            "; {} requests failed (first: {})",
            sample.errors,
            sample.first_error.as_deref().unwrap_or("?")
        ));
    }
    if !strangers.is_empty() {
        why.push_str(&format!(
            "; answers from no backend of this router: {}",
            strangers.join(", ")
        ));
    }
    Err(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(counts: &[(&str, usize)], errors: usize) -> Sample {
        Sample {
            requests: counts.iter().map(|(_, c)| c).sum::<usize>() + errors,
            counts: counts.iter().map(|(k, c)| (k.to_string(), *c)).collect(),
            errors,
            first_error: (errors > 0).then(|| "connection reset".to_string()),
        }
    }

    fn weights(w: &[(&str, i64)]) -> BTreeMap<String, i64> {
        w.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_split_within_tolerance_passes_and_one_outside_says_both() {
        let want = weights(&[("v1", 90), ("v2", 10)]);
        let ok = judge(
            &want,
            &sample(&[("v1", 905), ("v2", 95)], 0),
            &Identities::new(),
            2.0,
        )
        .unwrap();
        assert!((ok["v2"] - 9.5).abs() < 1e-9);
        let e = judge(
            &want,
            &sample(&[("v1", 970), ("v2", 30)], 0),
            &Identities::new(),
            2.0,
        )
        .unwrap_err();
        assert!(
            e.contains(
                "asked for v1 90.0%, v2 10.0%, observed v1 97.0%, v2 3.0% over 1000 requests"
            ),
            "{e}"
        );
    }

    #[test]
    fn identities_map_backends_and_strangers_and_errors_fail() {
        let want = weights(&[("blue", 1), ("green", 0)]);
        let ids: Identities = [("blue".to_string(), ["1.4.2".to_string()].into())].into();
        judge(&want, &sample(&[("1.4.2", 100)], 0), &ids, 0.0).unwrap();
        let e = judge(
            &want,
            &sample(&[("1.4.2", 98), ("canary", 2)], 0),
            &ids,
            5.0,
        )
        .unwrap_err();
        assert!(
            e.contains("answers from no backend of this router: canary ×2"),
            "{e}"
        );
        let e = judge(&want, &sample(&[("1.4.2", 99)], 1), &ids, 5.0).unwrap_err();
        assert!(
            e.contains("1 requests failed (first: connection reset)"),
            "{e}"
        );
    }
}
