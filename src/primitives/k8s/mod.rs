//! The `k8s` namespace: a playbook's view of the cluster the run targets
//! (kubeconfig, `--context`, `--namespace`, or `--sim`). It connects on first
//! use; every write goes through `mutate`.

mod apply;
mod change;
mod checks;
mod context;
pub(crate) mod convert;
mod forward;
mod inspect;
mod mutate;
pub mod plan;
mod rollout;
mod run_pod;

use crate::drivers::kube::kinds::{Kind, Kinds};
use crate::drivers::kube::{Cluster, K8sError};
use crate::primitives::error::{cancelled_at, error_at};
use crate::primitives::host::Host;
use rhai::{Engine, EvalAltResult, Module, NativeCallContext};
use std::sync::{Arc, Mutex, PoisonError};

/// What the `k8s` functions share: the host (and through it the run's
/// connection), and the cluster's kinds once discovered.
pub struct K8s {
    host: Arc<Host>,
    kinds: Mutex<Option<Arc<Kinds>>>,
    /// Whether the log has said how the run reaches the cluster's addresses.
    said_reach: std::sync::atomic::AtomicBool,
}

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

impl K8s {
    /// The run's cluster (connecting on first use).
    fn cluster(&self, ctx: &NativeCallContext) -> Result<Arc<Cluster>> {
        match self.host.cluster_now() {
            Some(c) => Ok(c),
            None => self.run(ctx, self.host.cluster()),
        }
    }

    /// The kind a playbook names ("deployment", "svc", "deployments.apps"...).
    fn kind(&self, ctx: &NativeCallContext, name: &str) -> Result<Kind> {
        let cluster = self.cluster(ctx)?;
        let kinds = {
            let mut slot = self.kinds.lock().unwrap_or_else(PoisonError::into_inner);
            match slot.as_ref() {
                Some(k) => k.clone(),
                None => {
                    let client = cluster.client.clone();
                    let k = Arc::new(self.run(ctx, Kinds::discover(client))?);
                    *slot = Some(k.clone());
                    k
                }
            }
        };
        kinds.find(name).map_err(|e| error_at(ctx, e.message))
    }

    /// Runs a driver call to completion; Ctrl-C interrupts it.
    fn run<T>(
        &self,
        ctx: &NativeCallContext,
        fut: impl std::future::Future<Output = std::result::Result<T, K8sError>>,
    ) -> Result<T> {
        match self.host.block_on(fut) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(error_at(ctx, e.message)),
            Err(_) => Err(cancelled_at(ctx)),
        }
    }
}

impl K8s {
    /// The host the namespace runs on.
    pub(crate) fn host(&self) -> &Arc<Host> {
        &self.host
    }

    /// The connected cluster, for other namespaces' primitives.
    pub(crate) fn connected(&self, ctx: &NativeCallContext) -> Result<Arc<Cluster>> {
        self.cluster(ctx)
    }

    /// An object in the run's namespace ("services", "httproutes"...), for
    /// other namespaces' primitives.
    pub(crate) fn read(
        &self,
        ctx: &NativeCallContext,
        kind: &str,
        name: &str,
    ) -> Result<Option<serde_json::Value>> {
        let cluster = self.cluster(ctx)?;
        let kind = self.kind(ctx, kind)?;
        self.run(
            ctx,
            crate::drivers::kube::objects::get(&cluster, &kind, cluster.namespace(), name),
        )
    }

    /// Objects of a kind in the run's namespace matching a label selector.
    pub(crate) fn list(
        &self,
        ctx: &NativeCallContext,
        kind: &str,
        selector: &str,
    ) -> Result<Vec<serde_json::Value>> {
        let cluster = self.cluster(ctx)?;
        let kind = self.kind(ctx, kind)?;
        self.run(
            ctx,
            crate::drivers::kube::objects::list(
                &cluster,
                &kind,
                Some(cluster.namespace()),
                selector,
            ),
        )
    }

    /// Whether the run reaches pod and Service addresses through
    /// port-forwards (said once in the log).
    pub(crate) fn forwarding(&self, ctx: &NativeCallContext) -> bool {
        forward::forwarding(self, ctx)
    }

    /// "127.0.0.1:N", forwarded to `port` of pod `pod` in the run's namespace.
    pub(crate) fn forward_to_pod(
        &self,
        ctx: &NativeCallContext,
        pod: &str,
        port: u16,
    ) -> Result<String> {
        forward::address(
            self,
            ctx,
            &format!("pod/{pod}"),
            crate::drivers::kube::forward::Port::Number(port),
        )
    }

    /// Changes an object in the run's namespace through `mutate`: the gate,
    /// the journal and --dry-run apply as to every k8s write.
    pub(crate) fn write(
        &self,
        ctx: &NativeCallContext,
        kind: &str,
        name: &str,
        change: crate::drivers::kube::objects::Change,
        summary: String,
    ) -> Result<serde_json::Value> {
        let kind = self.kind(ctx, kind)?;
        change::change(self, ctx, &kind, name, change, summary)
    }
}

/// "deployment/web" → ("deployment", "web"); a bare "web" is a Deployment.
fn workload(text: &str) -> (&str, &str) {
    text.split_once('/').unwrap_or(("deployment", text))
}

/// Registers the namespace; returns what it shares, for namespaces that
/// change Kubernetes objects too (traffic).
pub fn register(engine: &mut Engine, host: &Arc<Host>) -> Arc<K8s> {
    let k8s = Arc::new(K8s {
        host: host.clone(),
        kinds: Mutex::new(None),
        said_reach: Default::default(),
    });
    engine.register_type_with_name::<plan::Plan>("Plan");
    let mut module = Module::new();
    context::register(&mut module, &k8s);
    inspect::register(&mut module, &k8s);
    change::register(&mut module, &k8s);
    apply::register(&mut module, &k8s);
    plan::register(&mut module, &k8s);
    checks::register(&mut module, &k8s);
    forward::register(&mut module, &k8s);
    run_pod::register(&mut module, &k8s);
    rollout::register(&mut module, &k8s);
    engine.register_static_module("k8s", module.into());
    k8s
}

#[cfg(test)]
mod tests {
    #[test]
    fn workloads_default_to_deployments() {
        assert_eq!(super::workload("web"), ("deployment", "web"));
        assert_eq!(super::workload("statefulset/db"), ("statefulset", "db"));
    }
}
