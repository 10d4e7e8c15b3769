//! Custom resources: the apiextensions table convertor driven by a CRD's
//! `additionalPrinterColumns` (Name first, then the CRD's columns).

use super::column::{Column, NAME};
use super::duration::{human_duration, parse_time};
use super::fields::{at, name};
use super::{docs, Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};

/// Gateway API HTTPRoute (standard channel CRD): Hostnames, Age.
pub(super) const HTTP_ROUTE: Printer = Printer {
    columns: &[
        NAME,
        Column::new(
            "Hostnames",
            "string",
            "Custom resource definition column (in JSONPath format): .spec.hostnames",
        ),
        Column::new(
            "Age",
            "date",
            "Custom resource definition column (in JSONPath format): .metadata.creationTimestamp",
        ),
    ],
    row: http_route,
};

fn http_route(route: &Value, now: Timestamp) -> Row {
    vec![
        json!(name(route)),
        string_cell(at(route, &["spec", "hostnames"])),
        date_cell(at(route, &["metadata", "creationTimestamp"]), now),
    ]
    .into()
}

/// A CRD without printer columns gets a logically defaulted Age column.
pub(super) const DEFAULT: Printer = Printer {
    columns: &[NAME, Column::new("Age", "date", docs::CREATION_TIMESTAMP)],
    row: default_row,
};

fn default_row(obj: &Value, now: Timestamp) -> Row {
    let created = at(obj, &["metadata", "creationTimestamp"]);
    vec![json!(name(obj)), date_cell(created, now)].into()
}

/// A "string" column: the JSONPath result printed as text; lists and maps
/// print as compact JSON (`["a.example.com"]`); a missing field is `null`.
fn string_cell(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => json!(s),
        Some(other) => json!(other.to_string()),
    }
}

/// A "date" column (`cellForJSONValue`): the age; "<unknown>" for an empty
/// time, "<invalid>" for an unparseable one, `null` when missing.
fn date_cell(v: Option<&Value>, now: Timestamp) -> Value {
    match v.and_then(Value::as_str) {
        None => Value::Null,
        Some("") => json!("<unknown>"),
        Some(s) => match parse_time(s) {
            Some(t) => json!(human_duration(now.duration_since(t))),
            None => json!("<invalid>"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn http_route_columns_and_row() {
        let c: Vec<_> = HTTP_ROUTE
            .columns
            .iter()
            .map(|c| (c.name, c.kind))
            .collect();
        assert_eq!(
            c,
            [("Name", "string"), ("Hostnames", "string"), ("Age", "date")]
        );
        let route = json!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "shop", "creationTimestamp": "2024-05-01T11:45:00Z"},
            "spec": {"hostnames": ["shop.example.com", "www.example.com"],
                     "parentRefs": [{"name": "gw"}]}
        });
        assert_eq!(
            Value::Array(http_route(&route, now()).cells),
            json!(["shop", "[\"shop.example.com\",\"www.example.com\"]", "15m"])
        );
    }

    #[test]
    fn missing_values_are_null() {
        let route = json!({"metadata": {"name": "r"}, "spec": {}});
        assert_eq!(
            Value::Array(http_route(&route, now()).cells),
            json!(["r", null, null])
        );
    }

    #[test]
    fn cell_conversions() {
        assert_eq!(string_cell(Some(&json!("x"))), "x");
        assert_eq!(string_cell(Some(&json!(3))), "3");
        assert_eq!(string_cell(Some(&json!([]))), "[]");
        assert_eq!(date_cell(Some(&json!("")), now()), "<unknown>");
        assert_eq!(date_cell(Some(&json!("soon")), now()), "<invalid>");
        assert_eq!(date_cell(Some(&json!(5)), now()), Value::Null);
    }

    #[test]
    fn default_crd_table() {
        assert_eq!(DEFAULT.columns[1].name, "Age");
        assert_eq!(DEFAULT.columns[1].kind, "date");
        let obj = json!({"metadata": {"name": "w", "creationTimestamp": "2024-04-30T12:00:00Z"}});
        assert_eq!(
            Value::Array(default_row(&obj, now()).cells),
            json!(["w", "24h"])
        );
    }
}
