//! A container's log (`pods/{name}/log`): the options decoded and checked as
//! kube-apiserver does (400 for a value that does not parse, 422 for one out
//! of range), then the lines chosen and printed as the kubelet does.

use crate::api::path::Target;
use crate::api::read::get;
use crate::api::{Api, Request};
use crate::logs::{rfc3339_nano_fixed, Line};
use crate::status::ApiError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Go's `time.RFC3339`, as its parse errors name it.
const RFC3339_LAYOUT: &str = "2006-01-02T15:04:05Z07:00";

/// `PodLogOptions` as the real server decodes them from the query.
#[derive(Debug, Default, PartialEq)]
struct LogOptions {
    previous: bool,
    since_seconds: Option<i64>,
    /// `sinceTime`; an empty value or `null` is the zero time (everything).
    since_time: Option<Timestamp>,
    timestamps: bool,
    tail_lines: Option<i64>,
    limit_bytes: Option<i64>,
}

impl LogOptions {
    /// Decodes the query in the order of the struct's fields, as the generated
    /// conversion does; a value that does not parse is a 400 with Go's words.
    fn decode(query: &HashMap<String, String>) -> Result<LogOptions, ApiError> {
        let int = |name: &str| query.get(name).map(|v| parse_int(v)).transpose();
        Ok(LogOptions {
            previous: flag(query, "previous"),
            since_seconds: int("sinceSeconds")?,
            since_time: query.get("sinceTime").map(|v| parse_time(v)).transpose()?,
            timestamps: flag(query, "timestamps"),
            tail_lines: int("tailLines")?,
            limit_bytes: int("limitBytes")?,
        })
    }

    /// `ValidatePodLogOptions`: a 422 Invalid naming every field out of range.
    fn validate(&self, pod: &str) -> Result<(), ApiError> {
        // (field, cause reason, what is wrong)
        let mut errors: Vec<(&str, &str, String)> = Vec::new();
        if let Some(n) = self.tail_lines.filter(|n| *n < 0) {
            errors.push((
                "tailLines",
                "FieldValueInvalid",
                format!("Invalid value: {n}: must be greater than or equal to 0"),
            ));
        }
        if let Some(n) = self.limit_bytes.filter(|n| *n < 1) {
            errors.push((
                "limitBytes",
                "FieldValueInvalid",
                format!("Invalid value: {n}: must be greater than 0"),
            ));
        }
        match (self.since_seconds, self.since_time) {
            (Some(_), Some(_)) => errors.push((
                "",
                "FieldValueForbidden",
                "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified".into(),
            )),
            (Some(n), None) if n < 1 => errors.push((
                "sinceSeconds",
                "FieldValueInvalid",
                format!("Invalid value: {n}: must be greater than 0"),
            )),
            _ => {}
        }
        if errors.is_empty() {
            return Ok(());
        }
        let text: Vec<String> = errors.iter().map(|(f, _, m)| format!("{f}: {m}")).collect();
        let message = match text.as_slice() {
            [one] => format!("PodLogOptions \"{pod}\" is invalid: {one}"),
            _ => format!("PodLogOptions \"{pod}\" is invalid: [{}]", text.join(", ")),
        };
        let causes: Vec<Value> = errors
            .iter()
            .map(|(field, reason, m)| {
                let mut cause = json!({ "reason": reason, "message": m });
                if !field.is_empty() {
                    cause["field"] = json!(field);
                }
                cause
            })
            .collect();
        Err(ApiError {
            details: Some(json!({ "name": pod, "kind": "PodLogOptions", "causes": causes })),
            ..ApiError::new(422, "Invalid", message)
        })
    }

