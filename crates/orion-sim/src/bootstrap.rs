//! What a fresh cluster holds: the system namespaces and N ready nodes.

use crate::addresses::Addresses;
use crate::meta;
use crate::resources::find;
use crate::scenario::Cluster;
use crate::store::Store;
use serde_json::json;
use std::net::{Ipv4Addr, SocketAddr};

pub const NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Fills a fresh store; `api` is where the API server listens, which the
/// `default/kubernetes` Service points at.
pub fn populate(store: &Store, cluster: &Cluster, api: SocketAddr, addresses: &Addresses) {
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
            "spec": { "podCIDR": addresses.pod_cidr(i), "podCIDRs": [addresses.pod_cidr(i)] },
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
    api_service(store, api, addresses.api_service_ip());
}

/// `default/kubernetes`: the Service in front of the API server, without a
/// selector, with its Endpoints written here as the API server does.
fn api_service(store: &Store, api: SocketAddr, ip: Ipv4Addr) {
    let (Some(svc), Some(ep)) = (find("", "v1", "services"), find("", "v1", "endpoints")) else {
        return;
    };
    let labels = json!({ "component": "apiserver", "provider": "kubernetes" });
    let service = json!({
        "metadata": { "name": "kubernetes", "labels": labels },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip.to_string(),
            "clusterIPs": [ip.to_string()],
            "ports": [{ "name": "https", "port": 443, "protocol": "TCP", "targetPort": api.port() }],
        },
    });
    let endpoints = json!({
        "metadata": { "name": "kubernetes", "labels": { "endpointslice.kubernetes.io/skip-mirror": "true" } },
        "subsets": [{
            "addresses": [{ "ip": api.ip().to_string() }],
            "ports": [{ "name": "https", "port": api.port(), "protocol": "TCP" }],
        }],
    });
    for (r, object) in [(svc, service), (ep, endpoints)] {
        if let Ok(o) = meta::prepare_create(r, "default", object) {
            let _ = store.create(r, "default", o);
        }
    }
}
