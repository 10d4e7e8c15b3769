//! Health checks, the driver side: HTTP, TCP, PostgreSQL, Redis and DNS
//! against real endpoints, each with a timeout and retries with back-off,
//! run one at a time or many concurrently. Nothing here knows about Rhai.
//! Credentials in DSNs and URLs never reach a message: targets are shown
//! through `crate::mask`, and so is every failure.

pub mod dns;
pub mod http;
pub mod postgres;
pub mod redis;
pub mod run;
pub mod tcp;

use crate::mask;
use serde_json::Value;
use std::time::Duration;

/// What to check.
#[derive(Debug, Clone)]
pub enum Probe {
    Http(http::Http),
    Tcp(String),
    Postgres(postgres::Postgres),
    Redis(redis::Redis),
    Dns(String),
}

/// A probe with its name and how hard to try.
#[derive(Debug, Clone)]
pub struct Check {
    /// Shown in results and messages; defaults to the kind and target.
    pub name: String,
    pub probe: Probe,
    /// Per attempt.
    pub timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
    /// Wait before the first retry, multiplied by `backoff` for each next one.
    pub interval: Duration,
    pub backoff: f64,
}

impl Check {
    /// A check of `probe` with the defaults: 10 s timeout, no retries.
    pub fn new(probe: Probe) -> Check {
        Check {
            name: probe.describe(),
            probe,
            timeout: Duration::from_secs(10),
            retries: 0,
            interval: Duration::from_secs(1),
            backoff: 2.0,
        }
    }
}

impl Probe {
    /// "http GET http://auth/health", "postgres shop@db:5432/shop": never a password.
    pub fn describe(&self) -> String {
        match self {
            Probe::Http(h) => format!("{} {}", h.method, mask::secrets(&h.url)),
            Probe::Tcp(a) => format!("tcp {a}"),
            Probe::Postgres(p) => format!("postgres {}", p.shown()),
            Probe::Redis(r) => format!("redis {}", mask::secrets(&r.url)),
            Probe::Dns(n) => format!("dns {n}"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Probe::Http(_) => "http",
            Probe::Tcp(_) => "tcp",
            Probe::Postgres(_) => "postgres",
            Probe::Redis(_) => "redis",
            Probe::Dns(_) => "dns",
        }
    }
}

/// A check that passed: how long its last attempt took, how many it took,
/// and what the probe found ("status", "body", "addresses", "value"...).
#[derive(Debug, Clone, PartialEq)]
pub struct Passed {
    pub latency: Duration,
    pub attempts: u32,
    pub found: serde_json::Map<String, Value>,
}

/// A check that failed: what was expected and what came back, after how
/// many attempts and how long in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Failed {
    pub message: String,
    pub attempts: u32,
    pub elapsed: Duration,
}

/// `text` cut to `max` characters, saying so.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{excerpt, redis::Redis, Probe};

    #[test]
    fn passwords_never_show() {
        let probe = Probe::Redis(Redis {
            url: "redis://:hun/ter#2@127.0.0.1:6379/0".into(),
            round_trip: false,
        });
        assert_eq!(probe.describe(), "redis redis://:***@127.0.0.1:6379/0");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}
