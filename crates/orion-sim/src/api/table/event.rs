//! Event printer (`printEvent`, wide). Reads core/v1 field names and falls
//! back to their events.k8s.io/v1 names, which the same printer serves.

use super::column::{Column, NAME};
use super::duration::{human_duration, parse_time};
use super::fields::{name, opt_int, str_at};
use super::{docs, Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};

pub(super) const PRINTER: Printer = Printer {
    columns: &[
        Column::new("Last Seen", "string", docs::EVENT_LAST_TIMESTAMP),
        Column::new("Type", "string", docs::EVENT_TYPE),
        Column::new("Reason", "string", docs::EVENT_REASON),
        Column::new("Object", "string", docs::EVENT_INVOLVED_OBJECT),
        Column::new("Subobject", "string", docs::EVENT_FIELD_PATH).wide(),
        Column::new("Source", "string", docs::EVENT_SOURCE).wide(),
        Column::new("Message", "string", docs::EVENT_MESSAGE),
        Column::new("First Seen", "string", docs::EVENT_FIRST_TIMESTAMP).wide(),
        Column::new("Count", "string", docs::EVENT_COUNT).wide(),
        NAME.wide(),
    ],
    row,
};

/// The core/v1 field if set, else its events.k8s.io/v1 counterpart.
fn pick<'a>(ev: &'a Value, core: &str, new: &str) -> Option<&'a Value> {
    ev.get(core)
        .filter(|v| !v.is_null())
        .or_else(|| ev.get(new))
}

fn pick_str<'a>(ev: &'a Value, core: &str, new: &str) -> &'a str {
    pick(ev, core, new).and_then(Value::as_str).unwrap_or("")
}

/// A set (non-zero) timestamp.
fn time_of(v: Option<&Value>) -> Option<Timestamp> {
    v.and_then(Value::as_str).and_then(parse_time)
}

fn ago(t: Option<Timestamp>, now: Timestamp) -> String {
    t.map_or_else(
        || "<unknown>".to_string(),
        |t| human_duration(now.duration_since(t)),
    )
}

/// `formatEventSource`: component (else the reporting controller), then
/// ", host" (else the reporting instance) when there is one.
fn source<'a>(ev: &'a Value) -> String {
    let src = pick(ev, "source", "deprecatedSource").unwrap_or(&Value::Null);
    let first_non_empty = |a: &'a str, b: &'a str| if a.is_empty() { b } else { a };
    let component = first_non_empty(
        str_at(src, &["component"]),
        pick_str(ev, "reportingComponent", "reportingController"),
    );
    let host = first_non_empty(str_at(src, &["host"]), str_at(ev, &["reportingInstance"]));
    if host.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {host}")
    }
}

fn row(ev: &Value, now: Timestamp) -> Row {
    let first_ts = time_of(pick(ev, "firstTimestamp", "deprecatedFirstTimestamp"))
        .or_else(|| time_of(ev.get("eventTime")));
    let first = ago(first_ts, now);
    let mut last = match time_of(pick(ev, "lastTimestamp", "deprecatedLastTimestamp")) {
        Some(t) => ago(Some(t), now),
        None => first.clone(),
    };
    let mut count = pick(ev, "count", "deprecatedCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(series) = ev.get("series").filter(|s| s.is_object()) {
        last = ago(time_of(series.get("lastObservedTime")), now);
        count = opt_int(series, &["count"]).unwrap_or(0);
    } else if count == 0 {
        count = 1; // singleton events carry no count in the new API
    }
    let object = pick(ev, "involvedObject", "regarding").unwrap_or(&Value::Null);
    let kind = str_at(object, &["kind"]).to_lowercase();
    let target = match str_at(object, &["name"]) {
        "" => kind,
        n => format!("{kind}/{n}"),
    };
    vec![
        json!(last),
        json!(str_at(ev, &["type"])),
        json!(str_at(ev, &["reason"])),
        json!(target),
        json!(str_at(object, &["fieldPath"])),
        json!(source(ev)),
        json!(pick_str(ev, "message", "note").trim()),
        json!(first),
        json!(count),
        json!(name(ev)),
    ]
    .into()
}

#[cfg(test)]
mod tests;
