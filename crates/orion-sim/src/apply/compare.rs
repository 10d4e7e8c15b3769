//! Diff of two objects as field sets (`TypedValue.Compare`).

use std::collections::HashMap;

use serde_json::Value;

use super::fieldset::FieldSet;
use super::keys::{item_element_lenient, list_type, ListType};
use super::path::PathElement;
use super::schema::{map_type, MapType};
use super::value::values_equal;

/// Fields added, modified and removed going from `lhs` to `rhs`.
/// Non-leaf nodes (maps, list items) that appear or disappear are recorded too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Present only in rhs.
    pub added: FieldSet,
    /// Present in both with different values.
    pub modified: FieldSet,
    /// Present only in lhs.
    pub removed: FieldSet,
}

impl Comparison {
    /// Drops `ignored` fields (and everything below them) from all three sets.
    pub fn exclude(&self, ignored: &FieldSet) -> Comparison {
        Comparison {
            added: self.added.recursive_difference(ignored),
            modified: self.modified.recursive_difference(ignored),
            removed: self.removed.recursive_difference(ignored),
        }
    }

    /// added ∪ modified.
    pub fn changed(&self) -> FieldSet {
        self.added.union(&self.modified)
    }
}

/// Compares two objects (either may be absent).
pub fn compare(lhs: Option<&Value>, rhs: Option<&Value>, kind: &str) -> Comparison {
    let mut w = Walker {
        kind,
        names: Vec::new(),
        path: Vec::new(),
        out: Comparison::default(),
    };
    if lhs.is_some() || rhs.is_some() {
        w.node(lhs, rhs);
    }
    w.out
}

struct Walker<'a> {
    kind: &'a str,
    names: Vec<String>,
    path: Vec<PathElement>,
    out: Comparison,
}

fn is_empty_or_null(v: Option<&Value>, want_map: bool) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => want_map && m.is_empty(),
        Some(Value::Array(a)) => !want_map && a.is_empty(),
        Some(_) => false,
    }
}

impl Walker<'_> {
    fn node(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) {
        let probe = match rhs {
            Some(Value::Null) | None => lhs.unwrap_or(&Value::Null),
            Some(v) => v,
        };
        let descended = match probe {
            Value::Object(_) => self.map(lhs, rhs),
            Value::Array(_) => self.list(lhs, rhs),
            _ => false,
        };
        if !descended {
            self.leaf(lhs, rhs);
        } else if !self.path.is_empty() {
            if lhs.is_none() {
                self.out.added.insert(&self.path);
            } else if rhs.is_none() {
                self.out.removed.insert(&self.path);
            }
        }
    }

    fn leaf(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) {
        match (lhs, rhs) {
            (None, _) => self.out.added.insert(&self.path),
            (_, None) => self.out.removed.insert(&self.path),
            (Some(l), Some(r)) if !values_equal(l, r) => self.out.modified.insert(&self.path),
            _ => {}
        }
    }

    /// Returns false when the node must be treated as a leaf.
    fn map(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) -> bool {
        let mt = map_type(&self.names);
        let (lm, rm) = (
            lhs.and_then(Value::as_object),
            rhs.and_then(Value::as_object),
        );
        let shape_ok = lhs.is_none_or(|v| v.is_null() || v.is_object())
            && rhs.is_none_or(|v| v.is_null() || v.is_object());
        if !shape_ok
            || mt == MapType::Atomic
            || (is_empty_or_null(lhs, true) && is_empty_or_null(rhs, true))
        {
            return false;
        }
        let mut keys: Vec<&String> = lm.map(|m| m.keys().collect()).unwrap_or_default();
        for k in rm.map(|m| m.keys().collect::<Vec<_>>()).unwrap_or_default() {
            if !lm.is_some_and(|m| m.contains_key(k)) {
                keys.push(k);
            }
        }
        for k in keys {
            self.path.push(PathElement::field(k));
            self.names.push(k.clone());
            self.node(lm.and_then(|m| m.get(k)), rm.and_then(|m| m.get(k)));
            self.names.pop();
            self.path.pop();
        }
        true
    }

    fn list(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) -> bool {
        let lt = list_type(self.kind, &self.names);
        let shape_ok = lhs.is_none_or(|v| v.is_null() || v.is_array())
            && rhs.is_none_or(|v| v.is_null() || v.is_array());
        if !shape_ok
            || lt == ListType::Atomic
            || (is_empty_or_null(lhs, false) && is_empty_or_null(rhs, false))
        {
            return false;
        }
        let empty = Vec::new();
        let litems = lhs.and_then(Value::as_array).unwrap_or(&empty);
        let ritems = rhs.and_then(Value::as_array).unwrap_or(&empty);
        let (lorder, lmap) = index_items(lt, litems);
        let (rorder, rmap) = index_items(lt, ritems);
        for pe in rorder
            .iter()
            .chain(lorder.iter().filter(|pe| !rmap.contains_key(*pe)))
        {
            self.path.push(pe.clone());
            self.node(lmap.get(pe).copied(), rmap.get(pe).copied());
            self.path.pop();
        }
        true
    }
}

/// Item path elements in order (first occurrence wins for duplicates).
fn index_items(lt: ListType, items: &[Value]) -> (Vec<PathElement>, HashMap<PathElement, &Value>) {
    let mut order = Vec::new();
    let mut map = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let pe = item_element_lenient(lt, item, i);
        if !map.contains_key(&pe) {
            map.insert(pe.clone(), item);
            order.push(pe);
        }
    }
    (order, map)
}
