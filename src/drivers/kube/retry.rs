//! Transient API failures (5xx, 429, dropped connections, no answer) are
//! retried with a growing back-off until the run's retry budget — a time,
//! `[api] retry_for` — is spent; every try has a time limit. A call waiting
//! longer than two seconds says what it waits for. Once the API server has
//! stopped answering, a call gets one short try (`calls`).

use crate::drivers::kube::calls::{self, Calls, DEAD_TRY, SAY_AFTER};
use crate::drivers::kube::error::K8sError;
use std::future::Future;
use std::time::Duration;
// tokio's clock: the budget follows a paused clock in tests.
use tokio::time::Instant;

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long one try waits before it may say so.
const PENDING: Duration = Duration::from_secs(1);
/// How often a long wait says it is still waiting.
const SAY_EVERY: Duration = Duration::from_secs(10);

/// Runs `call` until it succeeds, fails for good, or the retry budget is spent.
pub async fn retry<T, F, Fut>(what: &str, mut call: F) -> Result<T, K8sError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let calls = calls::current();
    let settings = calls.settings;
    let started = Instant::now();
    let mut backoff = FIRST_BACKOFF;
    let mut said = None;
    let mut tries = 0;
    loop {
        tries += 1;
        let dead = calls.api_dead();
        let limit = if dead {
            DEAD_TRY.min(settings.request_timeout)
        } else {
            settings.request_timeout
        };
        let err = match one_try(what, call(), limit, &calls, started, &mut said).await {
            Ok(value) => {
                calls.answered();
                return Ok(value);
            }
            Err(e) => e,
        };
        if err.code.is_some() {
            calls.answered();
        } else if err.unanswered {
            calls.unanswered();
        }
        let spent = started.elapsed() + backoff >= settings.retry_for;
        if !err.transient() || spent || (dead && err.unanswered) {
            return Err(if err.unanswered && tries > 1 {
                err.with_hint_of_time(started.elapsed())
            } else {
                err
            });
        }
        tracing::debug!("{what}: {err}; retrying in {backoff:?}");
        if started.elapsed() >= SAY_AFTER
            && said.is_none_or(|at: Instant| at.elapsed() >= SAY_EVERY)
        {
            let left = settings.retry_for.saturating_sub(started.elapsed());
            // The error's message starts with what was tried.
            calls.say(format!(
                "{}; trying again for up to {}s more",
                err.message.lines().next().unwrap_or_default(),
                left.as_secs()
            ));
            said = Some(Instant::now());
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One try of `call` within `limit`, saying so when it waits long.
async fn one_try<T, Fut>(
    what: &str,
    call: Fut,
    limit: Duration,
    calls: &Calls,
    started: Instant,
    said: &mut Option<Instant>,
) -> Result<T, K8sError>
where
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let attempt = tokio::time::timeout(limit, call);
    tokio::pin!(attempt);
    // This try says it waits once it has waited a while itself, and the
    // call two seconds in all.
    let first_tell = (started + SAY_AFTER).max(Instant::now() + PENDING);
    loop {
        let tell_at = match *said {
            Some(at) => (at + SAY_EVERY).max(first_tell),
            None => first_tell,
        };
        tokio::select! {
            biased;
            out = &mut attempt => {
                return match out {
                    Ok(Ok(value)) => Ok(value),
                    Ok(Err(e)) => Err(K8sError::from_kube(what, e)),
                    Err(_) => Err(K8sError::unanswered(format!(
                        "{what}: no answer from the API server within {}s\nhint: the API server is slow or unreachable; [api] request_timeout in orion.toml sets the limit",
                        limit.as_secs()
                    ))),
                };
            }
            _ = tokio::time::sleep_until(tell_at) => {
                calls.say(format!(
                    "{what}: waiting for the API server ({}s so far)",
                    started.elapsed().as_secs()
                ));
                *said = Some(Instant::now());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drivers::kube::calls::{scoped, ApiSettings, Calls};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Mutex};

    fn status(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            message: "injected".into(),
            reason: "InternalError".into(),
            ..Default::default()
        }))
    }

    /// A call failing with 500 its first `failures` times.
    async fn flaky(
        failures: u32,
        settings: ApiSettings,
    ) -> (Result<u32, K8sError>, u32, Vec<String>) {
        let said = Arc::new(Mutex::new(vec![]));
        let s = said.clone();
        let calls = Calls::new(settings, Some(Arc::new(move |l| s.lock().unwrap().push(l))));
        let count = AtomicU32::new(0);
        let out = scoped(
            Arc::new(calls),
            retry("reading it", || {
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    if n <= failures {
                        Err(status(500))
                    } else {
                        Ok(n)
                    }
                }
            }),
        )
        .await;
        let said = said.lock().unwrap().clone();
        (out, count.load(Ordering::SeqCst), said)
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_is_a_time_not_a_count_of_tries() {
        // Eight failures in a row: more than any fixed six tries allow.
        let (out, tries, said) = flaky(8, ApiSettings::default()).await;
        assert_eq!(out.unwrap(), 9);
        assert_eq!(tries, 9);
        assert!(
            said.iter()
                .any(|l| l.starts_with("reading it: injected") && l.contains("trying again")),
            "{said:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_failing_past_its_budget_fails_with_the_last_answer() {
        let settings = ApiSettings {
            retry_for: Duration::from_secs(3),
            ..ApiSettings::default()
        };
        let (out, tries, _) = flaky(1000, settings).await;
        let err = out.unwrap_err();
        assert_eq!(err.code, Some(500));
        assert!(err.message.contains("injected"), "{}", err.message);
        assert!((4..=6).contains(&tries), "{tries} tries in 3 s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_dead_api_gets_one_short_try() {
        let calls = Arc::new(Calls::new(ApiSettings::default(), None));
        calls.unanswered();
        let count = AtomicU32::new(0);
        let started = Instant::now();
        let out: Result<(), K8sError> = scoped(
            calls,
            retry("reading it", || {
                count.fetch_add(1, Ordering::SeqCst);
                std::future::pending()
            }),
        )
        .await;
        assert!(out.unwrap_err().unanswered);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(started.elapsed(), DEAD_TRY);
    }
}
