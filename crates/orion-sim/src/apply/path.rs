//! Field path elements (`f:`, `k:`, `v:`, `i:`) and their textual forms.
//!
//! Keys and values are kept as canonical JSON text (object keys sorted) so
//! elements are totally ordered like structured-merge-diff's: fields first,
//! then keys, then values, then indexes.

use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    /// A map/struct field: `f:name`.
    Field(String),
    /// A list item selected by its merge keys: canonical JSON object text.
    Key(String),
    /// An item of a set-like primitive list: canonical JSON value text.
    Value(String),
    /// A list item selected by position (lists without keys).
    Index(usize),
}

/// A full path from the object root.
pub type Path = Vec<PathElement>;

impl PathElement {
    /// `f:<name>`.
    pub fn field(name: &str) -> Self {
        PathElement::Field(name.to_string())
    }

    /// `k:{...}` from (name, value) pairs.
    pub fn key(fields: &[(&str, Value)]) -> Self {
        let mut map = Map::new();
        for (name, value) in fields {
            map.insert((*name).to_string(), value.clone());
        }
        PathElement::Key(canonical_json(&Value::Object(map)))
    }

    /// `v:<json>` for a set item.
    pub fn value(v: &Value) -> Self {
        PathElement::Value(canonical_json(v))
    }

    /// The fieldsV1 object key for this element.
    pub fn to_fields_v1(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(json) => format!("k:{json}"),
            PathElement::Value(json) => format!("v:{json}"),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Parses a fieldsV1 object key (not `.`).
    pub fn from_fields_v1(s: &str) -> Option<Self> {
        let (prefix, rest) = s.split_at_checked(2)?;
        match prefix {
            "f:" => Some(PathElement::Field(rest.to_string())),
            "k:" => match serde_json::from_str::<Value>(rest).ok()? {
                v @ Value::Object(_) => Some(PathElement::Key(canonical_json(&v))),
                _ => None,
            },
            "v:" => serde_json::from_str::<Value>(rest)
                .ok()
                .map(|v| PathElement::Value(canonical_json(&v))),
            "i:" => rest.parse().ok().map(PathElement::Index),
            _ => None,
        }
    }

    /// Human form used in conflict messages: `.name`, `[name="web"]`, `[="x"]`, `[0]`.
    pub fn pretty(&self) -> String {
        match self {
            PathElement::Field(name) => format!(".{name}"),
            PathElement::Key(json) => match serde_json::from_str::<Value>(json) {
                Ok(Value::Object(map)) => {
                    // Keys are stored canonically (sorted by name), so iteration is ordered.
                    let parts: Vec<String> = map
                        .iter()
                        .map(|(k, v)| format!("{k}={}", go_to_string(v)))
                        .collect();
                    format!("[{}]", parts.join(","))
                }
                _ => format!("[{json}]"),
            },
            PathElement::Value(json) => match serde_json::from_str::<Value>(json) {
                Ok(v) => format!("[={}]", go_to_string(&v)),
                Err(_) => format!("[={json}]"),
            },
            PathElement::Index(i) => format!("[{i}]"),
        }
    }
}

/// `.spec.template.spec.containers[name="web"].image`.
pub fn pretty_path(path: &[PathElement]) -> String {
    path.iter().map(PathElement::pretty).collect()
}

/// JSON text with object keys sorted at every level (independent of serde_json features).
pub fn canonical_json(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| {
                    let inner = map.get(*k).map(canonical_json).unwrap_or_default();
                    format!("{}:{inner}", json_string(k))
                })
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", parts.join(","))
        }
        other => other.to_string(),
    }
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// Mirrors structured-merge-diff's `value.ToString` (strings quoted, numbers bare).
fn go_to_string(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::String(s) => json_string(s),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_to_string).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Object(map) => {
            let mut parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", go_to_string(v)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(";"))
        }
    }
}
