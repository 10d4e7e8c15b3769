//! Simulated pods and Services that carry real traffic. Each running
//! container listens on its pod IP (a loopback address) and container ports;
//! each Service's ClusterIP (and LoadBalancer address) forwards TCP to the
//! ready pods its selector picks, chosen afresh for every connection. How a
//! pod's port is reached from inside is `dial.rs`'s alone.

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
    /// How images behave (and which are real servers elsewhere).
    scenario: Arc<Scenario>,
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
            scenario,
            ..Network::default()
        }
    }

    /// The scenario the cluster runs.
    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    /// Brings listeners, forwarders, load-balancer addresses and the scrape
    /// list in line with the store. Call from inside the tokio runtime.
    pub fn reconcile(
        &self,
        store: &Store,
        addresses: &Addresses,
        api: Weak<crate::api::Api>,
        scenario: &Arc<Scenario>,
    ) {
        let (pods, _) = store.list_shared(resource("", "pods"), None);
        lock(&self.listeners).reconcile(&pods, scenario);
        balancer::reconcile(store, addresses);
        let (services, _) = store.list_shared(resource("", "services"), None);
        lock(&self.forwarders).reconcile(&services, api, scenario);
        if let Some(path) = &self.scrape_targets {
            let text = scrape_targets::render(&pods);
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
