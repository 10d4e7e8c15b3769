//! Merging an applied configuration onto the live object (`TypedValue.Merge`).
//!
//! Maps merge key by key, keyed/set lists merge item by item (order: live
//! items stay in place, shared items follow the configuration's order),
//! atomic nodes and scalars are replaced. An explicit `null` in the
//! configuration removes the field from the result.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::keys::{item_element_lenient, list_type, ListType};
use super::path::PathElement;
use super::schema::{map_type, MapType};

/// Returns `live` with `config` merged in.
pub fn merge(live: &Value, config: &Value, kind: &str) -> Value {
    let mut w = Walker {
        kind,
        names: Vec::new(),
    };
    w.merge(Some(live), Some(config))
        .unwrap_or_else(|| Value::Object(Map::new()))
}

/// Removes object entries whose value is `null`, recursively.
pub fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

struct Walker<'a> {
    kind: &'a str,
    names: Vec<String>,
}

impl Walker<'_> {
    /// `None` means "no value" (the field is dropped).
    fn merge(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) -> Option<Value> {
        let (l, r) = match (lhs, rhs) {
            (_, Some(Value::Null)) => return None,
            (None, None) => return None,
            (Some(l), None) => return Some(l.clone()),
            (None, Some(r)) => return Some(strip_nulls(r)),
            (Some(l), Some(r)) => (l, r),
        };
        match (l, r) {
            (Value::Object(lm), Value::Object(rm)) => {
                if map_type(&self.names) == MapType::Atomic || (lm.is_empty() && rm.is_empty()) {
                    return Some(strip_nulls(r));
                }
                self.merge_map(lm, rm)
            }
            (Value::Array(la), Value::Array(ra)) => {
                let lt = list_type(self.kind, &self.names);
                if lt == ListType::Atomic || (la.is_empty() && ra.is_empty()) {
                    return Some(strip_nulls(r));
                }
                self.merge_list(lt, la, ra)
            }
            _ => Some(strip_nulls(r)),
        }
    }

    fn merge_map(&mut self, lm: &Map<String, Value>, rm: &Map<String, Value>) -> Option<Value> {
        let mut out = Map::new();
        for (k, lv) in lm {
            self.names.push(k.clone());
            let merged = self.merge(Some(lv), rm.get(k));
            self.names.pop();
            if let Some(v) = merged {
                out.insert(k.clone(), v);
            }
        }
        for (k, rv) in rm {
            if lm.contains_key(k) || rv.is_null() {
                continue;
            }
            out.insert(k.clone(), strip_nulls(rv));
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    fn merge_list(&mut self, lt: ListType, l: &[Value], r: &[Value]) -> Option<Value> {
        let pes = |items: &[Value]| -> Vec<PathElement> {
            items
                .iter()
                .enumerate()
                .map(|(i, v)| item_element_lenient(lt, v, i))
                .collect()
        };
        let (lpes, rpes) = (pes(l), pes(r));
        let mut lfirst: HashMap<&PathElement, &Value> = HashMap::new();
        for (pe, v) in lpes.iter().zip(l) {
            lfirst.entry(pe).or_insert(v);
        }
        let rset: HashSet<&PathElement> = rpes.iter().collect();
        let mut seen = HashSet::new();
        let shared: Vec<&PathElement> = rpes
            .iter()
            .filter(|pe| lfirst.contains_key(pe) && seen.insert(*pe))
            .collect();
        let mut shared_iter = shared.into_iter();
        let mut next_shared = shared_iter.next();
        let mut merged_rhs: HashSet<&PathElement> = HashSet::new();
        let mut out = Vec::new();
        let (mut li, mut ri) = (0, 0);
        while li < l.len() || ri < r.len() {
            let (start_l, start_r) = (li, ri);
            if let (Some(lpe), Some(rpe)) = (lpes.get(li), rpes.get(ri)) {
                if lpe == rpe {
                    if merged_rhs.insert(lpe) {
                        out.extend(self.merge(lfirst.get(lpe).copied(), r.get(ri)));
                    }
                    li += 1;
                    ri += 1;
                    next_shared = shared_iter.next();
                    continue;
                }
                if rset.contains(lpe) && next_shared.is_some_and(|s| s != lpe) {
                    li += 1;
                    continue;
                }
            }
            if let Some(lpe) = lpes.get(li) {
                if !rset.contains(lpe) {
                    out.extend(l.get(li).cloned());
                    li += 1;
                    continue;
                }
                if merged_rhs.contains(lpe) {
                    li += 1;
                    continue;
                }
            }
            if let Some(rpe) = rpes.get(ri) {
                if merged_rhs.insert(rpe) {
                    out.extend(self.merge(lfirst.get(rpe).copied(), r.get(ri)));
                }
                ri += 1;
                if next_shared == Some(rpe) {
                    next_shared = shared_iter.next();
                }
            }
            if (li, ri) == (start_l, start_r) {
                li += 1; // defensive: never loop forever
            }
        }
        (!out.is_empty()).then_some(Value::Array(out))
    }
}
