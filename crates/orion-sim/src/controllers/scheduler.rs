//! The scheduler: binds each unscheduled pod to the ready node with the fewest
//! pods among those with room for its CPU and memory requests; a pod that fits
//! nowhere stays Pending with a FailedScheduling event.

use crate::controllers::events;
use crate::controllers::object::{condition, name, namespace, resource, set_condition};
use crate::controllers::quantity::{bytes, cpu_millis};
use crate::meta;
use crate::store::Store;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// (millicores, bytes) a pod requests.
fn requests(pod: &Value) -> (u64, u64) {
    let mut total = (0, 0);
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        let r = &c["resources"]["requests"];
        total.0 += r["cpu"].as_str().and_then(cpu_millis).unwrap_or(0);
        total.1 += r["memory"].as_str().and_then(bytes).unwrap_or(0);
    }
    total
}

struct Node {
    pods: usize,
    /// `allocatable.pods`: how many pods the node takes.
    max_pods: usize,
    free_cpu: u64,
    free_memory: u64,
}

pub fn reconcile(store: &Store) {
    let (pods, _) = store.list_shared(resource("", "pods"), None);
    let (nodes, _) = store.list(resource("", "nodes"), None);
    let mut free: BTreeMap<String, Node> = nodes
        .iter()
        .filter(|n| n["spec"]["unschedulable"] != true)
        .map(|n| {
            let a = &n["status"]["allocatable"];
            let node = Node {
                pods: 0,
                max_pods: a["pods"]
                    .as_str()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(110),
                free_cpu: a["cpu"].as_str().and_then(cpu_millis).unwrap_or(0),
                free_memory: a["memory"].as_str().and_then(bytes).unwrap_or(0),
            };
            (name(n).to_string(), node)
        })
        .collect();
    for p in &pods {
        let finished = matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
        if let Some(node) = p["spec"]["nodeName"]
            .as_str()
            .and_then(|n| free.get_mut(n))
            .filter(|_| !finished)
        {
            let (cpu, mem) = requests(p);
            node.pods += 1;
            node.free_cpu = node.free_cpu.saturating_sub(cpu);
            node.free_memory = node.free_memory.saturating_sub(mem);
        }
    }
    for pod in pods.iter().filter(|p| {
        p["spec"]["nodeName"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    }) {
        let (cpu, mem) = requests(pod);
        let fits = |n: &Node| n.pods < n.max_pods && n.free_cpu >= cpu && n.free_memory >= mem;
        let choice = free
            .iter()
            .filter(|(_, n)| fits(n))
            .min_by_key(|(name, n)| (n.pods, (*name).clone()))
            .map(|(name, _)| name.clone());
        match choice {
            Some(node) => bind(store, pod, &node, &mut free, (cpu, mem)),
            None => unschedulable(store, pod, &free, (cpu, mem)),
        }
    }
}

fn bind(
    store: &Store,
    pod: &Value,
    node: &str,
    free: &mut BTreeMap<String, Node>,
    (cpu, mem): (u64, u64),
) {
    let now = meta::now();
    let bound = store.modify(resource("", "pods"), namespace(pod), name(pod), |cur| {
        let mut next = cur.clone();
        next["spec"]["nodeName"] = json!(node);
        set_condition(&mut next, "PodScheduled", "True", "", "", &now);
        Ok(next)
    });
    if let (Ok(p), Some(n)) = (bound, free.get_mut(node)) {
        n.pods += 1;
        n.free_cpu -= cpu;
        n.free_memory -= mem;
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

fn unschedulable(
    store: &Store,
    pod: &Value,
    free: &BTreeMap<String, Node>,
    (cpu, mem): (u64, u64),
) {
    let total = free.len();
    let mut reasons = Vec::new();
    let short_cpu = free.values().filter(|n| n.free_cpu < cpu).count();
    let short_mem = free.values().filter(|n| n.free_memory < mem).count();
    let full = free.values().filter(|n| n.pods >= n.max_pods).count();
    if full > 0 {
        reasons.push(format!("{full} Too many pods"));
    }
    if short_cpu > 0 {
        reasons.push(format!("{short_cpu} Insufficient cpu"));
    }
    if short_mem > 0 {
        reasons.push(format!("{short_mem} Insufficient memory"));
    }
    let message = format!(
        "0/{total} nodes are available: {}. preemption: 0/{total} nodes are available: {total} No preemption victims found for incoming pod.",
        reasons.join(", ")
    );
    let already = condition(pod, "PodScheduled")
        .is_some_and(|c| c["status"] == "False" && c["message"] == message.as_str());
    if already {
        return;
    }
    let now = meta::now();
    let updated = store.modify(resource("", "pods"), namespace(pod), name(pod), |cur| {
        let mut next = cur.clone();
        next["status"]["phase"] = json!("Pending");
        set_condition(
            &mut next,
            "PodScheduled",
            "False",
            "Unschedulable",
            &message,
            &now,
        );
        Ok(next)
    });
    if let Ok(p) = updated {
        events::record(
            store,
            &p,
            "Warning",
            "FailedScheduling",
            &message,
            "default-scheduler",
        );
    }
}
