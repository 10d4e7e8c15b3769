//! ControllerRevisions: the template history of StatefulSets and DaemonSets,
//! which `kubectl rollout history` lists and `kubectl rollout undo` applies.

use crate::controllers::object::{controlled_by, name, namespace, owner_ref, resource, uid};
use crate::meta;
use crate::store::Store;
use serde_json::{json, Value};

/// Makes sure revision `revision_name` records `owner`'s current template as
/// its newest revision; returns its number.
pub fn record(store: &Store, owner: &Value, revision_name: &str, hash: &str) -> i64 {
    let r = resource("apps", "controllerrevisions");
    let ns = namespace(owner);
    let mine: Vec<Value> = store
        .list(r, Some(ns))
        .0
        .into_iter()
        .filter(|cr| controlled_by(cr, uid(owner)))
        .collect();
    let newest = mine
        .iter()
        .filter_map(|cr| cr["revision"].as_i64())
        .max()
        .unwrap_or(0);
    match mine.iter().find(|cr| name(cr) == revision_name) {
        Some(cr) if cr["revision"].as_i64() == Some(newest) => newest,
        Some(_) => {
            // The template came back (an undo): it becomes the newest revision again.
            let _ = store.modify(r, ns, revision_name, |cur| {
                let mut next = cur.clone();
                next["revision"] = json!(newest + 1);
                Ok(next)
            });
            newest + 1
        }
        None => {
            let mut template = owner["spec"]["template"].clone();
            template["$patch"] = json!("replace");
            let mut labels = owner["spec"]["selector"]["matchLabels"].clone();
            if !labels.is_object() {
                labels = json!({});
            }
            labels["controller.kubernetes.io/hash"] = json!(hash);
            let cr = json!({
                "apiVersion": "apps/v1",
                "kind": "ControllerRevision",
                "metadata": { "name": revision_name, "labels": labels, "ownerReferences": [owner_ref(owner)] },
                "data": { "spec": { "template": template } },
                "revision": newest + 1,
            });
            if let Ok(cr) = meta::prepare_create(r, ns, cr) {
                let _ = store.create(r, ns, cr);
            }
            newest + 1
        }
    }
}
