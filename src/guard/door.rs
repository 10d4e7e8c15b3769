//! The one door every change passes, whichever driver makes it: the gate's
//! checks (freezes and windows; in the cluster also context, nodes,
//! namespaces and the deploy lock; Secret placeholders), the operator's
//! approval where the environment asks for it, the change said in the log,
//! what it replaces read once, the journal entry fsynced and the run's
//! summary in the cluster rewritten — and only then the change, made by the
//! driver. A dry run is checked and said, never journaled.

use crate::drivers::kube::Cluster;
use crate::guard::change::Change;
use crate::guard::gate::{Gate, Refusal};
use crate::guard::journal::MadeRecord;
use crate::report::event::Level;
use serde_json::Value;
use std::future::Future;

/// How a change may be approved, and how the run's log is told.
pub struct Admission<'a> {
    pub dry_run: bool,
    /// `--yes`, with `--approver NAME`.
    pub yes: bool,
    pub approver: Option<&'a str>,
    /// The step the change is made in, for its journal entry.
    pub step: Option<String>,
    /// The run's log.
    pub say: &'a (dyn Fn(Level, String) + Send + Sync),
}

/// Why a change was not made.
#[derive(Debug)]
pub enum Stopped<E> {
    /// A guard said no: the run stops, exit 1, and a script cannot catch it.
    Refused(String),
    /// The operator did not approve: the run ends as cancelled (exit 5).
    Denied(String),
    /// A check, the read of what it replaces, or the journal failed.
    Failed(String),
    /// The driver could not make it (the journal says it was about to).
    Driver(E),
}

impl<E> From<Refusal> for Stopped<E> {
    fn from(r: Refusal) -> Stopped<E> {
        match r {
            Refusal::Refused(why) => Stopped::Refused(why),
            Refusal::Failed(e) => Stopped::Failed(e.message),
        }
    }
}

/// What a driver's change gives back, as the door records it: the object's
/// resourceVersion after the change, when it is a Kubernetes object.
pub trait Made {
    /// (resourceVersion, metadata.generation) of what the change made.
    fn version(&self) -> Option<(String, Option<i64>)>;
}

impl Made for Value {
    fn version(&self) -> Option<(String, Option<i64>)> {
        let meta = &self["metadata"];
        let rv = meta["resourceVersion"].as_str()?;
        Some((rv.to_string(), meta["generation"].as_i64()))
    }
}

impl Made for () {
    fn version(&self) -> Option<(String, Option<i64>)> {
        None
    }
}

impl Made for bool {
    fn version(&self) -> Option<(String, Option<i64>)> {
        None
    }
}

impl Made for Option<String> {
    fn version(&self) -> Option<(String, Option<i64>)> {
        None
    }
}

/// A change made (in a dry run: checked by the driver, kept by no one).
pub struct Passed<T> {
    /// What it replaced, as read before (None: it did not exist).
    pub prior: Option<Value>,
    pub made: T,
}

impl Gate {
    /// Takes `change` through the door: admits it, reads what it replaces
    /// (`prior`), records it, then `make`s it. `cluster` is the one a change
    /// in the cluster is made in.
    pub async fn pass<T: Made, E>(
        &self,
        cluster: Option<&Cluster>,
        change: Change,
        how: &Admission<'_>,
        prior: impl Future<Output = Result<Option<Value>, String>>,
        make: impl Future<Output = Result<T, E>>,
    ) -> Result<Passed<T>, Stopped<E>> {
        self.admit(cluster, &change, how).await?;
        if !how.dry_run && self.needs_approval() {
            let approved = self
                .approve(&change.shown, how.yes, how.approver)
                .map_err(|d| Stopped::Denied(d.0))?;
            (how.say)(
                Level::Info,
                format!(
                    "approved by {} ({}) at {}",
                    approved.by, approved.how, approved.at
                ),
            );
        }
        let prefix = if how.dry_run { "(dry run) " } else { "" };
        (how.say)(Level::Info, format!("{prefix}{}", change.said));
        let prior = prior.await.map_err(Stopped::Failed)?;
        if !how.dry_run {
            self.record(cluster, &change, prior.clone(), how).await?;
        }
        let made = make.await.map_err(Stopped::Driver)?;
        if !how.dry_run {
            self.record_made(&change, &made);
        } else if prior.is_none() && change.in_cluster {
            self.dry_made
                .note(&change.kind, &change.namespace, &change.name);
        }
        Ok(Passed { prior, made })
    }

    /// Everything that must hold before `change` is made, but approval.
    async fn admit(
        &self,
        cluster: Option<&Cluster>,
        change: &Change,
        how: &Admission<'_>,
    ) -> Result<(), Refusal> {
        match cluster.filter(|_| change.in_cluster) {
            Some(cluster) => {
                let say = |m: String| (how.say)(Level::Info, m);
                self.check(cluster, &change.namespace, &say, how.dry_run)
                    .await?
            }
            None => self.check_external()?,
        }
        if let Some(content) = &change.secret {
            self.check_secret(&change.name, content)?;
        }
        Ok(())
    }

    /// Notes what the object became (its resourceVersion), so undoing the
    /// run later can tell whether anything changed it since. A note that
    /// cannot be written only costs that check.
    fn record_made<T: Made>(&self, change: &Change, made: &T) {
        let (Some(journal), Some((version, generation))) = (&self.journal, made.version()) else {
            return;
        };
        let record = MadeRecord {
            seq: 0,
            run: String::new(),
            api_version: change.api_version.clone(),
            kind: change.kind.clone(),
            namespace: change.namespace.clone(),
            name: change.name.clone(),
            resource_version: version,
            generation,
        };
        if let Err(e) = journal.append_made(record) {
            tracing::warn!("could not note the object's version in the journal: {e}");
        }
    }

    /// Journals `change` with `prior` (fsynced: without a record, nothing is
    /// changed), then rewrites the run's summary in its namespace.
    async fn record<E>(
        &self,
        cluster: Option<&Cluster>,
        change: &Change,
        prior: Option<Value>,
        how: &Admission<'_>,
    ) -> Result<(), Stopped<E>> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let approver = self.approvals().last().map(|a| a.by.clone());
        let entry = change.entry(prior, self.name.clone(), how.step.clone(), approver);
        journal.append(entry).map_err(|e| {
            Stopped::Failed(format!(
                "cannot write the journal {}: {e}; nothing was changed\nhint: orion keeps a journal of every change beside orion.toml; make that directory writable",
                journal.path.display()
            ))
        })?;
        // The cluster's copy, for `orion history` and `orion rollback` elsewhere.
        if let Some(cluster) = cluster.filter(|_| change.in_cluster) {
            if let Some(warning) = self.summarise(cluster, &change.namespace).await {
                (how.say)(Level::Warn, warning);
            }
        }
        Ok(())
    }
}
