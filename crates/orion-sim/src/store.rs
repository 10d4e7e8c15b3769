//! The simulated cluster's object store: every object by resource, namespace
//! and name; one resourceVersion counter; a bounded history of changes so a
//! watch can resume from a version (or get 410 Gone when it is too old).

use crate::resources::Resource;
use crate::status::ApiError;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// Changes kept for resuming watches, by default.
const HISTORY: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

#[derive(Debug)]
pub struct Change {
    pub rv: u64,
    pub kind: ChangeKind,
    pub resource: &'static Resource,
    /// The object as stored (shared with the store, not copied).
    pub object: Arc<Value>,
    /// What selectors can see of the object before a modification (watches
    /// with selectors need it to tell an object entering or leaving them).
    pub old: Option<Value>,
}

type Key = (String, String, String); // (group/plural, namespace, name)

struct Inner {
    rv: u64,
    history_limit: usize,
    objects: BTreeMap<Key, Arc<Value>>,
    history: VecDeque<Arc<Change>>,
}

pub struct Store {
    inner: Mutex<Inner>,
    changes: broadcast::Sender<Arc<Change>>,
}

fn key(r: &Resource, namespace: &str, name: &str) -> Key {
    (
        format!("{}/{}", r.group, r.plural),
        namespace.to_string(),
        name.to_string(),
    )
}

