//! Faults a scenario injects into object requests: latency, 500s, and 429s
//! with Retry-After — for testing clients' retries.

use crate::api::error;
use crate::scenario::ApiFaults;
use crate::status::ApiError;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use serde_json::json;

/// A number in [0, 1), from the OS's randomness (via a v4 UUID).
fn chance() -> f64 {
    (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}

/// Sleeps the injected latency; returns the injected failure, if this request gets one.
pub async fn inject(faults: &ApiFaults) -> Option<Response> {
    if let Some(latency) = faults.latency {
        tokio::time::sleep(latency).await;
    }
    let roll = chance();
    if roll < faults.error_rate {
        return Some(error(ApiError::new(
            500,
            "InternalError",
            "Internal error occurred: injected by the simulator's scenario",
        )));
    }
    if roll < faults.error_rate + faults.throttle_rate {
        let secs = faults.retry_after.map_or(1, |d| d.as_secs().max(1));
        let mut e = ApiError::new(
            429,
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        );
        e.details = Some(json!({ "retryAfterSeconds": secs }));
        let mut response = error(e);
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Some(response);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::chance;

    #[test]
    fn chance_is_a_fraction() {
        for _ in 0..1000 {
            let c = chance();
            assert!((0.0..1.0).contains(&c));
        }
    }
}
