//! A Prometheus HTTP API client: instant queries (`/api/v1/query`), range
//! queries (`/api/v1/query_range`) and the one number a check judges. TLS
//! certificates are verified; every request has a timeout. `Prometheus` is
//! Send + Sync: share it in an `Arc` across tasks.

use crate::drivers::metrics::error::{why, ErrorKind, MetricsError};
use crate::drivers::metrics::sample::{self, Sample, Series};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A client for one Prometheus server (or anything serving its API:
/// Thanos, Mimir, VictoriaMetrics).
#[derive(Debug, Clone)]
pub struct Prometheus {
    /// The URL requests go to (a password in it is sent as basic auth).
    base: String,
    /// `base` with its secrets masked (`crate::mask`), for messages.
    url: String,
    client: reqwest::Client,
    timeout: Duration,
    headers: Vec<(String, String)>,
}

/// Requests wait this long for an answer unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl Prometheus {
    /// A client for the server at `url` ("http://prometheus:9090", with a path
    /// prefix if it has one). Fails on a URL that is not http(s).
    pub fn new(url: &str) -> Result<Prometheus, String> {
        let shown = crate::mask::secrets(url);
        let parsed = url::Url::parse(url).map_err(|e| {
            format!(
                "{shown:?} is not a Prometheus URL ({e})\nhint: http://prometheus.monitoring:9090"
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "{shown:?} is not an http(s) URL\nhint: http://prometheus.monitoring:9090"
            ));
        }
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("orion/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up an HTTP client: {e}"))?;
        let base = url.trim_end_matches('/').to_string();
        Ok(Prometheus {
            url: crate::mask::secrets(&base),
            base,
            client,
            timeout: DEFAULT_TIMEOUT,
            headers: vec![],
        })
    }

    /// The same client, sending `headers` with each request
    /// (`Authorization: Bearer ...` for a managed Prometheus).
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Prometheus {
        self.headers = headers;
        self
    }

    /// The same client, waiting up to `timeout` for each answer.
    pub fn with_timeout(mut self, timeout: Duration) -> Prometheus {
        self.timeout = timeout;
        self
    }

    /// The server's URL as given (without a trailing slash), any password
    /// in it shown as "***": for messages and events.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// GET `path` with `params`; the `data` of a successful answer.
    async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
        promql: &str,
    ) -> Result<Value, MetricsError> {
        let mut request = self
            .client
            .get(format!("{}{path}", self.base))
            .query(params)
            .timeout(self.timeout);
        for (k, v) in &self.headers {
            request = request.header(k, v);
        }
        let endpoint = format!("{}{path}", self.url);
        let response = request
            .send()
            .await
            .map_err(|e| {
                MetricsError::new(
                    ErrorKind::Unreachable,
                    format!(
                        "cannot reach Prometheus at {}: {}\nhint: is it running, and is the URL right? try curl {}/-/ready",
                        self.url,
                        why(&e),
                        self.url
                    ),
                )
            })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| {
            MetricsError::new(
                ErrorKind::Unreachable,
                format!(
                    "Prometheus at {} broke off its answer: {}",
                    self.url,
                    why(&e)
                ),
            )
        })?;
        let body: Value = serde_json::from_str(&text).map_err(|_| {
            MetricsError::new(
                ErrorKind::BadAnswer,
                format!(
                    "{endpoint} answered {status} with something that is not Prometheus's API: {}\nhint: give the server's base URL (http://host:9090), without /api/v1",
                    crate::drivers::probe::excerpt(&text, 200)
                ),
            )
        })?;
        if body["status"] == "error" || !status.is_success() {
            let kind = body["errorType"].as_str().unwrap_or("error");
            let error = body["error"].as_str().unwrap_or("no reason given");
            let hint = match kind {
                "bad_data" => "check the PromQL (try it on Prometheus's /graph page)",
                "timeout" | "canceled" => "narrow the query or its range, or raise the timeout",
                _ => "see Prometheus's own log for the cause",
            };
            return Err(MetricsError::new(
                ErrorKind::Refused,
                format!(
                    "Prometheus at {} refused the query {promql} ({status}, {kind}): {error}\nhint: {hint}",
                    self.url
                ),
            ));
        }
        Ok(body["data"].clone())
    }

    fn bad_answer(&self, promql: &str, why: String) -> MetricsError {
        let (what, hint) = why.split_once("\nhint: ").unwrap_or((&why, ""));
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!("\nhint: {hint}")
        };
        MetricsError::new(
            ErrorKind::BadAnswer,
            format!("Prometheus at {}: {promql}: {what}{hint}", self.url),
        )
    }

    /// The samples of an instant query evaluated now (a scalar is one
    /// sample without labels).
    pub async fn query(&self, promql: &str) -> Result<Vec<Sample>, MetricsError> {
        let data = self
            .get("/api/v1/query", &[("query", promql.to_string())], promql)
            .await?;
        sample::instant(&data).map_err(|e| self.bad_answer(promql, e))
    }

    /// The one number `promql` gives now: `None` when it gives no series or
    /// NaN (no data to judge); an error naming the series when it gives more
    /// than one.
    pub async fn value(&self, promql: &str) -> Result<Option<f64>, MetricsError> {
        let samples = self.query(promql).await?;
        match &samples[..] {
            [] => Ok(None),
            [one] if one.value.is_nan() => Ok(None),
            [one] => Ok(Some(one.value)),
            many => {
                let names: Vec<String> = many
                    .iter()
                    .take(5)
                    .map(|s| sample::describe(&s.labels))
                    .collect();
                Err(MetricsError::new(
                    ErrorKind::Ambiguous,
                    format!(
                        "{promql} gives {} series, not one number: {}{}\nhint: aggregate it (sum(...), max(...)) or narrow its labels",
                        many.len(),
                        names.join(", "),
                        if many.len() > 5 { ", ..." } else { "" }
                    ),
                ))
            }
        }
    }

    /// The series of `promql` over the `window` ending now, one point per `step`.
    pub async fn query_range(
        &self,
        promql: &str,
        window: Duration,
        step: Duration,
    ) -> Result<Vec<Series>, MetricsError> {
        if step.is_zero() {
            return Err(self.bad_answer(promql, "the step must be longer than 0s".into()));
        }
        let end = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let params = [
            ("query", promql.to_string()),
            ("start", format!("{:.3}", end - window.as_secs_f64())),
            ("end", format!("{end:.3}")),
            ("step", format!("{}", step.as_secs_f64())),
        ];
        let data = self.get("/api/v1/query_range", &params, promql).await?;
        sample::range(&data).map_err(|e| self.bad_answer(promql, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_kept_without_a_trailing_slash() {
        let p = Prometheus::new("http://prom:9090/").unwrap();
        assert_eq!(p.url(), "http://prom:9090");
        let secret = Prometheus::new("https://me:hunter2@prom.example").unwrap();
        assert_eq!(secret.url(), "https://me:***@prom.example");
        assert_eq!(p.timeout(), DEFAULT_TIMEOUT);
        assert!(Prometheus::new("prom:9090")
            .unwrap_err()
            .contains("http(s)"));
        assert!(Prometheus::new("not a url").unwrap_err().contains("hint"));
        // A monitor calls these from tokio tasks.
        fn shared<T: Send + Sync>() {}
        fn sendable<T: Send>(_: &T) {}
        shared::<Prometheus>();
        sendable(&p.value("up"));
        sendable(&p.query_range("up", Duration::from_secs(60), Duration::from_secs(15)));
    }
}
