//! One POST of a JSON body to a webhook, bounded by the webhook's timeout.
//! TLS certificates are verified; redirects are not followed (they could
//! carry the URL's token elsewhere). Errors name the webhook by scheme and
//! host only, never its path, query or headers.

use crate::drivers::notify::webhook::{Format, Webhook};
use serde_json::Value;

/// The client every webhook post shares.
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(concat!("orion/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build the HTTP client for notifications: {e}"))
}

/// Posts `body` to `hook`; Ok when it answers 2xx within its timeout.
pub async fn post(client: &reqwest::Client, hook: &Webhook, body: &Value) -> Result<(), String> {
    let mut request = client
        .post(hook.url.clone())
        .timeout(hook.timeout)
        .json(body);
    if let Format::Generic { headers } = &hook.format {
        for (name, value) in headers {
            request = request.header(name.clone(), value.clone());
        }
    }
    let no_answer = || format!("no answer within {}", crate::duration::format(hook.timeout));
    // reqwest's timeout covers the whole exchange; the outer one is a backstop.
    let sent = tokio::time::timeout(hook.timeout, request.send()).await;
    match sent {
        Err(_) => Err(no_answer()),
        Ok(Err(e)) if e.is_timeout() => Err(no_answer()),
        Ok(Err(e)) => Err(scrub(&cause(&e.without_url()), hook)),
        Ok(Ok(r)) if r.status().is_success() => Ok(()),
        Ok(Ok(r)) => Err(format!("it answered {}", r.status())),
    }
}

/// The innermost cause of an error ("Connection refused (os error 111)").
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// `text` without anything of the webhook that is secret.
fn scrub(text: &str, hook: &Webhook) -> String {
    let mut out = text.to_string();
    for s in hook.secrets() {
        if s.len() > 1 {
            out = out.replace(&s, "***");
        }
    }
    out
}
