//! Transient API failures (5xx, 429, dropped connections) are retried with a
//! growing back-off; every call has a time limit.

use crate::drivers::kube::error::K8sError;
use std::future::Future;
use std::time::Duration;

/// How long one call may take before it counts as failed.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const ATTEMPTS: u32 = 6;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Runs `call` until it succeeds, fails for good, or has failed `ATTEMPTS` times.
pub async fn retry<T, F, Fut>(what: &str, mut call: F) -> Result<T, K8sError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        let err = match tokio::time::timeout(CALL_TIMEOUT, call()).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => K8sError::from_kube(what, e),
            Err(_) => K8sError::new(format!(
                "{what}: no answer within {}s\nhint: the API server is slow or unreachable",
                CALL_TIMEOUT.as_secs()
            )),
        };
        if !err.transient() || attempt >= ATTEMPTS {
            return Err(err);
        }
        tracing::debug!("{what}: {err}; retrying in {backoff:?}");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
        attempt += 1;
    }
}
