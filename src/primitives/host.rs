//! What every primitive gets from the engine: the target, the event sink, the
//! sync→async bridge with cancellation, and the record of steps.

use crate::drivers::kube::connect::connect;
use crate::drivers::kube::{Cluster, K8sError};
use crate::guard::Gate;
use crate::mask;
use crate::primitives::cancel::Cancel;
use crate::primitives::phase::Phase;
use crate::primitives::target::Target;
use crate::report::event::{Event, Level};
use crate::report::sink::Sink;
use crate::report::step::{StepRecord, StepStatus};
use crate::report::test_record::TestRecord;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The operator cancelled while a primitive was waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

pub struct Host {
    pub target: Target,
    pub cancel: Cancel,
    sink: Arc<dyn Sink>,
    tokio: tokio::runtime::Runtime,
    steps: Mutex<Vec<StepRecord>>,
    depth: AtomicUsize,
    /// The guard every change passes, set for each run from orion.toml.
    gate: Mutex<Arc<Gate>>,
    /// The run's `on_failure` hooks.
    pub hooks: crate::primitives::failure::Hooks,
    /// The phase of the innermost step that failed with one, and its error's
    /// message: when the run ends with that error, the phase sets the exit code.
    failed_phase: Mutex<Option<(Phase, String)>>,
    /// The run's smoke tests so far.
    tests: Mutex<Vec<TestRecord>>,
    /// The run's background monitors and the trigger that failed it.
    pub monitors: crate::primitives::monitor::Monitors,
    /// HTTP clients of health checks, shared so connections are reused.
    pub http_clients: crate::drivers::probe::http::Clients,
    /// The run's webhooks and their posts in flight.
    pub notify: crate::drivers::notify::Notifier,
    /// The run's one connection to its cluster, made on first use.
    connection: Mutex<Arc<tokio::sync::OnceCell<Arc<Cluster>>>>,
}

