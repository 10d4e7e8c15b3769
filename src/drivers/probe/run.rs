//! Running checks: one with its retries, many at once with a concurrency
//! limit, or one until it passes.

use super::{Check, Failed, Passed, Probe};
use crate::mask;
use futures::stream::{self, StreamExt};
use std::time::{Duration, Instant};

/// One attempt of a probe, bounded by `timeout`.
async fn attempt(
    probe: &Probe,
    timeout: Duration,
) -> Result<(Duration, serde_json::Map<String, serde_json::Value>), String> {
    let started = Instant::now();
    let found = tokio::time::timeout(timeout, async {
        match probe {
            Probe::Http(h) => super::http::probe(h, timeout).await,
            Probe::Tcp(a) => super::tcp::probe(a).await,
            Probe::Postgres(p) => super::postgres::probe(p).await,
            Probe::Redis(r) => super::redis::probe(r).await,
            Probe::Dns(n) => super::dns::probe(n).await,
        }
    })
    .await
    .map_err(|_| format!("no answer within {}", crate::duration::format(timeout)))??;
    Ok((started.elapsed(), found))
}

/// Runs `check`, retrying with back-off; the last failure is the one told
/// (masked: a check's name may be a URL).
pub async fn run(check: &Check) -> Result<Passed, Failed> {
    let started = Instant::now();
    let mut wait = check.interval;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt(&check.probe, check.timeout).await {
            Ok((latency, found)) => {
                return Ok(Passed {
                    latency,
                    attempts,
                    found,
                })
            }
            Err(why) if attempts > check.retries => {
                let tries = if attempts == 1 {
                    String::new()
                } else {
                    format!(
                        " (after {attempts} attempts in {})",
                        crate::duration::format(started.elapsed())
                    )
                };
                return Err(Failed {
                    message: mask::secrets(&format!("{}: {why}{tries}", check.name)),
                    attempts,
                    elapsed: started.elapsed(),
                });
            }
            Err(_) => {
                tokio::time::sleep(wait).await;
                wait = wait.mul_f64(check.backoff.max(1.0));
            }
        }
    }
}

/// Runs `checks` at most `concurrency` at a time; results in the checks' order.
pub async fn all(checks: &[Check], concurrency: usize) -> Vec<Result<Passed, Failed>> {
    stream::iter(checks.iter().map(run))
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// Runs `check` every `interval` until it passes or `timeout` has gone by;
/// `progress` hears each failed try.
pub async fn until_healthy(
    check: &Check,
    timeout: Duration,
    interval: Duration,
    mut progress: impl FnMut(u32, &Failed),
) -> Result<Passed, Failed> {
    let started = Instant::now();
    let mut tries = 0;
    loop {
        tries += 1;
        let last = match run(check).await {
            Ok(passed) => return Ok(passed),
            Err(f) => f,
        };
        progress(tries, &last);
        if started.elapsed() + interval > timeout {
            return Err(Failed {
                message: mask::secrets(&format!(
                    "{} was not healthy within {} ({tries} tries); last: {}",
                    check.name,
                    crate::duration::format(timeout),
                    last.message
                )),
                attempts: tries,
                elapsed: started.elapsed(),
            });
        }
        tokio::time::sleep(interval).await;
    }
}
