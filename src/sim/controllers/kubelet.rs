//! The kubelet of every simulated node: a bound pod goes ContainerCreating →
//! Running, and Ready once its readiness delay has passed.

use crate::sim::controllers::events;
use crate::sim::controllers::object::{name, namespace, resource, set_condition, uid};
use crate::sim::controllers::Timing;
use crate::sim::meta;
use crate::sim::store::Store;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;

/// What the kubelet remembers between passes: when each pod was bound and started.
#[derive(Default)]
pub struct Kubelet {
    bound: HashMap<String, Instant>,
    started: HashMap<String, Instant>,
    next_ip: HashMap<String, u32>,
}

fn containers(pod: &Value) -> Vec<Value> {
    pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The longest readiness initialDelaySeconds of the pod's containers.
fn readiness_delay(pod: &Value, timing: &Timing) -> std::time::Duration {
    containers(pod)
        .iter()
        .filter_map(|c| c["readinessProbe"]["initialDelaySeconds"].as_u64())
        .max()
        .map_or(timing.ready, std::time::Duration::from_secs)
}

impl Kubelet {
    pub fn reconcile(&mut self, store: &Store, timing: &Timing) {
        let pods_r = resource("", "pods");
        let (pods, _) = store.list(pods_r, None);
        let live: std::collections::HashSet<&str> = pods.iter().map(uid).collect();
        self.bound.retain(|k, _| live.contains(k.as_str()));
        self.started.retain(|k, _| live.contains(k.as_str()));
        for pod in &pods {
            let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
            if node.is_empty() {
                continue;
            }
            let id = uid(pod).to_string();
            let bound = *self.bound.entry(id.clone()).or_insert_with(Instant::now);
            let phase = pod["status"]["phase"].as_str().unwrap_or("Pending");
            let now = meta::now();
            match phase {
                "Pending" if pod["status"]["containerStatuses"].is_null() => {
                    let _ = store.modify(pods_r, namespace(pod), name(pod), |cur| {
                        Ok(creating(cur, &now))
                    });
                }
                "Pending" if bound.elapsed() >= timing.start => {
                    let ip = self.pod_ip(store, node);
                    let started = store.modify(pods_r, namespace(pod), name(pod), |cur| {
                        Ok(running(cur, &ip, &now))
                    });
                    if let Ok(p) = started {
                        self.started.insert(id, Instant::now());
                        for c in containers(&p) {
                            let image = c["image"].as_str().unwrap_or_default();
                            let cname = c["name"].as_str().unwrap_or_default();
                            events::record(
                                store,
                                &p,
                                "Normal",
                                "Pulled",
                                &format!("Container image \"{image}\" already present on machine"),
                                "kubelet",
                            );
                            events::record(
                                store,
                                &p,
                                "Normal",
                                "Created",
                                &format!("Created container: {cname}"),
                                "kubelet",
                            );
                            events::record(
                                store,
                                &p,
                                "Normal",
                                "Started",
                                &format!("Started container {cname}"),
                                "kubelet",
                            );
                        }
                    }
                }
                "Running" => {
                    let since = *self.started.entry(id).or_insert_with(Instant::now);
                    if since.elapsed() >= readiness_delay(pod, timing) {
                        let _ = store.modify(pods_r, namespace(pod), name(pod), |cur| {
                            Ok(ready(cur, &now))
                        });
                    }
                }
                _ => {}
            }
        }
    }

    /// The next address in the node's pod CIDR (10.244.N.0/24).
    fn pod_ip(&mut self, store: &Store, node: &str) -> String {
        let cidr = store
            .get(resource("", "nodes"), "", node)
            .and_then(|n| n["spec"]["podCIDR"].as_str().map(str::to_string))
            .unwrap_or_else(|| "10.244.0.0/24".into());
        let base = cidr.trim_end_matches("0/24").to_string();
        let n = self.next_ip.entry(node.to_string()).or_insert(1);
        *n = if *n >= 254 { 2 } else { *n + 1 };
        format!("{base}{n}")
    }
}

fn creating(cur: &Value, now: &str) -> Value {
    let mut next = cur.clone();
    next["status"]["phase"] = json!("Pending");
    next["status"]["qosClass"] = json!("BestEffort");
    set_condition(&mut next, "Initialized", "True", "", "", now);
    set_condition(
        &mut next,
        "Ready",
        "False",
        "ContainersNotReady",
        "containers with unready status",
        now,
    );
    set_condition(
        &mut next,
        "ContainersReady",
        "False",
        "ContainersNotReady",
        "containers with unready status",
        now,
    );
    next["status"]["containerStatuses"] = containers(cur)
        .iter()
        .map(|c| {
            json!({
                "name": c["name"], "image": c["image"], "imageID": "", "ready": false, "restartCount": 0, "started": false,
                "state": { "waiting": { "reason": "ContainerCreating" } }, "lastState": {},
            })
        })
        .collect();
    next
}

fn running(cur: &Value, ip: &str, now: &str) -> Value {
    let mut next = cur.clone();
    next["status"]["phase"] = json!("Running");
    next["status"]["startTime"] = json!(now);
    next["status"]["podIP"] = json!(ip);
    next["status"]["podIPs"] = json!([{ "ip": ip }]);
    next["status"]["containerStatuses"] = containers(cur)
        .iter()
        .map(|c| {
            json!({
                "name": c["name"], "image": c["image"], "imageID": format!("sim://{}", c["image"].as_str().unwrap_or_default()),
                "containerID": format!("sim://{}", uuid::Uuid::new_v4().simple()),
                "ready": false, "restartCount": 0, "started": true,
                "state": { "running": { "startedAt": now } }, "lastState": {},
            })
        })
        .collect();
    next
}

fn ready(cur: &Value, now: &str) -> Value {
    let mut next = cur.clone();
    if let Some(statuses) = next["status"]["containerStatuses"].as_array_mut() {
        for s in statuses {
            s["ready"] = json!(true);
        }
    }
    set_condition(&mut next, "ContainersReady", "True", "", "", now);
    set_condition(&mut next, "Ready", "True", "", "", now);
    next
}
