//! The gate: a run's guards and what they remember (checks passed, approvals
//! given, deploy locks held, summaries written). Changes reach it through
//! its one door, `Gate::pass` (door.rs). Before the run's first change it
//! checks that the live cluster is the environment's (context, node count);
//! before each change, that the namespace is not protected and, when the
//! environment asks, already exists. A refusal names the rule and how to
//! satisfy it.

use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::retry::retry;
use crate::drivers::kube::Cluster;
use crate::guard::approval::{ask, at_terminal, Approved, Denied};
use crate::guard::dry_made::DryMade;
use crate::guard::environment::Approval;
use crate::guard::journal::{ApprovalRecord, Journal};
use crate::guard::lock::{acquire, lease_name, Held, Taking};
use crate::guard::placeholders;
use crate::guard::summary;
use crate::guard::window;
use crate::guard::Environment;
use crate::guard::Sandbox;
use k8s_openapi::api::core::v1::{Namespace, Node};
use kube::api::{Api, ListParams};
use orion_glob::glob;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// Why a change may not go ahead.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// A guard said no: the run stops, exit 1, and a script cannot catch it.
    Refused(String),
    /// The check itself could not be made (the API failed).
    Failed(K8sError),
}

impl From<K8sError> for Refusal {
    fn from(e: K8sError) -> Refusal {
        Refusal::Failed(e)
    }
}

/// "20261123T152700123Z-1f3a9c": a run's id, sortable by time to the
/// millisecond (runs a second apart are told apart in order).
fn run_id() -> String {
    let suffix: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(6)
        .collect();
    format!(
        "{}-{suffix}",
        jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S%3fZ")
    )
}

/// "alice@build-7 pid 4242 run 20261123T152700Z-1f3a9c env staging": who
/// holds a deploy lock.
fn holder_identity(run: &str, environment: Option<&str>) -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown-host".into());
    let env = environment.map(|e| format!(" env {e}")).unwrap_or_default();
    format!("{user}@{host} pid {} run {run}{env}", std::process::id())
}

pub struct Gate {
    /// The environment's name (`--env`), if one was chosen.
    pub name: Option<String>,
    pub environment: Environment,
    /// Checks already passed this run: "cluster", "ns:NAME".
    passed: Mutex<HashSet<String>>,
    /// Approvals given this run, in order.
    approvals: Mutex<Vec<Approved>>,
    /// Who this run is, as the deploy lock names it.
    pub holder: String,
    /// How long to wait for another run's deploy lock.
    pub lock_wait: Duration,
    /// Deploy locks this run holds, one per namespace it changed.
    locks: tokio::sync::Mutex<Vec<Held>>,
    /// Where this run's changes are recorded before they are made.
    pub journal: Option<Journal>,
    /// Where `hold()` was called: from then on a failure is not undone.
    held: Mutex<Option<String>>,
    /// Where the run's summary is kept in the cluster, once it has one.
    summary: tokio::sync::Mutex<Summarised>,
    /// The run `orion rollback` undoes: its deploy lock is taken at once.
    run_undone: Option<String>,
    /// What the run may read, write and run on this machine.
    pub sandbox: Sandbox,
    /// In a dry run: the objects that exist only in it.
    pub dry_made: DryMade,
}

/// The run's summaries in the cluster: the cluster, the namespaces with
/// one, and those no longer kept up to date (a write that failed stops one).
#[derive(Default)]
struct Summarised {
    cluster: Option<Cluster>,
    written: std::collections::BTreeSet<String>,
    stopped: std::collections::BTreeSet<String>,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate::unset()
    }
}

impl Gate {
    /// A gate with no environment and no journal (before a run sets its own,
    /// and in the REPL): it still checks protected namespaces and takes the lock.
    fn unset() -> Gate {
        let run = run_id();
        Gate {
            name: None,
            environment: Environment::default(),
            passed: Mutex::new(HashSet::new()),
            approvals: Mutex::new(Vec::new()),
            holder: holder_identity(&run, None),
            lock_wait: Duration::from_secs(300),
            locks: tokio::sync::Mutex::new(Vec::new()),
            journal: None,
            held: Mutex::new(None),
            summary: Default::default(),
            sandbox: Sandbox::default(),
            run_undone: None,
            dry_made: DryMade::default(),
        }
    }

