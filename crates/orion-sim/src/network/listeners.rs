//! Each running container of a pod with an IP listens on its container ports
//! (where `dial.rs` says) and answers HTTP as the scenario says; it stops
//! when the container stops (crash, deletion, eviction). A restart is a new
//! process: new counters.

use super::dial::Dialer;
use crate::serving::server::{serve, version_of, PodIdentity, PodServer};
use crate::serving::stats::PodStats;
use serde_json::Value;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

/// One run of one container.
struct Run {
    /// `state.running.startedAt`: a new value is a new run.
    started_at: String,
    ip: String,
    stats: Arc<PodStats>,
    /// (pod IP and port, where it is listened on) for each port served.
    served: Vec<(SocketAddr, SocketAddr)>,
    _servers: Vec<PodServer>,
}

/// Runs by (pod uid, container name).
#[derive(Default)]
pub struct Listeners {
    runs: HashMap<(String, String), Run>,
}

/// What a container of `pod` should be doing now: (name, image, ports, startedAt)
/// for each running container, if the pod has an IP and is not being deleted.
fn running(pod: &Value) -> Vec<(String, String, Vec<u16>, String)> {
    let (Some(_), None) = (
        pod["status"]["podIP"].as_str(),
        pod["metadata"]["deletionTimestamp"].as_str(),
    ) else {
        return vec![];
    };
    let statuses = pod["status"]["containerStatuses"].as_array();
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|spec| {
            let name = spec["name"].as_str()?;
            let status = statuses?.iter().find(|s| s["name"] == name)?;
            let started = status["state"]["running"]["startedAt"].as_str()?;
            let ports = spec["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["protocol"].as_str().unwrap_or("TCP") == "TCP")
                .filter_map(|p| u16::try_from(p["containerPort"].as_u64()?).ok())
                .collect();
            Some((
                name.to_string(),
                spec["image"].as_str().unwrap_or_default().to_string(),
                ports,
                started.to_string(),
            ))
        })
        .collect()
}

fn unix_seconds(rfc3339: &str) -> f64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond() as f64 / 1000.0)
        .unwrap_or_default()
}

impl Listeners {
    pub fn reconcile(&mut self, pods: &[Arc<Value>], dialer: &Dialer) {
        let mut wanted = HashMap::new();
        for pod in pods {
            let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
            let ip = pod["status"]["podIP"].as_str().unwrap_or_default();
            for (container, image, ports, started_at) in running(pod) {
                wanted.insert(
                    (uid.to_string(), container.clone()),
                    (pod, ip.to_string(), container, image, ports, started_at),
                );
            }
        }
        self.runs.retain(|key, run| {
            wanted
                .get(key)
                .is_some_and(|w| w.5 == run.started_at && w.1 == run.ip)
        });
        for (key, (pod, ip, container, image, ports, started_at)) in wanted {
            if self.runs.contains_key(&key) {
                continue;
            }
            let id = Arc::new(PodIdentity {
                namespace: pod["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                pod: pod["metadata"]["name"].as_str().unwrap_or_default().into(),
                container,
                version: version_of(&image).to_string(),
                image: image.clone(),
            });
            let stats = Arc::new(PodStats::default());
            let behaviour = dialer.scenario().behaviour(&image).cloned();
            let started = Instant::now();
            let started_unix = unix_seconds(&started_at);
            let mut served = vec![];
            let servers = ports
                .iter()
                .filter_map(|port| {
                    let addr = SocketAddr::from((ip.parse::<Ipv4Addr>().ok()?, *port));
                    match dialer.listen(addr) {
                        Ok((listener, local)) => {
                            served.push((addr, local));
                            Some(serve(
                                listener,
                                id.clone(),
                                behaviour.clone(),
                                stats.clone(),
                                started,
                                started_unix,
                            ))
                        }
                        Err(e) => {
                            tracing::warn!(
                                "simulated pod {}/{} cannot listen on {addr}: {e}{}",
                                id.namespace,
                                id.pod,
                                super::bind_hint(&e)
                            );
                            None
                        }
                    }
                })
                .collect();
            self.runs.insert(
                key,
                Run {
                    started_at,
                    ip,
                    stats,
                    served,
                    _servers: servers,
                },
            );
        }
    }

    pub fn stats(&self, uid: &str, container: &str) -> Option<Arc<PodStats>> {
        self.runs
            .get(&(uid.to_string(), container.to_string()))
            .map(|r| r.stats.clone())
    }

    /// Each pod IP and port served, and where it is listened on.
    pub fn routes(&self) -> impl Iterator<Item = (SocketAddr, SocketAddr)> + '_ {
        self.runs.values().flat_map(|r| r.served.iter().copied())
    }

    pub fn clear(&mut self) {
        self.runs.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_running_containers_of_live_pods_with_an_ip_listen() {
        let pod = json!({
            "metadata": {"uid": "u", "name": "p", "namespace": "d"},
            "spec": {"containers": [
                {"name": "web", "image": "web:1", "ports": [{"containerPort": 8080}, {"containerPort": 53, "protocol": "UDP"}]},
                {"name": "side", "image": "side:1"},
            ]},
            "status": {"podIP": "127.244.1.2", "containerStatuses": [
                {"name": "web", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}},
                {"name": "side", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
            ]},
        });
        let r = running(&pod);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].2, vec![8080], "TCP ports only");
        let mut deleted = pod.clone();
        deleted["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:01Z");
        assert!(running(&deleted).is_empty());
    }
}
