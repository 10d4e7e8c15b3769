//! Removing a set of fields from an object (`TypedValue.RemoveItems`).
//!
//! A member path removes the whole subtree at that path. Maps and lists
//! left empty by a removal are dropped from their parent (Go would decode
//! the resulting `null` to an absent field).

use serde_json::{Map, Value};

use super::fieldset::FieldSet;
use super::keys::{item_element_lenient, list_type, ListType};
use super::path::PathElement;
use super::schema::{map_type, MapType};

/// Returns `value` without the fields in `set`.
pub fn remove_items(value: &Value, set: &FieldSet, kind: &str) -> Value {
    if set.is_empty() {
        return value.clone();
    }
    let mut w = Walker {
        kind,
        names: Vec::new(),
    };
    w.remove(value, set)
        .unwrap_or_else(|| Value::Object(Map::new()))
}

struct Walker<'a> {
    kind: &'a str,
    names: Vec<String>,
}

impl Walker<'_> {
    fn remove(&mut self, value: &Value, set: &FieldSet) -> Option<Value> {
        match value {
            Value::Object(map) => {
                if map.is_empty() {
                    return Some(value.clone());
                }
                if map_type(&self.names) == MapType::Atomic && !self.names.is_empty() {
                    return None;
                }
                let mut out = Map::new();
                for (k, v) in map {
                    let pe = PathElement::field(k);
                    if set.members().contains(&pe) {
                        continue;
                    }
                    let kept = match set.child(&pe) {
                        Some(sub) => {
                            self.names.push(k.clone());
                            let r = self.remove(v, sub);
                            self.names.pop();
                            r
                        }
                        None => Some(v.clone()),
                    };
                    if let Some(v) = kept {
                        out.insert(k.clone(), v);
                    }
                }
                (!out.is_empty()).then_some(Value::Object(out))
            }
            Value::Array(items) => {
                if items.is_empty() {
                    return Some(value.clone());
                }
                let lt = list_type(self.kind, &self.names);
                if lt == ListType::Atomic {
                    return None;
                }
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let pe = item_element_lenient(lt, item, i);
                    if set.members().contains(&pe) {
                        continue;
                    }
                    match set.child(&pe) {
                        Some(sub) => out.extend(self.remove(item, sub)),
                        None => out.push(item.clone()),
                    }
                }
                (!out.is_empty()).then_some(Value::Array(out))
            }
            other => Some(other.clone()),
        }
    }
}