/// The object's resourceVersion as a number (0 when missing or malformed).
pub fn resource_version(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

impl Default for Store {
    fn default() -> Store {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        Store::with_history(HISTORY)
    }

    /// A store that keeps the last `limit` changes for resuming watches.
    pub fn with_history(limit: usize) -> Store {
        let (changes, _) = broadcast::channel(8192);
        Store {
            inner: Mutex::new(Inner {
                rv: 1,
                history_limit: limit.max(1),
                objects: BTreeMap::new(),
                history: VecDeque::new(),
            }),
            changes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The newest resourceVersion.
    pub fn current_version(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(&self, r: &Resource, namespace: &str, name: &str) -> Option<Value> {
        self.lock()
            .objects
            .get(&key(r, namespace, name))
            .map(|v| Value::clone(v))
    }

    /// Objects of `r` (in `namespace`, or everywhere when `None`), by namespace
    /// and name, with the version the list is consistent at.
    pub fn list(&self, r: &Resource, namespace: Option<&str>) -> (Vec<Value>, u64) {
        let (items, rv) = self.list_shared(r, namespace);
        (items.iter().map(|v| Value::clone(v)).collect(), rv)
    }

    /// As `list`, sharing the stored objects instead of copying them: for
    /// readers that only look, such as the controllers on every pass.
    pub fn list_shared(&self, r: &Resource, namespace: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        let prefix = format!("{}/{}", r.group, r.plural);
        let items = inner
            .objects
            .range((prefix.clone(), String::new(), String::new())..)
            .take_while(|((p, _, _), _)| *p == prefix)
            .filter(|((_, ns, _), _)| namespace.is_none_or(|want| want == ns))
            .map(|(_, v)| Arc::clone(v))
            .collect();
        (items, inner.rv)
    }

    /// Stores a new object; fails when the name is taken.
    pub fn create(
        &self,
        r: &'static Resource,
        namespace: &str,
        object: Value,
    ) -> Result<Value, ApiError> {
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut inner = self.lock();
        let k = key(r, namespace, &name);
        if inner.objects.contains_key(&k) {
            return Err(ApiError::already_exists(r, &name));
        }
        Ok(self.commit(&mut inner, r, k, object, None))
    }

    /// Changes a stored object with `edit`, atomically. `edit` gets the current
    /// object and returns the new one; returning the same content stores nothing.
    pub fn modify(
        &self,
        r: &'static Resource,
        namespace: &str,
        name: &str,
        edit: impl FnOnce(&Value) -> Result<Value, ApiError>,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let k = key(r, namespace, name);
        let current = inner
            .objects
            .get(&k)
            .ok_or_else(|| ApiError::not_found(r, name))?;
        let next = edit(current)?;
        if without_version(&next) == without_version(current) {
            return Ok(Value::clone(current));
        }
        let old = selectable(current);
        Ok(self.commit(&mut inner, r, k, next, Some(old)))
    }

    /// Removes an object, returning it as it was last stored.
    pub fn delete(
        &self,
        r: &'static Resource,
        namespace: &str,
        name: &str,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let k = key(r, namespace, name);
        let object = inner
            .objects
            .remove(&k)
            .ok_or_else(|| ApiError::not_found(r, name))?;
        inner.rv += 1;
        let mut gone = Value::clone(&object);
        gone["metadata"]["resourceVersion"] = Value::String(inner.rv.to_string());
        self.record(
            &mut inner,
            r,
            Arc::new(gone.clone()),
            ChangeKind::Deleted,
            None,
        );
        Ok(gone)
    }

    /// Stores `object` under `k`: an addition, or a modification of `old`.
    fn commit(
        &self,
        inner: &mut Inner,
        r: &'static Resource,
        k: Key,
        mut object: Value,
        old: Option<Value>,
    ) -> Value {
        inner.rv += 1;
        object["metadata"]["resourceVersion"] = Value::String(inner.rv.to_string());
        let shared = Arc::new(object);
        inner.objects.insert(k, shared.clone());
        let kind = if old.is_some() {
            ChangeKind::Modified
        } else {
            ChangeKind::Added
        };
        let object = Value::clone(&shared);
        self.record(inner, r, shared, kind, old);
        object
    }

    fn record(
        &self,
        inner: &mut Inner,
        r: &'static Resource,
        object: Arc<Value>,
        kind: ChangeKind,
        old: Option<Value>,
    ) {
        let change = Arc::new(Change {
            rv: inner.rv,
            kind,
            resource: r,
            object,
            old,
        });
        if inner.history.len() >= inner.history_limit {
            inner.history.pop_front();
        }
        inner.history.push_back(change.clone());
        let _ = self.changes.send(change);
    }

    /// Live changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// Changes after `rv`, or 410 Gone when some of them are no longer kept.
    pub fn changes_since(&self, rv: u64) -> Result<Vec<Arc<Change>>, ApiError> {
        let inner = self.lock();
        let oldest_kept = inner.history.front().map_or(inner.rv, |c| c.rv);
        if rv + 1 < oldest_kept {
            return Err(ApiError::gone(rv, oldest_kept));
        }
        Ok(inner
            .history
            .iter()
            .filter(|c| c.rv > rv)
            .cloned()
            .collect())
    }
}

/// The parts of an object that label and field selectors can read: all a
/// watch needs of the previous version, at a fraction of its size.
fn selectable(object: &Value) -> Value {
    let pick = |from: &Value, keys: &[&str]| -> Value {
        let mut out = serde_json::Map::new();
        for k in keys {
            if let Some(v) = from.get(*k) {
                out.insert((*k).to_string(), v.clone());
            }
        }
        Value::Object(out)
    };
    let mut view = pick(
        object,
        &[
            "type",
            "reason",
            "source",
            "reportingComponent",
            "involvedObject",
        ],
    );
    view["metadata"] = pick(&object["metadata"], &["name", "namespace", "labels"]);
    view["spec"] = pick(
        &object["spec"],
        &[
            "nodeName",
            "restartPolicy",
            "schedulerName",
            "serviceAccountName",
            "unschedulable",
        ],
    );
    view["status"] = pick(
        &object["status"],
        &["phase", "podIP", "nominatedNodeName", "replicas"],
    );
    view
}

fn without_version(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(m) = o["metadata"].as_object_mut() {
        m.remove("resourceVersion");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::{resource_version, ChangeKind, Store};
    use crate::resources::find;
    use serde_json::json;

    #[test]
    fn versions_grow_and_history_resumes() {
        let cm = find("", "v1", "configmaps").unwrap();
        let s = Store::new();
        let start = s.current_version();
        let a = s
            .create(cm, "default", json!({"metadata": {"name": "a"}}))
            .unwrap();
        assert_eq!(resource_version(&a), start + 1);
        assert_eq!(
            s.create(cm, "default", json!({"metadata": {"name": "a"}}))
                .unwrap_err()
                .code,
            409
        );
        let same = s.modify(cm, "default", "a", |o| Ok(o.clone())).unwrap();
        assert_eq!(
            resource_version(&same),
            start + 1,
            "no-op writes keep the version"
        );
        s.modify(cm, "default", "a", |o| {
            let mut o = o.clone();
            o["data"] = json!({"k": "v"});
            Ok(o)
        })
        .unwrap();
        s.delete(cm, "default", "a").unwrap();
        let kinds: Vec<ChangeKind> = s
            .changes_since(start)
            .unwrap()
            .iter()
            .map(|c| c.kind)
            .collect();
        assert_eq!(
            kinds,
            [ChangeKind::Added, ChangeKind::Modified, ChangeKind::Deleted]
        );
        assert_eq!(s.changes_since(start + 2).unwrap().len(), 1);
        assert_eq!(s.list(cm, Some("default")).0.len(), 0);
    }

    #[test]
    fn too_old_a_version_is_gone() {
        let cm = find("", "v1", "configmaps").unwrap();
        let s = Store::with_history(2);
        let start = s.current_version();
        for name in ["a", "b", "c", "d"] {
            s.create(cm, "default", json!({"metadata": {"name": name}}))
                .unwrap();
        }
        assert_eq!(s.changes_since(start).unwrap_err().code, 410);
        assert_eq!(s.changes_since(start + 2).unwrap().len(), 2);
    }
}
