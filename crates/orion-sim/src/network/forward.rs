//! Service forwarders, as kube-proxy: a listener for each ClusterIP (where
//! `dial.rs` says) and LoadBalancer address and port, sending each new connection to the next
//! ready pod its selector picks now (round-robin) — so a selector switch,
//! a scale or a pod turning unready changes who answers the next connection.
//! With no ready pod, the connection is closed at once.

use super::dial::Dialer;
use crate::api::Api;
use crate::controllers::endpoints::{selector_of, target_port};
use crate::controllers::object::{pod_ready, resource};
use crate::controllers::terminate::terminating;
use serde_json::Value;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What a forwarder serves: a Service's port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Port {
    namespace: String,
    service: String,
    port: u16,
}

struct Forwarder {
    port: Port,
    /// Where it listens.
    local: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Forwarders by the address they listen on.
#[derive(Default)]
pub struct Forwarders {
    by_addr: HashMap<SocketAddr, Forwarder>,
    /// Addresses that could not be bound, said once (and retried quietly).
    failed: std::collections::HashSet<SocketAddr>,
}

/// Every (address, Service port) a Service should answer on.
fn addresses(svc: &Value) -> Vec<(SocketAddr, Port)> {
    let mut ips: Vec<Ipv4Addr> = svc["spec"]["clusterIPs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|ip| ip.as_str()?.parse().ok())
        .collect();
    if svc["spec"]["type"] == "LoadBalancer" {
        ips.extend(
            svc["status"]["loadBalancer"]["ingress"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["ip"].as_str()?.parse::<Ipv4Addr>().ok()),
        );
    }
    let ports: Vec<u16> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["protocol"].as_str().unwrap_or("TCP") == "TCP")
        .filter_map(|p| u16::try_from(p["port"].as_u64()?).ok())
        .collect();
    let namespace = svc["metadata"]["namespace"].as_str().unwrap_or_default();
    let service = svc["metadata"]["name"].as_str().unwrap_or_default();
    ips.iter()
        .flat_map(|ip| {
            ports.iter().map(move |port| {
                (
                    SocketAddr::from((*ip, *port)),
                    Port {
                        namespace: namespace.into(),
                        service: service.into(),
                        port: *port,
                    },
                )
            })
        })
        .collect()
}

impl Forwarders {
    pub fn reconcile(&mut self, services: &[Arc<Value>], api: Weak<Api>, dialer: &Arc<Dialer>) {
        let wanted: HashMap<SocketAddr, Port> =
            services.iter().flat_map(|s| addresses(s)).collect();
        self.by_addr
            .retain(|addr, f| wanted.get(addr).is_some_and(|p| *p == f.port));
        self.failed.retain(|addr| wanted.contains_key(addr));
        for (addr, port) in wanted {
            if self.by_addr.contains_key(&addr) {
                continue;
            }
            match dialer.listen(addr) {
                Ok((listener, local)) => {
                    let task = tokio::spawn(accept(listener, port.clone(), api.clone()));
                    self.failed.remove(&addr);
                    self.by_addr.insert(addr, Forwarder { port, local, task });
                }
                Err(e) => {
                    if self.failed.insert(addr) {
                        tracing::warn!(
                            "Service {}/{} cannot listen on {addr}: {e}{}",
                            port.namespace,
                            port.service,
                            super::bind_hint(&e)
                        );
                    }
                }
            }
        }
    }

    /// Each Service address and port served, and where it is listened on.
    pub fn routes(&self) -> impl Iterator<Item = (SocketAddr, SocketAddr)> + '_ {
        self.by_addr.iter().map(|(addr, f)| (*addr, f.local))
    }

    pub fn clear(&mut self) {
        self.by_addr.clear();
    }
}

async fn accept(listener: TcpListener, port: Port, api: Weak<Api>) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            Some(_) = connections.join_next() => continue,
        };
        let Ok((client, _)) = accepted else { continue };
        let Some(api) = api.upgrade() else { return };
        let backend = pick(&api, &port, &next);
        let dialer = api.network.dialer().clone();
        drop(api);
        if let Some(backend) = backend {
            connections.spawn(relay(client, backend, dialer));
        }
    }
}

async fn relay(mut client: TcpStream, backend: String, dialer: Arc<Dialer>) {
    if let Ok(mut server) = dialer.connect(&backend).await {
        let _ = client.set_nodelay(true);
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

/// Where the next connection to `port` goes: a ready pod's target port (as
/// `dial::pod_address` finds it); for a Service without a selector, its
/// Endpoints as written.
fn pick(api: &Api, port: &Port, next: &AtomicUsize) -> Option<String> {
    let svc = api
        .store
        .get(resource("", "services"), &port.namespace, &port.service)?;
    let spec_port = svc["spec"]["ports"]
        .as_array()?
        .iter()
        .find(|p| p["port"].as_u64() == Some(u64::from(port.port)))?
        .clone();
    let mut backends: Vec<String> = if svc["spec"]["selector"].is_object() {
        let selector = selector_of(&svc);
        let (mut pods, _) = api
            .store
            .list_shared(resource("", "pods"), Some(&port.namespace));
        pods.retain(|p| selector.matches(p) && pod_ready(p) && !terminating(p));
        pods.sort_by(|a, b| {
            a["metadata"]["name"]
                .as_str()
                .cmp(&b["metadata"]["name"].as_str())
        });
        pods.iter()
            .filter_map(|pod| backend(pod, &spec_port, api.network.dialer()))
            .collect()
    } else {
        endpoints(api, port, &spec_port)
    };
    if backends.is_empty() {
        return None;
    }
    let i = next.fetch_add(1, Ordering::Relaxed) % backends.len();
    Some(backends.swap_remove(i))
}

fn backend(pod: &Value, spec_port: &Value, dialer: &Dialer) -> Option<String> {
    let target = u16::try_from(target_port(spec_port, pod)?).ok()?;
    dialer.pod_address(pod, target)
}

/// A selector-less Service (like `kubernetes`) sends to its Endpoints.
fn endpoints(api: &Api, port: &Port, spec_port: &Value) -> Vec<String> {
    let Some(ep) = api
        .store
        .get(resource("", "endpoints"), &port.namespace, &port.service)
    else {
        return vec![];
    };
    let mut out = vec![];
    for subset in ep["subsets"].as_array().into_iter().flatten() {
        let ports = subset["ports"].as_array().cloned().unwrap_or_default();
        let target = ports
            .iter()
            .find(|p| p["name"] == spec_port["name"] || ports.len() == 1)
            .and_then(|p| u16::try_from(p["port"].as_u64()?).ok());
        let Some(target) = target else { continue };
        for a in subset["addresses"].as_array().into_iter().flatten() {
            if let Some(ip) = a["ip"].as_str().and_then(|ip| ip.parse::<Ipv4Addr>().ok()) {
                out.push(SocketAddr::from((ip, target)).to_string());
            }
        }
    }
    out
}
