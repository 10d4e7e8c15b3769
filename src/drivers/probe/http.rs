//! HTTP: a request whose answer must have the expected status, JSON fields,
//! body text and latency. TLS certificates are verified unless a check says
//! `insecure`; a check can trust an extra CA from a PEM file.

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Http {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// Accepted statuses as inclusive ranges (default 200–299).
    pub expect: Vec<(u16, u16)>,
    /// JSON fields (dotted paths) and the values they must equal.
    pub json: Vec<(String, Value)>,
    pub contains: Option<String>,
    pub matches: Option<regex::Regex>,
    /// Slowest answer accepted.
    pub within: Option<Duration>,
    pub client: Arc<reqwest::Client>,
}

/// What a client is built for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlsAndRedirects {
    pub ca_file: Option<PathBuf>,
    pub insecure: bool,
    pub follow_redirects: bool,
}

/// HTTP clients, one per setting, kept so checks share connections.
#[derive(Default)]
pub struct Clients(Mutex<HashMap<TlsAndRedirects, Arc<reqwest::Client>>>);

impl Clients {
    pub fn get(&self, how: &TlsAndRedirects) -> Result<Arc<reqwest::Client>, String> {
        let mut clients = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(how) {
            return Ok(c.clone());
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("orion/", env!("CARGO_PKG_VERSION")))
            .redirect(if how.follow_redirects {
                reqwest::redirect::Policy::limited(10)
            } else {
                reqwest::redirect::Policy::none()
            })
            .danger_accept_invalid_certs(how.insecure);
        if let Some(path) = &how.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                format!(
                    "the CA file {} is not a PEM certificate: {e}",
                    path.display()
                )
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let client = Arc::new(
            builder
                .build()
                .map_err(|e| format!("cannot set up an HTTP client: {e}"))?,
        );
        clients.insert(how.clone(), client.clone());
        Ok(client)
    }
}

/// Whether the CA file at `path` holds at least one PEM certificate (a
/// BEGIN/END CERTIFICATE block whose body is base64 of a DER sequence):
/// checked when a check is written, not at its first TLS handshake.
pub fn check_ca_file(path: &std::path::Path) -> Result<(), String> {
    use base64::Engine as _;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
    let not = |why: &str| {
        format!(
            "the CA file {} is not a PEM certificate: {why}\nhint: it starts with -----BEGIN CERTIFICATE-----",
            path.display()
        )
    };
    let mut found = 0;
    let mut rest = text.as_str();
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body = &rest[start + "-----BEGIN CERTIFICATE-----".len()..];
        let end = body
            .find("-----END CERTIFICATE-----")
            .ok_or_else(|| not("a BEGIN CERTIFICATE line has no END"))?;
        let b64: String = body[..end].split_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| not(&format!("its body is not base64 ({e})")))?;
        if der.first() != Some(&0x30) {
            return Err(not("its body is not a certificate"));
        }
        found += 1;
        rest = &body[end..];
    }
    if found == 0 {
        return Err(not("no BEGIN CERTIFICATE block"));
    }
    Ok(())
}

/// The error chain of a failed request, as one line: reqwest's own message
/// says little ("error sending request"), its sources say why.
fn why(e: &reqwest::Error) -> String {
    with_sources(e, e.to_string())
}

/// `text` followed by each source of `e` it does not already say, without
/// the " for url (...)" reqwest adds (callers name the URL, masked; the
/// URL reqwest quotes is the one it parsed, which may hold pieces of a
/// password it misread as host, port or path), and masked.
pub(crate) fn with_sources(e: &reqwest::Error, text: String) -> String {
    let mut text = match e.url() {
        Some(url) => text.replace(&format!(" for url ({url})"), ""),
        None => text,
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let line = s.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = s.source();
    }
    crate::mask::secrets(&text)
}

fn expected_statuses(ranges: &[(u16, u16)]) -> String {
    let parts: Vec<String> = ranges
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    parts.join(" or ")
}

/// The value at a dotted path ("checks.db.status", "items.0.name").
pub fn field<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| match v {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => v.get(key),
    })
}

pub async fn probe(h: &Http, timeout: Duration) -> Result<Map<String, Value>, String> {
    let method = reqwest::Method::from_bytes(h.method.as_bytes())
        .map_err(|_| format!("{} is not an HTTP method", h.method))?;
    let mut request = h.client.request(method, &h.url).timeout(timeout);
    for (k, v) in &h.headers {
        request = request.header(k, v);
    }
    if let Some(body) = &h.body {
        request = request.body(body.clone());
    }
    let started = Instant::now();
    let response = request.send().await.map_err(|e| why(&e))?;
    let status = response.status().as_u16();
    let final_url = response.url().to_string();
    let text = response.text().await.map_err(|e| why(&e))?;
    let latency = started.elapsed();
    let shown = super::excerpt(&text, 200);
    let mut problems = vec![];
    if !h.expect.iter().any(|(a, b)| (*a..=*b).contains(&status)) {
        problems.push(format!(
            "expected status {}, got {status}",
            expected_statuses(&h.expect)
        ));
    }
    if !h.json.is_empty() {
        match serde_json::from_str::<Value>(&text) {
            Err(e) => problems.push(format!(
                "expected a JSON body, got one that is not JSON ({e})"
            )),
            Ok(doc) => {
                for (path, want) in &h.json {
                    match field(&doc, path) {
                        Some(got) if got == want => {}
                        Some(got) => problems.push(format!("expected {path} == {want}, got {got}")),
                        None => problems.push(format!(
                            "expected {path} == {want}, but the body has no {path}"
                        )),
                    }
                }
            }
        }
    }
    if let Some(needle) = &h.contains {
        if !text.contains(needle.as_str()) {
            problems.push(format!("expected the body to contain {needle:?}"));
        }
    }
    if let Some(re) = &h.matches {
        if !re.is_match(&text) {
            problems.push(format!("expected the body to match /{}/", re.as_str()));
        }
    }
    if let Some(max) = h.within {
        if latency > max {
            problems.push(format!(
                "expected an answer within {}, it took {}",
                crate::duration::format(max),
                crate::duration::format(latency)
            ));
        }
    }
    if !problems.is_empty() {
        return Err(format!("{}; body: {shown}", problems.join("; ")));
    }
    let mut found = Map::new();
    found.insert("status".into(), json!(status));
    found.insert("body".into(), json!(shown));
    if final_url != h.url {
        found.insert("url".into(), json!(final_url));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_reach_into_objects_and_arrays() {
        let v = json!({"checks": {"db": {"status": "up"}}, "items": [{"n": 1}]});
        assert_eq!(field(&v, "checks.db.status"), Some(&json!("up")));
        assert_eq!(field(&v, "items.0.n"), Some(&json!(1)));
        assert_eq!(field(&v, "checks.cache"), None);
        assert_eq!(
            expected_statuses(&[(200, 299), (304, 304)]),
            "200-299 or 304"
        );
    }
}