impl Host {
    pub fn new(target: Target, sink: Arc<dyn Sink>) -> std::io::Result<Host> {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("orion-io")
            .enable_all()
            .build()?;
        let notify = crate::drivers::notify::Notifier::new(tokio.handle().clone(), sink.clone());
        Ok(Host {
            target,
            cancel: Cancel::default(),
            sink,
            tokio,
            steps: Mutex::new(Vec::new()),
            depth: AtomicUsize::new(0),
            gate: Mutex::new(Arc::new(Gate::default())),
            hooks: Default::default(),
            failed_phase: Mutex::new(None),
            tests: Mutex::new(Vec::new()),
            http_clients: Default::default(),
            monitors: Default::default(),
            notify,
            connection: Default::default(),
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

    pub fn set_gate(&self, gate: Gate) {
        *self.gate.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(gate);
    }

    /// Tells the sink, every text of `event` masked (`crate::mask`): no
    /// primitive has to remember it.
    pub fn emit(&self, event: Event) {
        self.sink.emit(&event.map_text(&mask::secrets));
    }

    pub fn log(&self, level: Level, message: impl Into<String>, at: Option<String>) {
        self.emit(Event::Log {
            level,
            message: message.into(),
            at,
        });
    }

    /// Runs a future to completion on the I/O runtime, or stops early with
    /// `Interrupted` when the operator cancels. Never call from async code. Pass
    /// an `async` block, so timers and sockets are created inside the runtime.
    pub fn block_on<F: Future>(&self, fut: F) -> Result<F::Output, Interrupted> {
        let token = self.cancel.token();
        if token.is_cancelled() {
            return Err(Interrupted);
        }
        self.tokio.block_on(async move {
            tokio::select! {
                biased;
                _ = token.cancelled() => Err(Interrupted),
                out = fut => Ok(out),
            }
        })
    }

    /// Runs a future in the background on the I/O runtime (a monitor).
    pub fn spawn<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        self.tokio.spawn(fut);
    }

    /// Runs a future to completion even after the operator cancelled: for
    /// cleanup that must happen (deleting a one-off pod). Bound it with its
    /// own timeout. Never call from async code.
    pub fn finish<F: Future>(&self, fut: F) -> F::Output {
        self.tokio.block_on(fut)
    }

    /// Turns SIGINT (Ctrl-C) and SIGTERM (a CI job cancelled) into a
    /// cancellation request for this host. The handlers are in place when this
    /// returns (the line editor saves and restores whatever handler it finds).
    pub fn cancel_on_ctrl_c(self: &Arc<Self>) {
        use tokio::signal::unix::{signal, SignalKind};
        let registered = {
            let _in_runtime = self.tokio.enter();
            (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            )
        };
        let (Ok(mut int), Ok(mut term)) = registered else {
            tracing::warn!("cannot watch for Ctrl-C; it will end orion without clean-up");
            return;
        };
        let host = Arc::downgrade(self);
        self.tokio.spawn(async move {
            loop {
                let name = tokio::select! {
                    Some(()) = int.recv() => "SIGINT",
                    Some(()) = term.recv() => "SIGTERM",
                    else => return,
                };
                let Some(host) = host.upgrade() else { return };
                tracing::debug!("{name}: stopping the script and any wait in flight");
                host.cancel.request();
            }
        });
    }

    /// Enters a step: returns its slot in the summary and its depth (0 for top level).
    pub fn enter_step(&self, name: &str) -> (usize, usize) {
        let depth = self.depth.fetch_add(1, Ordering::SeqCst);
        let mut steps = self.steps.lock().unwrap_or_else(|e| e.into_inner());
        steps.push(StepRecord {
            name: mask::secrets(name),
            depth,
            status: StepStatus::Running,
            duration: Default::default(),
            error: None,
        });
        drop(steps);
        self.emit(Event::StepStarted {
            name: name.to_string(),
            depth,
        });
        (steps_len(&self.steps) - 1, depth)
    }

    /// Leaves a step: its record (masked) replaces the running one.
    pub fn leave_step(&self, slot: usize, record: StepRecord) {
        let record = record.map_text(&mask::secrets);
        self.depth.fetch_sub(1, Ordering::SeqCst);
        if let Some(s) = self
            .steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(slot)
        {
            *s = record.clone();
        }
        self.emit(Event::StepFinished { step: record });
    }

    /// The innermost step running now, if any.
    pub fn current_step(&self) -> Option<String> {
        self.steps()
            .into_iter()
            .rev()
            .find(|s| s.status == StepStatus::Running)
            .map(|s| s.name)
    }

    /// Steps so far, in the order they started.
    pub fn steps(&self) -> Vec<StepRecord> {
        self.steps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Forgets recorded steps (a new run on the same host).
    pub fn clear_steps(&self) {
        self.steps.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.depth.store(0, Ordering::SeqCst);
        *self.failed_phase.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.tests.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Records a smoke test's result (masked: JUnit is written from it) and
    /// tells the sink.
    pub fn add_test(&self, test: TestRecord) {
        let test = test.map_text(&mask::secrets);
        self.tests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(test.clone());
        self.emit(Event::TestFinished { test });
    }

    /// The smoke tests so far.
    pub fn tests(&self) -> Vec<TestRecord> {
        self.tests.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Notes that a step of `phase` failed with `error`. The innermost step
    /// counts: an outer one failing with the same error keeps its phase.
    pub fn phase_failed(&self, phase: Phase, error: &str) {
        let mut failed = self.failed_phase.lock().unwrap_or_else(|e| e.into_inner());
        if failed.as_ref().is_none_or(|(_, m)| m != error) {
            *failed = Some((phase, error.to_string()));
        }
    }

    /// The phase the run failed in, if it ended with the error a step of a
    /// phase failed with (not one a script caught and replaced).
    pub fn failed_phase(&self, error: &str) -> Option<Phase> {
        match &*self.failed_phase.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((phase, m)) if m == error => Some(*phase),
            _ => None,
        }
    }
}

fn steps_len(steps: &Mutex<Vec<StepRecord>>) -> usize {
    steps.lock().unwrap_or_else(|e| e.into_inner()).len()
}
