//! A Prometheus file-service-discovery list of the ready simulated pods
//! (`file_sd_configs`), rewritten whenever the set changes, so a real
//! Prometheus scrapes the pods as they come and go. A Prometheus on the host
//! is outside the cluster: in isolated mode each target is where the pod's
//! port is listened on (a loopback port), with the pod's own IP and port as
//! its `instance` label, as a Prometheus inside the cluster would show it.

use super::dial::Dialer;
use crate::controllers::object::pod_ready;
use crate::controllers::terminate::terminating;
use crate::serving::server::version_of;
use serde_json::{json, Value};
use std::borrow::Borrow;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

/// The Deployment that owns `pod` through its ReplicaSet, by name.
fn deployment_of(pod: &Value) -> Option<String> {
    let hash = pod["metadata"]["labels"]["pod-template-hash"].as_str()?;
    let owner = pod["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|o| o["kind"] == "ReplicaSet")?;
    let rs = owner["name"].as_str()?;
    rs.strip_suffix(&format!("-{hash}")).map(str::to_string)
}

/// The file's text: one target group per container of a ready pod, at its
/// first TCP port, labelled namespace, pod, container, deployment, version
/// (and instance, when the target is not the pod's own address).
pub fn render<P: Borrow<Value>>(pods: &[P], dialer: &Dialer) -> String {
    let mut groups: Vec<(SocketAddr, Value)> = vec![];
    for pod in pods
        .iter()
        .map(Borrow::borrow)
        .filter(|p| pod_ready(p) && !terminating(p))
    {
        let Some(ip) = pod["status"]["podIP"]
            .as_str()
            .and_then(|ip| ip.parse::<Ipv4Addr>().ok())
        else {
            continue;
        };
        for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
            let port = c["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["protocol"].as_str().unwrap_or("TCP") == "TCP")
                .and_then(|p| p["containerPort"].as_u64());
            let Some(port) = port.and_then(|p| u16::try_from(p).ok()) else {
                continue;
            };
            let address = SocketAddr::from((ip, port));
            let target = dialer.served_at(address).unwrap_or(address);
            let mut labels = json!({
                "namespace": pod["metadata"]["namespace"],
                "pod": pod["metadata"]["name"],
                "container": c["name"],
                "version": version_of(c["image"].as_str().unwrap_or_default()).to_string(),
            });
            if let Some(d) = deployment_of(pod) {
                labels["deployment"] = json!(d);
            }
            if target != address {
                labels["instance"] = json!(address.to_string());
            }
            groups.push((
                address,
                json!({ "targets": [target.to_string()], "labels": labels }),
            ));
        }
    }
    groups.sort_by_key(|(address, _)| *address);
    let groups: Vec<Value> = groups.into_iter().map(|(_, g)| g).collect();
    serde_json::to_string_pretty(&groups).unwrap_or_else(|_| "[]".into())
}

/// Replaces the file in one step (a rename), so Prometheus never reads half of it.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ready_pods_with_their_labels() {
        let ready = json!({"type": "Ready", "status": "True"});
        let pod = json!({
            "metadata": {"name": "web-abc-1", "namespace": "shop",
                "labels": {"pod-template-hash": "abc"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc"}]},
            "spec": {"containers": [{"name": "web", "image": "shop/web:2.0", "ports": [{"containerPort": 8080}]}]},
            "status": {"podIP": "127.244.1.5", "conditions": [ready]},
        });
        let mut unready = pod.clone();
        unready["status"]["conditions"][0]["status"] = json!("False");
        let dialer = Dialer::default();
        let text = render(&[pod.clone(), unready], &dialer);
        let groups: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            groups,
            json!([{"targets": ["127.244.1.5:8080"], "labels": {
                "namespace": "shop", "pod": "web-abc-1", "container": "web",
                "deployment": "web", "version": "2.0"}}])
        );
        // Isolated: scraped where the pod's port is served, named as the pod.
        let mut isolated = pod;
        isolated["status"]["podIP"] = json!("10.244.1.5");
        let pod_port: SocketAddr = "10.244.1.5:8080".parse().unwrap();
        let served: SocketAddr = "127.0.0.1:40001".parse().unwrap();
        dialer.set_routes([(pod_port, served)].into());
        let groups: Value = serde_json::from_str(&render(&[isolated], &dialer)).unwrap();
        assert_eq!(groups[0]["targets"], json!(["127.0.0.1:40001"]));
        assert_eq!(groups[0]["labels"]["instance"], "10.244.1.5:8080");
    }
}
