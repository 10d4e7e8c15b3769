//! The scheduler: binds each unscheduled pod to the ready node with the fewest pods.

use crate::sim::controllers::events;
use crate::sim::controllers::object::{name, namespace, resource, set_condition};
use crate::sim::meta;
use crate::sim::store::Store;
use serde_json::json;
use std::collections::BTreeMap;

pub fn reconcile(store: &Store) {
    let (pods, _) = store.list(resource("", "pods"), None);
    let (nodes, _) = store.list(resource("", "nodes"), None);
    let mut load: BTreeMap<String, usize> = nodes
        .iter()
        .filter(|n| n["spec"]["unschedulable"] != true)
        .map(|n| (name(n).to_string(), 0))
        .collect();
    for p in &pods {
        if let Some(n) = p["spec"]["nodeName"].as_str() {
            if let Some(count) = load.get_mut(n) {
                *count += 1;
            }
        }
    }
    for pod in pods.iter().filter(|p| {
        p["spec"]["nodeName"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    }) {
        let Some(node) = load
            .iter()
            .min_by_key(|(n, c)| (**c, (*n).clone()))
            .map(|(n, _)| n.clone())
        else {
            continue;
        };
        let now = meta::now();
        let bound = store.modify(resource("", "pods"), namespace(pod), name(pod), |cur| {
            let mut next = cur.clone();
            next["spec"]["nodeName"] = json!(node);
            set_condition(&mut next, "PodScheduled", "True", "", "", &now);
            Ok(next)
        });
        if let Ok(p) = bound {
            *load.entry(node.clone()).or_default() += 1;
            let message = format!(
                "Successfully assigned {}/{} to {node}",
                namespace(&p),
                name(&p)
            );
            events::record(
                store,
                &p,
                "Normal",
                "Scheduled",
                &message,
                "default-scheduler",
            );
        }
    }
}
