//! Business KPIs: the number at a dotted path of a JSON endpoint's answer
//! ("orders.per_minute" of GET https://shop/kpi). A number written as a
//! string ("42.5") counts; anything else is an error saying what is there.

use crate::drivers::metrics::error::{why, ErrorKind, MetricsError};
use crate::drivers::probe::http::field;
use serde_json::Value;
use std::time::Duration;

/// GETs `url` with `headers` within `timeout`; the number at `path` of its JSON body.
pub async fn http_value(
    client: &reqwest::Client,
    url: &str,
    path: &str,
    headers: &[(String, String)],
    timeout: Duration,
) -> Result<f64, MetricsError> {
    let shown = crate::mask::secrets(url);
    let mut request = client.get(url).timeout(timeout);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    let response = request.send().await.map_err(|e| {
        MetricsError::new(
            ErrorKind::Unreachable,
            format!(
                "cannot GET {shown}: {}\nhint: is the endpoint up and the URL right?",
                why(&e)
            ),
        )
    })?;
    let status = response.status();
    let text = response.text().await.map_err(|e| {
        MetricsError::new(
            ErrorKind::Unreachable,
            format!("{shown} broke off its answer: {}", why(&e)),
        )
    })?;
    let body = crate::drivers::probe::excerpt(&text, 200);
    if !status.is_success() {
        return Err(MetricsError::new(
            ErrorKind::Refused,
            format!("GET {shown} answered {status}: {body}"),
        ));
    }
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        MetricsError::new(
            ErrorKind::BadAnswer,
            format!("GET {shown} answered with a body that is not JSON ({e}): {body}"),
        )
    })?;
    number_at(&doc, path)
        .map_err(|e| MetricsError::new(ErrorKind::BadAnswer, format!("GET {shown}: {e}")))
}

/// The number at `path` of `doc`.
pub fn number_at(doc: &Value, path: &str) -> Result<f64, String> {
    match field(doc, path) {
        None => Err(format!(
            "the body has no field {path}\nhint: a dotted path such as \"orders.per_minute\" or \"items.0.count\"; the body: {}",
            crate::drivers::probe::excerpt(&doc.to_string(), 200)
        )),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| format!("{path} is {n}, out of range")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("{path} is {s:?}, not a number")),
        Some(other) => Err(format!("{path} is {other}, not a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_at_dotted_paths() {
        let doc = json!({"orders": {"per_minute": 42.5, "text": "17"}, "ok": true, "list": [3]});
        assert_eq!(number_at(&doc, "orders.per_minute"), Ok(42.5));
        assert_eq!(number_at(&doc, "orders.text"), Ok(17.0));
        assert_eq!(number_at(&doc, "list.0"), Ok(3.0));
        assert_eq!(
            number_at(&doc, "ok").unwrap_err(),
            "ok is true, not a number"
        );
        assert!(number_at(&doc, "orders.total")
            .unwrap_err()
            .starts_with("the body has no field orders.total"));
    }
}
