//! What every primitive gets from the engine: the target and the run's state.

use crate::drivers::kube::calls::{scoped, ApiSettings, Calls};
use crate::drivers::kube::connect::connect;
use crate::drivers::kube::{Cluster, K8sError};
use crate::guard::Gate;
use crate::primitives::io::Io;
use crate::primitives::run_record::RunRecord;
use crate::primitives::target::Target;
use crate::report::event::{Event, Level};
use crate::report::sink::Sink;
use std::future::Future;
use std::sync::{Arc, Mutex};

pub use crate::primitives::io::Interrupted;

/// What every primitive gets: where the run points, and the run's state in
/// parts — the I/O bridge (`io`), what the run records and says (`record`),
/// the gate, the cluster connection, and each namespace's own (failure
/// hooks, monitors, probe clients, webhooks).
pub struct Host {
    pub target: Target,
    /// The I/O runtime and the operator's cancellation.
    pub io: Io,
    /// Events, steps and smoke tests.
    pub record: RunRecord,
    /// The guard every change passes, set for each run from orion.toml.
    gate: Mutex<Arc<Gate>>,
    /// How the run's API calls behave ([api] in orion.toml), and whether
    /// the API server still answers; set around every driver future.
    calls: Mutex<Arc<Calls>>,
    /// The run's one connection to its cluster, made on first use.
    connection: Mutex<Arc<tokio::sync::OnceCell<Arc<Cluster>>>>,
    /// The run's `on_failure` hooks.
    pub hooks: crate::primitives::failure::Hooks,
    /// The run's background monitors and the trigger that failed it.
    pub monitors: crate::primitives::monitor::Monitors,
    /// HTTP clients of health checks, shared so connections are reused.
    pub http_clients: crate::drivers::probe::http::Clients,
    /// The run's webhooks and their posts in flight.
    pub notify: crate::drivers::notify::Notifier,
    /// Port-forwards the run opened, closed when it ends.
    pub forwards: crate::drivers::kube::forward::Forwards,
}

impl Host {
    pub fn new(target: Target, sink: Arc<dyn Sink>) -> std::io::Result<Host> {
        let io = Io::new()?;
        let notify = crate::drivers::notify::Notifier::new(io.handle(), sink.clone());
        let record = RunRecord::new(sink);
        Ok(Host {
            target,
            io,
            calls: Mutex::new(Arc::new(Calls::new(
                ApiSettings::default(),
                Some(record.notice()),
            ))),
            record,
            gate: Mutex::new(Arc::new(Gate::default())),
            connection: Default::default(),
            hooks: Default::default(),
            monitors: Default::default(),
            http_clients: Default::default(),
            notify,
            forwards: Default::default(),
        })
    }

    /// The run's cluster, connected on first use and shared by every
    /// namespace, the notifications and the undo: one connection a run.
    pub async fn cluster(&self) -> Result<Arc<Cluster>, K8sError> {
        let cell = self
            .connection
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let connected = cell
            .get_or_try_init(|| async {
                let (context, namespace) = self.cluster_target();
                connect(
                    self.target.kubeconfig.as_deref(),
                    context.as_deref(),
                    namespace.as_deref(),
                )
                .await
                .map(Arc::new)
            })
            .await?;
        Ok(connected.clone())
    }

    /// The run's cluster if it is connected already: no crossing into async.
    pub fn cluster_now(&self) -> Option<Arc<Cluster>> {
        self.connection
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get()
            .cloned()
    }

    /// Forgets the connection (a new run may target another context).
    pub fn disconnect(&self) {
        *self.connection.lock().unwrap_or_else(|e| e.into_inner()) = Default::default();
    }

    /// The gate of the current run.
    pub fn gate(&self) -> Arc<Gate> {
        self.gate.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The context and namespace the run targets: the flags, else the
    /// environment's exact context and its namespace.
    pub fn cluster_target(&self) -> (Option<String>, Option<String>) {
        let gate = self.gate();
        let t = &self.target;
        let context = t.context.as_deref().or(gate.environment.exact_context());
        let namespace = t
            .namespace
            .as_deref()
            .or(gate.environment.namespace.as_deref());
        (context.map(str::to_string), namespace.map(str::to_string))
    }

    /// Sets how the run's API calls behave (orion.toml's `[api]`).
    pub fn set_api(&self, settings: ApiSettings) {
        let calls = Calls::new(settings, Some(self.record.notice()));
        *self.calls.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(calls);
    }

    fn calls(&self) -> Arc<Calls> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_gate(&self, gate: Gate) {
        *self.gate.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(gate);
    }

    /// Shorthand for `record.emit`.
    pub fn emit(&self, event: Event) {
        self.record.emit(event);
    }

    /// Shorthand for `record.log`.
    pub fn log(&self, level: Level, message: impl Into<String>, at: Option<String>) {
        self.record.log(level, message, at);
    }

    /// Shorthand for `io.block_on`: Ctrl-C interrupts the wait.
    pub fn block_on<F: Future>(&self, fut: F) -> Result<F::Output, Interrupted> {
        self.io.block_on(scoped(self.calls(), fut))
    }

    /// Shorthand for `io.finish`: carried out even after Ctrl-C.
    pub fn finish<F: Future>(&self, fut: F) -> F::Output {
        self.io.finish(scoped(self.calls(), fut))
    }

    /// Shorthand for `io.spawn`.
    pub fn spawn<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        self.io.spawn(fut);
    }

    /// The step running now (for journal entries).
    pub fn current_step(&self) -> Option<String> {
        self.record.current_step()
    }
}
