//! Tolerant readers over `serde_json::Value`: a missing or oddly typed field
//! reads as the Go zero value ("" / 0 / empty), never a panic.

use serde_json::{Map, Value};

/// The value at `path` (object keys only), if every step exists.
pub(super) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(key))
}

/// The string at `path`, or "" when missing or not a string.
pub(super) fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or("")
}

/// The string at `path` when present and a string (Go's `*string`).
pub(super) fn opt_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path).and_then(Value::as_str)
}

/// The integer at `path` when present and integral (Go's `*int32`).
pub(super) fn opt_int(v: &Value, path: &[&str]) -> Option<i64> {
    let n = at(v, path)?;
    n.as_i64()
        .or_else(|| n.as_u64().map(|u| i64::try_from(u).unwrap_or(i64::MAX)))
}

/// The integer at `path`, or 0.
pub(super) fn int_at(v: &Value, path: &[&str]) -> i64 {
    opt_int(v, path).unwrap_or(0)
}

/// The boolean at `path`, or false.
pub(super) fn bool_at(v: &Value, path: &[&str]) -> bool {
    at(v, path).and_then(Value::as_bool).unwrap_or(false)
}

/// The array at `path`, or an empty slice.
pub(super) fn arr_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The object at `path`, if it is one.
pub(super) fn obj_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Map<String, Value>> {
    at(v, path).and_then(Value::as_object)
}

/// Number of keys of the object at `path` (0 when missing).
pub(super) fn len_at(v: &Value, path: &[&str]) -> usize {
    obj_at(v, path).map_or(0, Map::len)
}

/// `metadata.name`.
pub(super) fn name(v: &Value) -> &str {
    str_at(v, &["metadata", "name"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_present_fields() {
        let v = json!({"a": {"s": "x", "n": 3, "b": true, "l": [1, 2], "o": {"k": 1}}});
        assert_eq!(str_at(&v, &["a", "s"]), "x");
        assert_eq!(int_at(&v, &["a", "n"]), 3);
        assert!(bool_at(&v, &["a", "b"]));
        assert_eq!(arr_at(&v, &["a", "l"]).len(), 2);
        assert_eq!(len_at(&v, &["a", "o"]), 1);
    }

    #[test]
    fn odd_types_read_as_zero_values() {
        let v = json!({"a": {"s": 5, "n": "3", "b": "yes", "l": {}, "o": []}});
        assert_eq!(str_at(&v, &["a", "s"]), "");
        assert_eq!(opt_int(&v, &["a", "n"]), None);
        assert!(!bool_at(&v, &["a", "b"]));
        assert!(arr_at(&v, &["a", "l"]).is_empty());
        assert_eq!(len_at(&v, &["a", "o"]), 0);
        assert_eq!(str_at(&json!(null), &["x", "y"]), "");
        assert_eq!(name(&json!("not an object")), "");
    }
}
