//! `metadata.managedFields` entries: decoding, encoding, identity and capping.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fieldset::FieldSet;
use super::fieldsv1;
use super::value::metadata;

/// `Apply` or `Update`.
pub const APPLY: &str = "Apply";
/// See [`APPLY`].
pub const UPDATE: &str = "Update";

/// One managedFields entry in decoded form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Field manager name.
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    /// API version the fields are expressed in.
    pub api_version: String,
    /// Subresource written through ("" for the main resource).
    pub subresource: String,
    /// RFC 3339 time of the last change, if any.
    pub time: Option<String>,
    /// Owned fields.
    pub set: FieldSet,
}

/// Entries keyed by manager identifier.
pub type Managers = BTreeMap<String, Entry>;

impl Entry {
    /// A new entry owning nothing yet.
    pub fn new(manager: &str, operation: &str, api_version: &str, subresource: &str) -> Self {
        Entry {
            manager: manager.to_string(),
            operation: operation.to_string(),
            api_version: api_version.to_string(),
            subresource: subresource.to_string(),
            time: None,
            set: FieldSet::new(),
        }
    }

    /// Whether this is an applier's entry.
    pub fn applied(&self) -> bool {
        self.operation == APPLY
    }

    /// The apiserver's manager identifier: JSON of the entry without fields
    /// and time, and without apiVersion for appliers.
    pub fn identifier(&self) -> String {
        let mut parts = vec![
            format!("\"manager\":{}", go_json_string(&self.manager)),
            format!("\"operation\":{}", go_json_string(&self.operation)),
        ];
        if !self.applied() && !self.api_version.is_empty() {
            parts.push(format!(
                "\"apiVersion\":{}",
                go_json_string(&self.api_version)
            ));
        }
        if !self.subresource.is_empty() {
            parts.push(format!(
                "\"subresource\":{}",
                go_json_string(&self.subresource)
            ));
        }
        format!("{{{}}}", parts.join(","))
    }

    /// The wire form (keys in Go struct order).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), Value::String(self.manager.clone()));
        m.insert("operation".into(), Value::String(self.operation.clone()));
        m.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        if let Some(t) = &self.time {
            m.insert("time".into(), Value::String(t.clone()));
        }
        m.insert("fieldsType".into(), Value::String("FieldsV1".into()));
        m.insert("fieldsV1".into(), fieldsv1::to_json(&self.set));
        if !self.subresource.is_empty() {
            m.insert(
                "subresource".into(),
                Value::String(self.subresource.clone()),
            );
        }
        Value::Object(m)
    }
}

/// A JSON string literal escaped like Go's encoding/json (HTML-safe).
pub fn go_json_string(s: &str) -> String {
    html_escape(&Value::String(s.to_string()).to_string())
}

/// Go's HTML-safe JSON escapes applied to already-encoded JSON text.
pub fn html_escape(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn str_field<'a>(entry: &'a Map<String, Value>, key: &str) -> &'a str {
    entry.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Decodes `metadata.managedFields` of `obj` (missing → empty).
pub fn decode(obj: &Value) -> Result<Managers, String> {
    let mut out = Managers::new();
    let Some(list) = metadata(obj).and_then(|m| m.get("managedFields")) else {
        return Ok(out);
    };
    let Some(items) = list.as_array() else {
        return if list.is_null() {
            Ok(out)
        } else {
            Err("managedFields must be a list".into())
        };
    };
    for (i, item) in items.iter().enumerate() {
        let e = item
            .as_object()
            .ok_or_else(|| format!("managed fields entry {i} is not an object"))?;
        let operation = str_field(e, "operation");
        if operation != APPLY && operation != UPDATE {
            return Err("operation must be `Apply` or `Update`".into());
        }
        let api_version = str_field(e, "apiVersion");
        if api_version.is_empty() {
            return Err("apiVersion must not be empty".into());
        }
        match str_field(e, "fieldsType") {
            "FieldsV1" => {}
            "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
            other => {
                return Err(format!(
                    "invalid fieldsType {other:?} in managed fields entry {i}"
                ));
            }
        }
        let set = match e.get("fieldsV1") {
            None | Some(Value::Null) => FieldSet::new(),
            Some(v) => fieldsv1::from_json(v)?,
        };
        let mut entry = Entry::new(
            str_field(e, "manager"),
            operation,
            api_version,
            str_field(e, "subresource"),
        );
        entry.time = e.get("time").and_then(Value::as_str).map(str::to_string);
        entry.set = set;
        out.insert(entry.identifier(), entry);
    }
    Ok(out)
}

/// Whether the list is exactly `[{}]`, the documented way to clear managedFields.
pub fn is_reset(obj: &Value) -> bool {
    match metadata(obj).and_then(|m| m.get("managedFields")) {
        Some(Value::Array(items)) => match items.as_slice() {
            [only] => only
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_null)),
            _ => false,
        },
        _ => false,
    }
}

/// Encodes entries in apiserver order: Apply before Update, then oldest
/// first, then manager, apiVersion, subresource. `None` when empty.
pub fn encode(managers: &Managers) -> Option<Vec<Value>> {
    let mut entries: Vec<&Entry> = managers.values().filter(|e| !e.set.is_empty()).collect();
    if entries.is_empty() {
        return None;
    }
    entries.sort_by(|p, q| {
        p.operation
            .cmp(&q.operation)
            .then_with(|| {
                p.time
                    .as_deref()
                    .unwrap_or("")
                    .cmp(q.time.as_deref().unwrap_or(""))
            })
            .then_with(|| p.manager.cmp(&q.manager))
            .then_with(|| p.api_version.cmp(&q.api_version))
            .then_with(|| p.subresource.cmp(&q.subresource))
    });
    Some(entries.into_iter().map(Entry::to_json).collect())
}

/// Removes `strip` from the entry `id` (deleting it when it becomes empty).
pub fn strip_entry(managers: &mut Managers, id: &str, strip: &FieldSet) {
    if let Some(e) = managers.get_mut(id) {
        e.set = e.set.difference(strip);
        if e.set.is_empty() {
            managers.remove(id);
        }
    }
}
