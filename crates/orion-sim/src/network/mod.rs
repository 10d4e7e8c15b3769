//! Simulated pods and Services that carry real traffic. Each running
//! container listens for its pod IP and container ports; each Service's
//! ClusterIP (and LoadBalancer address) forwards TCP to the ready pods its
//! selector picks, chosen afresh for every connection. Where a pod or Service
//! address is listened on (itself, or in isolated mode a loopback port only
//! the simulator knows), and how it is reached from inside, is `dial.rs`'s
//! alone. LoadBalancer addresses are always listened on as they are.

pub mod balancer;
pub mod dial;
pub mod forward;
pub mod listeners;
pub mod scrape_targets;

use crate::addresses::Addresses;
use crate::controllers::object::resource;
use crate::scenario::Scenario;
use crate::serving::stats::PodStats;
use crate::store::Store;
use dial::Dialer;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

/// The simulated data plane, shared by the controllers (which keep it in
/// step with the store), the kubelet and metrics.k8s.io (which read it).
#[derive(Default)]
pub struct Network {
    listeners: Mutex<listeners::Listeners>,
    forwarders: Mutex<forward::Forwarders>,
    /// Where to keep the Prometheus file-discovery list, if anywhere.
    scrape_targets: Option<PathBuf>,
    last_targets: Mutex<String>,
    /// How pods are reached, and how images behave.
    dialer: Arc<Dialer>,
}

/// What to do about a port that cannot be bound.
fn bind_hint(e: &std::io::Error) -> &'static str {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        " (ports below 1024 need root; to allow them: sudo sysctl net.ipv4.ip_unprivileged_port_start=0)"
    } else {
        ""
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Network {
    pub fn new(scrape_targets: Option<PathBuf>, scenario: Arc<Scenario>) -> Network {
        Network {
            scrape_targets,
            dialer: Arc::new(Dialer::new(scenario)),
            ..Network::default()
        }
    }

    /// How pods are reached from inside.
    pub fn dialer(&self) -> &Arc<Dialer> {
        &self.dialer
    }

    /// Brings listeners, forwarders, load-balancer addresses and the scrape
    /// list in line with the store. Call from inside the tokio runtime.
    pub fn reconcile(&self, store: &Store, addresses: &Addresses, api: Weak<crate::api::Api>) {
        let (pods, _) = store.list_shared(resource("", "pods"), None);
        let mut routes: HashMap<_, _> = {
            let mut listeners = lock(&self.listeners);
            listeners.reconcile(&pods, &self.dialer);
            listeners.routes().collect()
        };
        balancer::reconcile(store, addresses);
        let (services, _) = store.list_shared(resource("", "services"), None);
        {
            let mut forwarders = lock(&self.forwarders);
            forwarders.reconcile(&services, api, &self.dialer);
            routes.extend(forwarders.routes());
        }
        self.dialer.set_routes(routes);
        if let Some(path) = &self.scrape_targets {
            let text = scrape_targets::render(&pods, &self.dialer);
            let mut last = lock(&self.last_targets);
            if *last != text {
                match scrape_targets::write(path, &text) {
                    Ok(()) => *last = text,
                    Err(e) => tracing::warn!(
                        "could not write the scrape-target file {}: {e}",
                        path.display()
                    ),
                }
            }
        }
    }

    /// The stats of the running container `container` of pod `uid`.
    pub fn stats(&self, uid: &str, container: &str) -> Option<Arc<PodStats>> {
        lock(&self.listeners).stats(uid, container)
    }

    /// Stops every listener and forwarder (the simulator is shutting down).
    pub fn stop(&self) {
        lock(&self.listeners).clear();
        lock(&self.forwarders).clear();
    }
}
