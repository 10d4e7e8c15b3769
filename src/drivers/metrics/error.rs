//! What can go wrong asking a metrics source, each with what, where and
//! what to try in its message.

use std::fmt;

/// Which way a metrics request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No connection, or no answer within the timeout.
    Unreachable,
    /// The source answered with an error of its own (Prometheus's
    /// `errorType`/`error`, or an HTTP error status).
    Refused,
    /// The answer was not what the API promises (not JSON, wrong shape).
    BadAnswer,
    /// A query meant to give one number gave several series.
    Ambiguous,
}

/// A failed metrics request. `message` says what, where and (after a
/// "\nhint: ") what to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsError {
    pub kind: ErrorKind,
    pub message: String,
}

impl MetricsError {
    /// An error of `kind`; `message` is masked (`crate::mask`): it may quote
    /// a URL with a password or a token.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> MetricsError {
        MetricsError {
            kind,
            message: crate::mask::secrets(&message.into()),
        }
    }
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MetricsError {}

/// The error chain of a failed request as one line (reqwest's own message
/// says little, its sources say why).
pub fn why(e: &reqwest::Error) -> String {
    let text = if e.is_timeout() {
        "no answer in time".to_string()
    } else {
        e.to_string()
    };
    crate::drivers::probe::http::with_sources(e, text)
}