    /// The lines the kubelet writes: the last `tailLines`, then those printed
    /// at or after `since`, each prefixed with its time if asked, the whole
    /// cut at `limitBytes` (even mid-line).
    fn render(&self, lines: &[Line], now: Timestamp) -> Vec<u8> {
        let since = match (self.since_seconds, self.since_time) {
            (Some(secs), _) => Some(
                now.checked_sub(SignedDuration::from_secs(secs))
                    .unwrap_or(Timestamp::MIN),
            ),
            // The apiserver passes sinceTime on to the kubelet to the second.
            (None, Some(t)) => Some(Timestamp::from_second(t.as_second()).unwrap_or(t)),
            (None, None) => None,
        };
        let tail = self
            .tail_lines
            .map_or(lines.len(), |n| usize::try_from(n).unwrap_or(0));
        let mut out = Vec::new();
        for line in &lines[lines.len().saturating_sub(tail)..] {
            if since.is_some_and(|since| line.at < since) {
                continue;
            }
            if self.timestamps {
                out.extend_from_slice(rfc3339_nano_fixed(line.at).as_bytes());
                out.push(b' ');
            }
            out.extend_from_slice(line.text.as_bytes());
            out.push(b'\n');
        }
        if let Some(limit) = self.limit_bytes {
            out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        out
    }
}

/// A boolean query parameter as the apiserver converts it: absent, `0` or
/// `false` (any case) is false; anything else, even empty, is true.
fn flag(query: &HashMap<String, String>, name: &str) -> bool {
    query
        .get(name)
        .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Go's `strconv.ParseInt(v, 10, 64)`, with its error as the 400's message.
fn parse_int(v: &str) -> Result<i64, ApiError> {
    v.parse::<i64>().map_err(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        ApiError::bad_request(format!("strconv.ParseInt: parsing {v:?}: {why}"))
    })
}

/// `metav1.Time`'s query form: RFC 3339, or empty or `null` for the zero time.
fn parse_time(v: &str) -> Result<Timestamp, ApiError> {
    if v.is_empty() || v == "null" {
        return Ok(Timestamp::MIN);
    }
    let rfc3339 = v.as_bytes().get(10) == Some(&b'T') && !v.contains('[');
    match v.parse::<Timestamp>() {
        Ok(t) if rfc3339 => Ok(t),
        _ => Err(ApiError::bad_request(format!(
            "parsing time {v:?} as \"{RFC3339_LAYOUT}\": cannot parse {v:?} as RFC 3339"
        ))),
    }
}

/// A container's log, as plain text: `container`, `previous`, `sinceSeconds`,
/// `sinceTime`, `timestamps`, `tailLines`, `limitBytes` (not `follow`: the
/// answer ends with the lines so far).
pub fn log(api: &Api, target: &Target, req: &Request) -> Result<Response, ApiError> {
    let pod_name = target.name.as_deref().unwrap_or_default();
    // The options are checked before the pod is looked up, as by the real server.
    let options = LogOptions::decode(&req.query)?;
    options.validate(pod_name)?;
    let pod = get(api, target)?;
    let containers: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    let container = match (req.param("container"), containers.as_slice()) {
        (Some(c), _) if containers.contains(&c) => c.to_string(),
        (Some(c), _) => {
            return Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {pod_name}"
            )))
        }
        (None, [only]) => only.to_string(),
        (None, _) => {
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                containers.join(" ")
            )))
        }
    };
    let ns = target.namespace.as_deref().unwrap_or_default();
    let lines = match api.logs.read(ns, pod_name, &container, options.previous) {
        Some(lines) => lines,
        None if options.previous => {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            )))
        }
        None => {
            return Err(ApiError::bad_request(format!(
                "container \"{container}\" in pod \"{pod_name}\" is waiting to start: ContainerCreating"
            )))
        }
    };
    let body = options.render(&lines, Timestamp::now());
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::{LogOptions, Timestamp};
    use crate::logs::Line;
    use std::collections::HashMap;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn decode(pairs: &[(&str, &str)]) -> LogOptions {
        LogOptions::decode(&query(pairs)).unwrap()
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    /// Lines printed at 100 s, 200 s, 300 s (and a half).
    fn lines() -> Vec<Line> {
        [(100, "one"), (200, "two"), (300, "three")]
            .into_iter()
            .map(|(s, text)| Line {
                at: Timestamp::new(s, 500_000_000).unwrap(),
                text: text.into(),
            })
            .collect()
    }

    fn render(pairs: &[(&str, &str)], now: i64) -> String {
        String::from_utf8(decode(pairs).render(&lines(), at(now))).unwrap()
    }

    #[test]
    fn booleans_as_the_apiserver_converts_them() {
        for (value, expected) in [
            ("true", true),
            ("1", true),
            ("yes", true),
            ("", true),
            ("false", false),
            ("FALSE", false),
            ("0", false),
        ] {
            assert_eq!(
                decode(&[("previous", value)]).previous,
                expected,
                "{value:?}"
            );
        }
        assert!(!decode(&[]).timestamps);
    }

    #[test]
    fn since_seconds_and_since_time_keep_the_later_lines() {
        assert_eq!(render(&[], 400), "one\ntwo\nthree\n");
        assert_eq!(render(&[("sinceSeconds", "150")], 400), "three\n");
        assert_eq!(render(&[("sinceSeconds", "1")], 400), "");
        // To the second, as the kubelet is told: 200.5 is not before 200.
        let t = "1970-01-01T00:03:20.9Z";
        assert_eq!(render(&[("sinceTime", t)], 400), "two\nthree\n");
        let t = "1970-01-01T01:03:20+01:00";
        assert_eq!(render(&[("sinceTime", t)], 400), "two\nthree\n");
        assert_eq!(render(&[("sinceTime", "")], 400), "one\ntwo\nthree\n");
        // The last two lines, then only those since 250 s.
        let both = [("tailLines", "2"), ("sinceSeconds", "150")];
        assert_eq!(render(&both, 400), "three\n");
        assert_eq!(render(&[("tailLines", "0")], 400), "");
    }

    #[test]
    fn timestamps_and_limit_bytes() {
        assert_eq!(
            render(&[("timestamps", "true"), ("tailLines", "1")], 400),
            "1970-01-01T00:05:00.500000000Z three\n"
        );
        assert_eq!(render(&[("limitBytes", "6")], 400), "one\ntw");
        assert_eq!(render(&[("limitBytes", "100")], 400), "one\ntwo\nthree\n");
    }

    #[test]
    fn values_that_do_not_parse_are_400() {
        for (pairs, message) in [
            (
                [("sinceSeconds", "5m")],
                "strconv.ParseInt: parsing \"5m\": invalid syntax",
            ),
            (
                [("tailLines", "99999999999999999999")],
                "strconv.ParseInt: parsing \"99999999999999999999\": value out of range",
            ),
            ([("limitBytes", "")], "strconv.ParseInt: parsing \"\": invalid syntax"),
            (
                [("sinceTime", "yesterday")],
                "parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as RFC 3339",
            ),
            (
                [("sinceTime", "2024-01-01 10:00:00Z")],
                "parsing time \"2024-01-01 10:00:00Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"2024-01-01 10:00:00Z\" as RFC 3339",
            ),
        ] {
            let e = LogOptions::decode(&query(&pairs)).unwrap_err();
            assert_eq!((e.code, e.reason, e.message.as_str()), (400, "BadRequest", message));
        }
    }

    #[test]
    fn values_out_of_range_are_422_as_worded_by_the_apiserver() {
        let invalid = |pairs: &[(&str, &str)]| decode(pairs).validate("web-1").unwrap_err();
        let e = invalid(&[("sinceSeconds", "0")]);
        assert_eq!((e.code, e.reason), (422, "Invalid"));
        assert_eq!(
            e.message,
            "PodLogOptions \"web-1\" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0"
        );
        let details = e.details.unwrap();
        assert_eq!(details["kind"], "PodLogOptions");
        assert_eq!(details["causes"][0]["field"], "sinceSeconds");
        assert_eq!(details["causes"][0]["reason"], "FieldValueInvalid");
        assert_eq!(
            invalid(&[("sinceSeconds", "5"), ("sinceTime", "2024-01-01T00:00:00Z")]).message,
            "PodLogOptions \"web-1\" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"
        );
        assert_eq!(
            invalid(&[("tailLines", "-1"), ("limitBytes", "0")]).message,
            "PodLogOptions \"web-1\" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]"
        );
        assert!(decode(&[("sinceSeconds", "1"), ("tailLines", "0")])
            .validate("web-1")
            .is_ok());
    }
}
