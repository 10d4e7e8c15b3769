//! A webhook a run posts to: where, in which format, for which events, and
//! how long a post may take. Its URL's path and query and its header values
//! are secrets (Slack puts the token in the path): `shown` is all that is
//! ever printed of it.

use crate::drivers::notify::kind::Kind;
use reqwest::header::{HeaderName, HeaderValue};
use std::time::Duration;

/// How long a post may take unless the playbook says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub enum Format {
    /// `{"text": ...}` with an optional channel and username: Slack incoming
    /// webhooks, Mattermost and Rocket.Chat accept it.
    Slack {
        channel: Option<String>,
        username: Option<String>,
    },
    /// The notice's fields as JSON, with extra request headers.
    Generic {
        headers: Vec<(HeaderName, HeaderValue)>,
    },
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: url::Url,
    pub format: Format,
    pub timeout: Duration,
    /// The events it is sent (a free `notify::send` text always goes).
    pub on: Vec<Kind>,
}

impl Webhook {
    /// A webhook at `url` (http or https; the error shows scheme and host only).
    pub fn new(url: &str, format: Format) -> Result<Webhook, String> {
        let parsed = url::Url::parse(url).map_err(|e| {
            format!("the webhook URL is not a URL ({e})\nhint: pass the full URL, e.g. https://hooks.slack.com/services/...")
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(format!(
                "the webhook URL {} is not an http(s) URL with a host\nhint: pass the full URL, e.g. https://hooks.slack.com/services/...",
                shown(&parsed)
            ));
        }
        Ok(Webhook {
            url: parsed,
            format,
            timeout: DEFAULT_TIMEOUT,
            on: Kind::SUBSCRIBABLE.to_vec(),
        })
    }

    /// Scheme, host and port: what logs and errors may say of it.
    pub fn shown(&self) -> String {
        shown(&self.url)
    }

    /// Whether it is sent notices of `kind`.
    pub fn wants(&self, kind: Kind) -> bool {
        kind == Kind::Message || self.on.contains(&kind)
    }

    /// What of it must never be printed: the URL itself, its path, query and
    /// password, and header values (each word of them too, e.g. a bearer token).
    pub fn secrets(&self) -> Vec<String> {
        let mut out = vec![self.url.to_string()];
        if self.url.path().len() > 1 {
            out.push(self.url.path().to_string());
        }
        out.extend(self.url.query().map(str::to_string));
        out.extend(self.url.password().map(str::to_string));
        if let Format::Generic { headers } = &self.format {
            for (_, value) in headers {
                let text = String::from_utf8_lossy(value.as_bytes()).to_string();
                out.extend(text.split_whitespace().map(str::to_string));
                out.push(text);
            }
        }
        out
    }
}

/// "https://hooks.slack.com" (with the port when it is not the default).
pub fn shown(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scheme_and_host_are_shown() {
        let f = Format::Slack {
            channel: None,
            username: None,
        };
        let w = Webhook::new("https://hooks.slack.com/services/T0/B0/XYZtoken", f.clone()).unwrap();
        assert_eq!(w.shown(), "https://hooks.slack.com");
        assert!(w.secrets().iter().any(|s| s.contains("XYZtoken")));
        let e = Webhook::new("ftp://u:pw@host/secret-path", f.clone()).unwrap_err();
        assert!(
            e.contains("ftp://host") && !e.contains("secret-path") && !e.contains("pw"),
            "{e}"
        );
        let e = Webhook::new("hooks.slack.com/services/T0", f).unwrap_err();
        assert!(!e.contains("T0"), "{e}");
    }
}