    /// The run's id, when it keeps a journal.
    pub fn run_id(&self) -> Option<&str> {
        self.journal.as_ref().map(|j| j.run.as_str())
    }

    /// The gate of a run whose journal goes in `journal_dir`/.orion/journal.
    pub fn new(
        name: Option<String>,
        environment: Environment,
        lock_wait: Duration,
        journal_dir: &std::path::Path,
    ) -> Gate {
        let run = run_id();
        Gate {
            holder: holder_identity(&run, name.as_deref()),
            name,
            environment,
            lock_wait,
            journal: Some(Journal::new(journal_dir, &run)),
            ..Gate::unset()
        }
    }

    /// The same gate, confining the run's files and programs to `sandbox`.
    pub fn with_sandbox(self, sandbox: Sandbox) -> Gate {
        Gate { sandbox, ..self }
    }

    /// The gate `orion rollback` passes: the deploy lock of the environment
    /// the undone run was made in, and its context and protected namespaces
    /// as this machine's orion.toml has them (no freezes or windows: undoing
    /// is allowed in a freeze).
    pub fn for_undo(name: Option<String>, environment: &Environment, run: &str) -> Gate {
        Gate {
            name,
            environment: Environment {
                context: environment.context.clone(),
                protected_namespaces: environment.protected_namespaces.clone(),
                ..Environment::default()
            },
            run_undone: Some(run.to_string()),
            ..Gate::unset()
        }
    }

    /// Releases every deploy lock this run holds (at the end of a run, on
    /// every path). Says which could not be released.
    pub async fn release(&self) -> Vec<String> {
        let mut problems = vec![];
        for held in self.locks.lock().await.drain(..) {
            let what = format!("{}/{}", held.namespace, held.name);
            if let Err(e) = held.release().await {
                problems.push(format!("{what}: {e}"));
            }
        }
        problems
    }

    /// Rewrites the run's summary in `namespace` (`default` for a
    /// cluster-wide change) with the journal's records of that namespace so
    /// far. Returns a warning when it could not: from then on only this
    /// machine's journal has the run's changes there.
    pub(super) async fn summarise(&self, cluster: &Cluster, namespace: &str) -> Option<String> {
        let journal = self.journal.as_ref()?;
        let ns = if namespace.is_empty() {
            "default"
        } else {
            namespace
        };
        let mut s = self.summary.lock().await;
        if s.stopped.contains(ns) {
            return None;
        }
        s.cluster.get_or_insert_with(|| cluster.clone());
        let records = journal.records();
        let Err(e) = summary::write(cluster, ns, &journal.run, "running", &records).await else {
            s.written.insert(ns.to_string());
            return None;
        };
        s.stopped.insert(ns.to_string());
        let path = format!("{}:{}", self.holder, journal.path.display());
        let marked = if s.written.contains(ns) {
            summary::set_incomplete(cluster, ns, &journal.run, &path)
                .await
                .is_ok()
        } else {
            true
        };
        Some(format!(
            "the run's summary in namespace {ns} stops here ({}{}); `orion rollback --run {}` needs this machine's journal {}",
            e.message,
            if marked { "" } else { ", and it could not be marked incomplete" },
            journal.run,
            journal.path.display()
        ))
    }

    /// Records how the run ended in each of its summaries, with its last
    /// records (what its final change made of the object, too).
    pub async fn close_summary(&self, status: &str) -> Option<String> {
        let journal = self.journal.as_ref()?;
        let s = self.summary.lock().await;
        let cluster = s.cluster.as_ref()?;
        let records = journal.records();
        let mut failed = vec![];
        for ns in s.written.difference(&s.stopped) {
            if let Err(e) = summary::write(cluster, ns, &journal.run, status, &records).await {
                failed.push(format!("{ns}: {}", e.message));
            }
        }
        (!failed.is_empty()).then(|| {
            format!(
                "could not record how the run ended in its summary: {}",
                failed.join("; ")
            )
        })
    }

