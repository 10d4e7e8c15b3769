//! `duration.HumanDuration` from k8s.io/apimachinery and the printers'
//! `translateTimestampSince` built on it.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// Parses a `metav1.Time` / `MicroTime` string (RFC 3339).
pub(super) fn parse_time(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// `translateTimestampSince`: "<unknown>" for a missing (zero) time, else the
/// human duration from `ts` to `now`. An unparseable string counts as zero.
pub(super) fn since(ts: Option<&Value>, now: Timestamp) -> String {
    match ts.and_then(Value::as_str).and_then(parse_time) {
        Some(t) => human_duration(now.duration_since(t)),
        None => "<unknown>".to_string(),
    }
}

/// The AGE cell: time since `metadata.creationTimestamp`.
pub(super) fn age(obj: &Value, now: Timestamp) -> String {
    since(
        super::fields::at(obj, &["metadata", "creationTimestamp"]),
        now,
    )
}

/// `duration.HumanDuration`: ~2-3 significant figures. Up to 1s in the
/// future reads "0s" (clock skew); further in the future is "<invalid>".
pub(super) fn human_duration(d: SignedDuration) -> String {
    let secs = d.as_secs();
    if secs < -1 {
        return "<invalid>".to_string();
    }
    if secs < 0 {
        return "0s".to_string();
    }
    if secs < 60 * 2 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        return with_rest(minutes, "m", secs % 60, "s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = secs / 3600;
    if hours < 8 {
        return with_rest(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return with_rest(hours / 24, "d", hours % 24, "h");
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return with_rest(hours / 24 / 365, "y", (hours / 24) % 365, "d");
    }
    format!("{}y", hours / 24 / 365)
}

/// "5h3m", or "5h" when the remainder is zero.
fn with_rest(major: i64, major_unit: &str, rest: i64, rest_unit: &str) -> String {
    if rest == 0 {
        format!("{major}{major_unit}")
    } else {
        format!("{major}{major_unit}{rest}{rest_unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hd(secs: i64) -> String {
        human_duration(SignedDuration::from_secs(secs))
    }

    const M: i64 = 60;
    const H: i64 = 3600;
    const D: i64 = 24 * H;
    const Y: i64 = 365 * D;

    #[test]
    fn seconds_and_skew() {
        assert_eq!(hd(-2), "<invalid>");
        assert_eq!(hd(-1), "0s");
        assert_eq!(human_duration(SignedDuration::from_millis(-1999)), "0s");
        assert_eq!(
            human_duration(SignedDuration::from_millis(-2000)),
            "<invalid>"
        );
        assert_eq!(hd(0), "0s");
        assert_eq!(hd(59), "59s");
        assert_eq!(hd(119), "119s");
        assert_eq!(human_duration(SignedDuration::from_millis(119_999)), "119s");
    }

    #[test]
    fn minutes() {
        assert_eq!(hd(2 * M), "2m");
        assert_eq!(hd(3 * M + 20), "3m20s");
        assert_eq!(hd(10 * M - 1), "9m59s");
        assert_eq!(hd(10 * M), "10m");
        assert_eq!(hd(10 * M + 59), "10m");
        assert_eq!(hd(3 * H - 1), "179m");
    }

    #[test]
    fn hours() {
        assert_eq!(hd(3 * H), "3h");
        assert_eq!(hd(5 * H + 3 * M + 59), "5h3m");
        assert_eq!(hd(8 * H - 1), "7h59m");
        assert_eq!(hd(8 * H), "8h");
        assert_eq!(hd(48 * H - 1), "47h");
    }

    #[test]
    fn days_and_years() {
        assert_eq!(hd(2 * D), "2d");
        assert_eq!(hd(3 * D + 4 * H), "3d4h");
        assert_eq!(hd(8 * D - 1), "7d23h");
        assert_eq!(hd(8 * D), "8d");
        assert_eq!(hd(2 * Y - 1), "729d");
        assert_eq!(hd(2 * Y), "2y");
        assert_eq!(hd(2 * Y + 10 * D), "2y10d");
        assert_eq!(hd(8 * Y - 1), "7y364d");
        assert_eq!(hd(8 * Y), "8y");
        assert_eq!(hd(20 * Y + 100 * D), "20y");
    }

    #[test]
    fn since_handles_missing_and_bad_times() {
        let now: Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        assert_eq!(since(None, now), "<unknown>");
        assert_eq!(since(Some(&json!(null)), now), "<unknown>");
        assert_eq!(since(Some(&json!(17)), now), "<unknown>");
        assert_eq!(since(Some(&json!("yesterday")), now), "<unknown>");
        assert_eq!(since(Some(&json!("2024-05-01T11:56:40Z")), now), "3m20s");
        assert_eq!(
            since(Some(&json!("2024-05-01T12:00:05Z")), now),
            "<invalid>"
        );
        let obj = json!({"metadata": {"creationTimestamp": "2024-04-28T08:00:00Z"}});
        assert_eq!(age(&obj, now), "3d4h");
        assert_eq!(age(&json!({}), now), "<unknown>");
    }
}
