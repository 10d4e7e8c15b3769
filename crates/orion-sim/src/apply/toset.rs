//! Field sets of objects (`TypedValue.ToFieldSet`) and the named-field
//! completion used by pruning (`Set.EnsureNamedFieldsAreMembers`).

use std::collections::HashSet;

use serde_json::Value;

use super::fieldset::FieldSet;
use super::keys::{item_element, item_element_lenient, list_type, ListType};
use super::path::{pretty_path, PathElement};
use super::schema::{map_type, MapType};

/// Every field of `value`: leaves, atomic nodes, list items and free-form map keys.
/// Malformed list items are tracked by index.
pub fn to_field_set(value: &Value, kind: &str) -> FieldSet {
    let mut w = Walker {
        kind,
        names: Vec::new(),
        path: Vec::new(),
        set: FieldSet::new(),
        strict: false,
    };
    // Lenient mode never fails.
    let _ = w.walk(value);
    w.set
}

/// Like [`to_field_set`], but rejects list items without merge keys and
/// duplicate keys, as the apiserver does for an applied configuration.
pub fn to_field_set_strict(value: &Value, kind: &str) -> Result<FieldSet, String> {
    let mut w = Walker {
        kind,
        names: Vec::new(),
        path: Vec::new(),
        set: FieldSet::new(),
        strict: true,
    };
    w.walk(value)?;
    Ok(w.set)
}

struct Walker<'a> {
    kind: &'a str,
    names: Vec<String>,
    path: Vec<PathElement>,
    set: FieldSet,
    strict: bool,
}

impl Walker<'_> {
    fn walk(&mut self, value: &Value) -> Result<(), String> {
        match value {
            Value::Object(map) => match map_type(&self.names) {
                MapType::Atomic if !self.path.is_empty() => self.set.insert(&self.path),
                mt => {
                    for (k, v) in map {
                        self.path.push(PathElement::field(k));
                        self.names.push(k.clone());
                        let r = self.walk(v);
                        if mt == MapType::Granular {
                            self.set.insert(&self.path);
                        }
                        self.names.pop();
                        self.path.pop();
                        r?;
                    }
                }
            },
            Value::Array(items) => self.walk_list(items)?,
            _ => self.set.insert(&self.path),
        }
        Ok(())
    }

    fn walk_list(&mut self, items: &[Value]) -> Result<(), String> {
        let lt = list_type(self.kind, &self.names);
        if lt == ListType::Atomic {
            self.set.insert(&self.path);
            return Ok(());
        }
        let mut seen = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let pe = if self.strict {
                item_element(lt, item, i)
                    .map_err(|e| format!("{}: element {i}: {e}", pretty_path(&self.path)))?
            } else {
                item_element_lenient(lt, item, i)
            };
            if !seen.insert(pe.clone()) && self.strict {
                return Err(format!(
                    "{}: duplicate entries for key {}",
                    pretty_path(&self.path),
                    pe.pretty()
                ));
            }
            self.path.push(pe);
            let r = self.walk(item);
            self.set.insert(&self.path);
            self.path.pop();
            r?;
        }
        Ok(())
    }
}

/// Adds every struct field that has tracked descendants as a member itself.
pub fn ensure_named_fields(set: &FieldSet) -> FieldSet {
    let mut names = Vec::new();
    ensure(set, &mut names)
}

fn ensure(set: &FieldSet, names: &mut Vec<String>) -> FieldSet {
    let mut out = FieldSet::new();
    for pe in set.members() {
        out.insert_member(pe.clone());
    }
    let is_struct = map_type(names) == MapType::Struct;
    for (pe, child) in set.children() {
        let pushed = if let PathElement::Field(name) = pe {
            if is_struct {
                out.insert_member(pe.clone());
            }
            names.push(name.clone());
            true
        } else {
            false
        };
        out.insert_child(pe.clone(), ensure(child, names));
        if pushed {
            names.pop();
        }
    }
    out
}
