//! One protobuf message to the JSON the real API server would have stored.
//!
//! Go's protobuf code writes every non-pointer field, set or not, so zero
//! scalars are dropped here (the JSON of those fields is `omitempty`) unless
//! the schema marks the field `ptr`. Nested structs stay, even empty, as Go
//! prints them. A field the table does not know is refused, never dropped.

use super::schema::{Field, Schema, Ty};
use super::wire::{Reader, Wire};
use base64::Engine;
use serde_json::{Map, Value};

/// Messages with their own JSON form rather than their fields.
pub(super) const SPECIAL: &[&str] = &["Time", "MicroTime", "IntOrString", "Quantity", "FieldsV1"];

pub(super) fn message(schema: &Schema, name: &str, bytes: &[u8]) -> Result<Value, String> {
    match name {
        "Time" | "MicroTime" => return time(bytes, name == "MicroTime"),
        "IntOrString" => return int_or_string(bytes),
        "Quantity" => return Ok(fields(bytes)?.remove(&1).map_or(Value::Null, string_of)),
        "FieldsV1" => return fields_v1(bytes),
        _ => {}
    }
    let Some(table) = schema.message(name) else {
        if bytes.is_empty() {
            return Ok(Value::Object(Map::new()));
        }
        return Err(format!(
            "message {name} is not known to the simulated cluster"
        ));
    };
    let mut out = Map::new();
    let mut reader = Reader::new(bytes);
    while let Some((number, wire)) = reader.next_field()? {
        let field = table.get(&number).ok_or_else(|| {
            format!("field {number} of {name} is not known to the simulated cluster")
        })?;
        let at = |e: String| format!("{name}.{}: {e}", field.name);
        if field.inline {
            let Wire::Bytes(inner) = wire else {
                return Err(at("expected an embedded message".into()));
            };
            let Ty::Message(inner_name) = &field.ty else {
                return Err(at("an inline field must be a message".into()));
            };
            if let Value::Object(inner) = message(schema, inner_name, inner).map_err(at)? {
                out.extend(inner);
            }
            continue;
        }
        add(schema, field, wire, &mut out).map_err(at)?;
    }
    out.retain(|_, v| !v.is_null());
    Ok(Value::Object(out))
}

/// Folds one occurrence of `field` into `out`: appends to lists and maps.
fn add(
    schema: &Schema,
    field: &Field,
    wire: Wire,
    out: &mut Map<String, Value>,
) -> Result<(), String> {
    let key = field.name.clone();
    if let Ty::Map(value_ty) = &field.ty {
        let Wire::Bytes(entry) = wire else {
            return Err("expected a map entry".into());
        };
        let mut entry = fields(entry)?;
        let k = entry
            .remove(&1)
            .map_or(Value::String(String::new()), string_of);
        let Value::String(k) = k else {
            return Err("a map key is not a string".into());
        };
        let v = match entry.remove(&2) {
            Some(w) => value(schema, value_ty, w)?,
            None => zero(value_ty),
        };
        let map = out.entry(key).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = map {
            map.insert(k, v);
        }
        return Ok(());
    }
    if field.repeated {
        let list = out.entry(key).or_insert_with(|| Value::Array(vec![]));
        let Value::Array(list) = list else {
            return Ok(());
        };
        // Packed numbers: one length-delimited run of varints.
        if let (Wire::Bytes(run), Ty::Int32 | Ty::Int64 | Ty::Bool) = (wire, &field.ty) {
            let mut r = Reader::new(run);
            while !r.at_end() {
                list.push(value(schema, &field.ty, Wire::Varint(r.varint()?))?);
            }
            return Ok(());
        }
        list.push(value(schema, &field.ty, wire)?);
        return Ok(());
    }
    let v = value(schema, &field.ty, wire)?;
    if !field.ptr && !matches!(field.ty, Ty::Message(_)) && is_zero(&v) {
        return Ok(());
    }
    out.insert(key, v);
    Ok(())
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
        _ => false,
    }
}

fn zero(ty: &Ty) -> Value {
    match ty {
        Ty::String | Ty::Bytes => Value::String(String::new()),
        Ty::Int32 | Ty::Int64 | Ty::Double => Value::from(0),
        Ty::Bool => Value::Bool(false),
        Ty::Message(_) | Ty::Map(_) => Value::Null,
    }
}

fn value(schema: &Schema, ty: &Ty, wire: Wire) -> Result<Value, String> {
    Ok(match (ty, wire) {
        (Ty::String, Wire::Bytes(b)) => Value::String(
            std::str::from_utf8(b)
                .map_err(|_| "a string is not UTF-8")?
                .to_string(),
        ),
        (Ty::Bytes, Wire::Bytes(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        (Ty::Int32, Wire::Varint(v)) => Value::from(v as i64 as i32),
        (Ty::Int64, Wire::Varint(v)) => Value::from(v as i64),
        (Ty::Bool, Wire::Varint(v)) => Value::Bool(v != 0),
        (Ty::Double, Wire::Fixed64(v)) => Value::from(f64::from_bits(v)),
        (Ty::Message(name), Wire::Bytes(b)) => message(schema, name, b)?,
        (ty, wire) => return Err(format!("expected {ty:?}, got {wire:?}")),
    })
}

/// The fields of a small fixed message, by number (last one wins).
fn fields(bytes: &[u8]) -> Result<std::collections::HashMap<u32, Wire<'_>>, String> {
    let mut out = std::collections::HashMap::new();
    let mut r = Reader::new(bytes);
    while let Some((n, w)) = r.next_field()? {
        out.insert(n, w);
    }
    Ok(out)
}

fn string_of(w: Wire) -> Value {
    match w {
        Wire::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        _ => Value::Null,
    }
}

fn number_of(w: Option<&Wire>) -> i64 {
    match w {
        Some(Wire::Varint(v)) => *v as i64,
        _ => 0,
    }
}

/// meta/v1 Time and MicroTime: seconds and nanos since the epoch, printed as
/// RFC 3339 (to the second, or the microsecond). The zero time is null.
fn time(bytes: &[u8], micro: bool) -> Result<Value, String> {
    let f = fields(bytes)?;
    let seconds = number_of(f.get(&1));
    let nanos = number_of(f.get(&2)) as i32;
    if seconds == 0 && nanos == 0 {
        return Ok(Value::Null);
    }
    let t = jiff::Timestamp::new(seconds, if micro { nanos } else { 0 })
        .map_err(|e| format!("a time is out of range: {e}"))?;
    let text = if micro {
        format!("{t:.6}")
    } else {
        t.to_string()
    };
    Ok(Value::String(text))
}

/// intstr.IntOrString: a type tag, then the int or the string.
fn int_or_string(bytes: &[u8]) -> Result<Value, String> {
    let f = fields(bytes)?;
    if number_of(f.get(&1)) == 1 {
        return Ok(f
            .get(&3)
            .copied()
            .map_or(Value::String(String::new()), string_of));
    }
    Ok(Value::from(number_of(f.get(&2)) as i32))
}

/// managedFields' fieldsV1: JSON carried as bytes.
fn fields_v1(bytes: &[u8]) -> Result<Value, String> {
    match fields(bytes)?.get(&1) {
        Some(Wire::Bytes(raw)) => {
            serde_json::from_slice(raw).map_err(|e| format!("fieldsV1 is not JSON: {e}"))
        }
        _ => Ok(Value::Object(Map::new())),
    }
}
