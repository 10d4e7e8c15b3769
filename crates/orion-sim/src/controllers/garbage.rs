//! The garbage collector: objects whose owners are all gone are deleted
//! (pods gracefully), as kube-controller-manager's collector does.

use crate::controllers::object::{name, namespace};
use crate::controllers::terminate::terminate;
use crate::resources::RESOURCES;
use crate::store::Store;
use serde_json::Value;
use std::collections::HashSet;

pub fn reconcile(store: &Store) {
    let all: Vec<(&'static crate::resources::Resource, Value)> = RESOURCES
        .iter()
        .flat_map(|r| store.list(r, None).0.into_iter().map(move |o| (r, o)))
        .collect();
    let alive: HashSet<&str> = all
        .iter()
        .filter_map(|(_, o)| o["metadata"]["uid"].as_str())
        .collect();
    for (r, o) in &all {
        let Some(refs) = o["metadata"]["ownerReferences"].as_array() else {
            continue;
        };
        let orphaned = !refs.is_empty()
            && refs
                .iter()
                .all(|x| x["uid"].as_str().is_none_or(|u| !alive.contains(u)));
        if !orphaned {
            continue;
        }
        if r.kind == "Pod" {
            let _ = terminate(store, o, None);
        } else {
            let _ = store.delete(r, namespace(o), name(o));
        }
    }
}
