//! Small JSON helpers shared by the apply modules.

use serde_json::{Map, Value};

/// Deep equality where numbers compare by value (`1` == `1.0`), like SMD's `value.Equals`.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
                i == j
            } else if let (Some(i), Some(j)) = (x.as_u64(), y.as_u64()) {
                i == j
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(l, r)| values_equal(l, r))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// `obj.metadata` as a map, if present.
pub fn metadata(obj: &Value) -> Option<&Map<String, Value>> {
    obj.get("metadata").and_then(Value::as_object)
}

/// Mutable `obj.metadata`, created when missing (no-op for non-objects).
pub fn metadata_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let root = obj.as_object_mut()?;
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
}

/// A copy of `obj` without `metadata.managedFields`.
pub fn without_managed_fields(obj: &Value) -> Value {
    let mut out = obj.clone();
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    out
}

/// Sets (or, with `None`, removes) `metadata.managedFields`.
pub fn set_managed_fields(obj: &mut Value, entries: Option<Vec<Value>>) {
    match entries {
        Some(list) if !list.is_empty() => {
            if let Some(meta) = metadata_mut(obj) {
                meta.insert("managedFields".to_string(), Value::Array(list));
            }
        }
        _ => {
            if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("managedFields");
            }
        }
    }
}

/// Replaces top-level `field` of `target` by the one of `source` (removing it if absent).
pub fn copy_top_field(target: &mut Value, source: Option<&Value>, field: &str) {
    let Some(root) = target.as_object_mut() else {
        return;
    };
    match source.and_then(|s| s.get(field)) {
        Some(v) => {
            root.insert(field.to_string(), v.clone());
        }
        None => {
            root.remove(field);
        }
    }
}

/// `(group, version)` of an apiVersion string (`v1` → `("", "v1")`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}
