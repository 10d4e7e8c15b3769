//! How a run's API calls behave: their time limits (orion.toml's `[api]`),
//! what the operator is told while one waits, and whether the API server
//! has stopped answering. Once it has, each call gets one short try, so the
//! undo and the run's closing writes notice a dead API at once instead of
//! retrying every object to its limit; any answer makes calls normal again.
//!
//! A run sets its `Calls` around every driver future (`scoped`); code that
//! runs outside one (the `rollback` command, tests) gets the defaults.

use serde::Deserialize;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `[api]` in orion.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    /// Opening a connection to the API server.
    #[serde(deserialize_with = "duration")]
    pub connect_timeout: Duration,
    /// One request, from sending it to its whole answer (not watches).
    #[serde(deserialize_with = "duration")]
    pub request_timeout: Duration,
    /// How long a call that keeps failing for a passing reason (5xx, 429, a
    /// dropped connection, no answer) is tried again before it fails.
    #[serde(deserialize_with = "duration")]
    pub retry_for: Duration,
}

impl Default for ApiSettings {
    fn default() -> ApiSettings {
        ApiSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            retry_for: Duration::from_secs(20),
        }
    }
}

/// The most each limit may be: a typo of "10m" for "10s" is not a hang.
const MAX: Duration = Duration::from_secs(600);

impl ApiSettings {
    /// Each limit is more than zero and at most ten minutes.
    pub fn check(&self) -> Result<(), String> {
        for (key, d) in [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
            ("retry_for", self.retry_for),
        ] {
            if d.is_zero() || d > MAX {
                return Err(format!(
                    "[api] {key} is {}; it must be more than 0 and at most 10m",
                    crate::duration::format(d)
                ));
            }
        }
        Ok(())
    }
}

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    crate::duration::parse(&text).map_err(serde::de::Error::custom)
}

/// Says a line to the operator (a run's console).
pub type Notice = Arc<dyn Fn(String) + Send + Sync>;

/// A call waiting longer than this says so.
pub const SAY_AFTER: Duration = Duration::from_secs(2);

/// One try's limit once the API server has stopped answering.
pub const DEAD_TRY: Duration = Duration::from_secs(3);

/// A run's API calls: their limits, where they say they are waiting, and
/// since when the API server has not answered.
pub struct Calls {
    pub settings: ApiSettings,
    notice: Option<Notice>,
    unanswered_since: Mutex<Option<Instant>>,
}

impl Calls {
    pub fn new(settings: ApiSettings, notice: Option<Notice>) -> Calls {
        Calls {
            settings,
            notice,
            unanswered_since: Mutex::new(None),
        }
    }

    /// Says `line` to the operator, when there is one to tell.
    pub fn say(&self, line: String) {
        if let Some(n) = &self.notice {
            n(line);
        } else {
            tracing::info!("{line}");
        }
    }

    /// The API server answered (anything, an error too).
    pub fn answered(&self) {
        *self.since() = None;
    }

    /// A call got no answer: no connection, or none in time.
    pub fn unanswered(&self) {
        self.since().get_or_insert_with(Instant::now);
    }

    /// Whether the API server has stopped answering: its last call got none.
    pub fn api_dead(&self) -> bool {
        self.since().is_some()
    }

    fn since(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.unanswered_since
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

tokio::task_local! {
    static CALLS: Arc<Calls>;
}

/// Runs `fut` with `calls` as its API calls' settings and state.
pub async fn scoped<F: Future>(calls: Arc<Calls>, fut: F) -> F::Output {
    CALLS.scope(calls, fut).await
}

/// The calls of the run this task is in (fresh defaults outside one).
pub fn current() -> Arc<Calls> {
    CALLS
        .try_with(Arc::clone)
        .unwrap_or_else(|_| Arc::new(Calls::new(ApiSettings::default(), None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked() {
        ApiSettings::default().check().unwrap();
        let zero = ApiSettings {
            retry_for: Duration::ZERO,
            ..ApiSettings::default()
        };
        assert!(zero.check().unwrap_err().contains("retry_for"));
        let long = ApiSettings {
            request_timeout: Duration::from_secs(3600),
            ..ApiSettings::default()
        };
        assert!(long.check().unwrap_err().contains("at most 10m"));
    }

    #[test]
    fn an_answer_ends_the_unanswered_state() {
        let c = Calls::new(ApiSettings::default(), None);
        assert!(!c.api_dead());
        c.unanswered();
        assert!(c.api_dead());
        c.answered();
        assert!(!c.api_dead());
    }

    #[tokio::test]
    async fn a_scope_gives_its_calls_to_the_code_inside() {
        let calls = Arc::new(Calls::new(ApiSettings::default(), None));
        calls.unanswered();
        assert!(!current().api_dead(), "outside: fresh defaults");
        let inside = scoped(calls.clone(), async { current().api_dead() }).await;
        assert!(inside);
    }
}
