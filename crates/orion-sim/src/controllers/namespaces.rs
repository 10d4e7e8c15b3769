//! The namespace controller: every active namespace gets its `default`
//! ServiceAccount; a Terminating one is emptied, then removed.

use crate::controllers::object::{name, resource};
use crate::meta;
use crate::resources::RESOURCES;
use crate::store::Store;
use serde_json::json;

pub fn reconcile(store: &Store) {
    let ns_r = resource("", "namespaces");
    let sa_r = resource("", "serviceaccounts");
    for ns in store.list(ns_r, None).0 {
        let n = name(&ns).to_string();
        if ns["status"]["phase"] == "Terminating" {
            for r in RESOURCES.iter().filter(|r| r.namespaced) {
                for o in store.list(r, Some(&n)).0 {
                    let _ = store.delete(r, &n, name(&o));
                }
            }
            let _ = store.delete(ns_r, "", &n);
        } else if store.get(sa_r, &n, "default").is_none() {
            if let Ok(sa) =
                meta::prepare_create(sa_r, &n, json!({ "metadata": { "name": "default" } }))
            {
                let _ = store.create(sa_r, &n, sa);
            }
        }
    }
}
