//! The controllers that make the simulated cluster act like one: scheduler,
//! kubelet, ReplicaSet, Deployment, StatefulSet, DaemonSet, endpoints, namespaces,
//! and the data plane (pod listeners, Service forwarders). They run in one loop
//! that reconciles everything after every change and on a short tick (for delays).

pub mod daemonset;
pub mod deployment;
pub mod deployment_status;
pub mod endpoints;
pub mod events;
pub mod garbage;
pub mod kubelet;
pub mod namespaces;
pub mod object;
pub mod pod_status;
pub mod quantity;
pub mod replicaset;
pub mod revisions;
pub mod scheduler;
pub mod statefulset;
pub mod template_hash;
pub mod terminate;

use crate::api::Api;
use crate::scenario::Scenario;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::task::JoinHandle;

/// How long simulated pods take.
#[derive(Debug, Clone)]
pub struct Timing {
    /// From binding to a node to Running (pull, create, start).
    pub start: Duration,
    /// From Running to Ready when no readiness probe sets initialDelaySeconds.
    pub ready: Duration,
    /// How often time-based transitions are checked.
    pub tick: Duration,
    /// The first crash-loop back-off; it doubles per restart up to 30 times this.
    pub backoff: Duration,
    /// How long a deleted pod's containers take to stop (at most its grace period).
    pub stop: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            start: Duration::from_millis(500),
            ready: Duration::from_millis(500),
            tick: Duration::from_millis(50),
            backoff: Duration::from_secs(10),
            stop: Duration::from_millis(300),
        }
    }
}

/// How often the garbage collector sweeps for objects whose owners are gone.
const SWEEP_EVERY: Duration = Duration::from_millis(500);

/// Runs the controllers until the runtime stops or the task is aborted.
pub fn spawn(api: Arc<Api>, timing: Timing, scenario: Arc<Scenario>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let store = &api.store;
        let mut changes = store.subscribe();
        let mut kubelet = kubelet::Kubelet::default();
        let mut last_sweep = std::time::Instant::now();
        loop {
            // Owners before what they own, so one pass carries a change from a
            // Deployment down to its pods being bound and started. A bug in one
            // pass is reported and the controllers go on, rather than the
            // simulated cluster freezing without a word.
            let sweep = last_sweep.elapsed() >= SWEEP_EVERY;
            let pass = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                namespaces::reconcile(store);
                deployment::reconcile(store);
                statefulset::reconcile(store);
                daemonset::reconcile(store);
                replicaset::reconcile(store);
                scheduler::reconcile(store);
                kubelet.reconcile(store, &api.logs, &api.network, &timing, &scenario);
                endpoints::reconcile(store);
                api.network
                    .reconcile(store, &api.addresses, Arc::downgrade(&api));
                // The collector reads every object: a sweep now and then is enough.
                if sweep {
                    garbage::reconcile(store);
                }
            }));
            if sweep {
                last_sweep = std::time::Instant::now();
            }
            if pass.is_err() {
                tracing::error!(
                    "a simulated-cluster controller failed (a bug in orion); the controllers go on"
                );
            }
            // Wake at the next timed transition, a change, or the tick, whichever is first.
            let tick = std::time::Instant::now() + timing.tick;
            let wake = kubelet.next_due().map_or(tick, |d| d.min(tick));
            tokio::select! {
                _ = tokio::time::sleep_until(wake.into()) => {}
                r = changes.recv() => if let Err(RecvError::Closed) = r { return },
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
            while let Ok(_) | Err(TryRecvError::Lagged(_)) = changes.try_recv() {}
        }
    })
}
