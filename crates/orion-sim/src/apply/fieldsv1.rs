//! Conversion between [`FieldSet`] and the `fieldsV1` JSON trie.

use serde_json::{Map, Value};

use super::fieldset::FieldSet;
use super::path::PathElement;

/// Encodes a set as a fieldsV1 object (`"."` first, then elements in order).
pub fn to_json(set: &FieldSet) -> Value {
    Value::Object(emit(set, false))
}

fn emit(set: &FieldSet, self_member: bool) -> Map<String, Value> {
    let mut out = Map::new();
    if self_member {
        out.insert(".".to_string(), Value::Object(Map::new()));
    }
    let mut members = set.members().iter().peekable();
    let mut children = set.children().iter().peekable();
    loop {
        let next_member = members.peek().copied();
        let next_child = children.peek().map(|(pe, _)| *pe);
        match (next_member, next_child) {
            (None, None) => break,
            (Some(m), Some(c)) if c < m => {
                if let Some((pe, child)) = children.next() {
                    out.insert(pe.to_fields_v1(), Value::Object(emit(child, false)));
                }
            }
            (Some(m), Some(c)) if c == m => {
                members.next();
                if let Some((pe, child)) = children.next() {
                    out.insert(pe.to_fields_v1(), Value::Object(emit(child, true)));
                }
            }
            (Some(m), _) => {
                members.next();
                out.insert(m.to_fields_v1(), Value::Object(Map::new()));
            }
            (None, Some(_)) => {
                if let Some((pe, child)) = children.next() {
                    out.insert(pe.to_fields_v1(), Value::Object(emit(child, false)));
                }
            }
        }
    }
    out
}

/// Decodes a fieldsV1 object.
pub fn from_json(v: &Value) -> Result<FieldSet, String> {
    let (set, _) = parse(v)?;
    Ok(set)
}

/// Returns the set below a node and whether the node carried `"."`.
fn parse(v: &Value) -> Result<(FieldSet, bool), String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("expected object in fieldsV1, got {v}"))?;
    let mut set = FieldSet::new();
    let mut dot = false;
    for (k, child) in obj {
        if k == "." {
            dot = true;
            continue;
        }
        let pe = PathElement::from_fields_v1(k)
            .ok_or_else(|| format!("error decoding set: invalid path element {k:?}"))?;
        let (sub, sub_dot) = parse(child)?;
        if sub.is_empty() || sub_dot {
            set.insert_member(pe.clone());
        }
        set.insert_child(pe, sub);
    }
    Ok((set, dot))
}