    /// Takes the deploy lock of `namespace` unless this run holds it already.
    async fn lock(
        &self,
        cluster: &Cluster,
        namespace: &str,
        say: &(dyn Fn(String) + Send + Sync),
    ) -> Result<(), Refusal> {
        // Cluster-wide changes (a namespace itself) lock in "default".
        let ns = if namespace.is_empty() {
            "default"
        } else {
            namespace
        };
        let mut locks = self.locks.lock().await;
        if locks.iter().any(|h| h.namespace == ns) {
            return Ok(());
        }
        // One lock per namespace, whatever the environment: runs of
        // different environments must not write one namespace at once.
        let name = lease_name();
        let how = Taking {
            wait: self.lock_wait,
            run_undone: self.run_undone.as_deref(),
            say,
        };
        match acquire(cluster, ns, &name, &self.holder, &how).await {
            Ok(held) => {
                locks.push(held);
                Ok(())
            }
            Err(e) if e.code.is_none() && e.message.starts_with("the deploy lock") => Err(Refusal::Refused(e.message)),
            Err(e) if e.code == Some(404) => Err(Refusal::Failed(K8sError::new(format!(
                "namespace {ns} does not exist, so nothing can be changed in it (its deploy lock lives there too)\nhint: create it first: k8s::ensure_namespace(\"{ns}\")"
            )))),
            Err(e) => Err(Refusal::Failed(e)),
        }
    }

    fn env_name(&self) -> &str {
        self.name.as_deref().unwrap_or("(none)")
    }

    fn passed(&self, key: &str) -> bool {
        self.passed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(key)
    }

