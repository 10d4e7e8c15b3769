//! What a fresh cluster holds: the system namespaces and N ready nodes.

use crate::sim::meta;
use crate::sim::resources::find;
use crate::sim::scenario::Cluster;
use crate::sim::store::Store;
use serde_json::json;

pub const NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

pub fn populate(store: &Store, cluster: &Cluster) {
    let (cpu, memory) = (cluster.cpu.as_str(), cluster.memory.as_str());
    let (Some(ns), Some(node)) = (find("", "v1", "namespaces"), find("", "v1", "nodes")) else {
        return;
    };
    for name in NAMESPACES {
        let object = json!({
            "metadata": { "name": name, "labels": { "kubernetes.io/metadata.name": name } },
            "spec": { "finalizers": ["kubernetes"] },
            "status": { "phase": "Active" },
        });
        if let Ok(o) = meta::prepare_create(ns, "", object) {
            let _ = store.create(ns, "", o);
        }
    }
    let now = meta::now();
    for i in 1..=cluster.nodes {
        let name = format!("sim-node-{i}");
        let object = json!({
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "node-role.kubernetes.io/worker": "",
                },
            },
            "spec": { "podCIDR": format!("10.244.{i}.0/24") },
            "status": {
                "capacity": { "cpu": cpu, "memory": memory, "pods": "110" },
                "allocatable": { "cpu": cpu, "memory": memory, "pods": "110" },
                "conditions": [{
                    "type": "Ready", "status": "True", "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": now, "lastTransitionTime": now,
                }],
                "addresses": [
                    { "type": "InternalIP", "address": format!("127.0.1.{i}") },
                    { "type": "Hostname", "address": name },
                ],
                "nodeInfo": {
                    "kubeletVersion": "v1.32.0-orion-sim", "containerRuntimeVersion": "orion-sim://1",
                    "operatingSystem": "linux", "architecture": "amd64", "osImage": "orion simulated node",
                    "kernelVersion": "", "kubeProxyVersion": "", "machineID": "", "systemUUID": "", "bootID": "",
                },
            },
        });
        if let Ok(o) = meta::prepare_create(node, "", object) {
            let _ = store.create(node, "", o);
        }
    }
}