    fn mark_passed(&self, key: String) {
        self.passed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key);
    }

    /// Marks the run as not to be undone (`hold()` at `at`).
    pub fn hold(&self, at: String) {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(at);
    }

    /// Where `hold()` was first called, if it was.
    pub fn held(&self) -> Option<String> {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Approvals given so far this run.
    pub fn approvals(&self) -> Vec<Approved> {
        self.approvals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the next change needs an operator's approval first.
    pub(super) fn needs_approval(&self) -> bool {
        self.environment.approval == Approval::Required && self.approvals().is_empty()
    }

    /// Asks an operator (or takes --yes --approver) to approve `shown`.
    pub fn approve(
        &self,
        shown: &str,
        yes: bool,
        approver: Option<&str>,
    ) -> Result<Approved, Denied> {
        let env = self.name.as_deref().unwrap_or("(no environment)");
        let stdin = std::io::stdin();
        let approved = ask(
            env,
            shown,
            yes,
            approver,
            at_terminal(),
            &mut stdin.lock(),
            &mut std::io::stderr(),
        )?;
        self.approvals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(approved.clone());
        if let Some(journal) = &self.journal {
            let record = ApprovalRecord {
                seq: 0,
                at: approved.at.clone(),
                run: journal.run.clone(),
                environment: self.name.clone(),
                by: approved.by.clone(),
                how: approved.how.to_string(),
                shown: approved.shown.clone(),
            };
            if let Err(e) = journal.append_approval(record) {
                return Err(Denied(format!(
                    "the approval could not be recorded in {}: {e}; nothing was changed\nhint: the journal's directory must be writable",
                    journal.path.display()
                )));
            }
        }
        Ok(approved)
    }

    /// Freezes and deploy windows: may anything change now?
    fn check_time(&self) -> Result<(), Refusal> {
        let env = &self.environment;
        if env.freeze {
            return Err(Refusal::Refused(format!(
                "refusing to change anything: environment {} is frozen{}\nhint: freeze = false in orion.toml lifts it",
                self.env_name(),
                env.freeze_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
            )));
        }
        if let Err(why) = window::allowed(&env.windows, jiff::Timestamp::now()) {
            return Err(Refusal::Refused(format!(
                "refusing to change anything in environment {}: {why}\nhint: windows in orion.toml",
                self.env_name()
            )));
        }
        Ok(())
    }

    /// May the run change something outside the cluster (a load balancer's
    /// runtime state)? Freezes and deploy windows apply; the context, node
    /// and namespace checks and the deploy lock are the cluster's.
    pub(super) fn check_external(&self) -> Result<(), Refusal> {
        if !self.passed("time") {
            self.check_time()?;
            self.mark_passed("time".into());
        }
        Ok(())
    }

    /// May the run write Secret `name` with `content` (an object or a patch)?
    /// Not when a value is a template's placeholder.
    pub(super) fn check_secret(
        &self,
        name: &str,
        content: &serde_json::Value,
    ) -> Result<(), Refusal> {
        let found = placeholders::in_secret(content, &self.environment.secret_placeholders);
        if found.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = found
            .iter()
            .map(|(key, pattern)| format!("{key} (matches \"{pattern}\")"))
            .collect();
        Err(Refusal::Refused(format!(
            "refusing to write secret/{name}: {} a placeholder, not a real value: {}\nhint: fill in the real values; secret_placeholders in orion.toml lists the patterns",
            if found.len() == 1 { "a key holds" } else { "keys hold" },
            keys.join(", ")
        )))
    }

    /// May the run change an object in `namespace` ("" for cluster-wide ones)?
    /// `say` tells the operator when the run waits for a deploy lock.
    pub async fn check(
        &self,
        cluster: &Cluster,
        namespace: &str,
        say: &(dyn Fn(String) + Send + Sync),
        dry_run: bool,
    ) -> Result<(), Refusal> {
        let env = &self.environment;
        if !namespace.is_empty() && env.protected_namespaces.iter().any(|p| p == namespace) {
            return Err(Refusal::Refused(format!(
                "refusing to change namespace {namespace}: it is protected in environment {}\nhint: protected_namespaces in orion.toml lists it",
                self.env_name()
            )));
        }
        if !self.passed("cluster") {
            self.check_time()?;
            if let Some(want) = &env.context {
                if !glob(want, &cluster.info.name) {
                    return Err(Refusal::Refused(format!(
                        "refusing to change anything: the run targets context \"{}\", but environment {} is context \"{want}\"\nhint: pass --context with the right cluster, or --env for this one",
                        cluster.info.name,
                        self.env_name()
                    )));
                }
            }
            if env.min_nodes > 0 {
                let nodes: Api<Node> = Api::all(cluster.client.clone());
                let lp = ListParams::default();
                let list = retry("counting nodes", || nodes.list(&lp)).await?;
                let ready = list
                    .items
                    .iter()
                    .filter(|n| {
                        let schedulable = !n
                            .spec
                            .as_ref()
                            .and_then(|s| s.unschedulable)
                            .unwrap_or(false);
                        let ready = n
                            .status
                            .as_ref()
                            .and_then(|s| s.conditions.as_ref())
                            .is_some_and(|cs| {
                                cs.iter().any(|c| c.type_ == "Ready" && c.status == "True")
                            });
                        schedulable && ready
                    })
                    .count();
                if (ready as u32) < env.min_nodes {
                    return Err(Refusal::Refused(format!(
                        "refusing to change anything: {ready} nodes are ready and schedulable, environment {} needs {}\nhint: min_nodes in orion.toml",
                        self.env_name(),
                        env.min_nodes
                    )));
                }
            }
            self.mark_passed("cluster".into());
        }
        let key = format!("ns:{namespace}");
        if env.require_existing_namespace && !namespace.is_empty() && !self.passed(&key) {
            let namespaces: Api<Namespace> = Api::all(cluster.client.clone());
            let what = format!("reading namespace {namespace}");
            let found = retry(&what, || namespaces.get_opt(namespace)).await?;
            if found.is_none() && !(dry_run && self.dry_made.has_namespace(namespace)) {
                return Err(Refusal::Refused(format!(
                    "refusing to change namespace {namespace}: it does not exist, and environment {} requires it to\nhint: create it first, or set require_existing_namespace = false",
                    self.env_name()
                )));
            }
            self.mark_passed(key);
        }
        // A dry run changes nothing, so it holds no lock (and its namespace
        // may exist only in the dry run).
        if !dry_run {
            self.lock(cluster, namespace, say).await?;
        }
        Ok(())
    }
}
