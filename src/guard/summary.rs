//! A run's summaries in the cluster: a ConfigMap per run in each namespace
//! it changes, holding that namespace's changes (cluster-wide ones go in
//! `default`'s; changes outside the cluster, such as a load balancer's, in
//! none), rewritten before each change is made, so `orion history` and
//! `orion rollback` work from any machine that can reach the cluster. What
//! it shows has Secret values redacted; the prior Secret values a restore
//! needs go in a Secret of the same name in the same namespace, readable by
//! whoever may read the Secrets themselves.

use crate::drivers::kube::retry::retry;
use crate::drivers::kube::{Cluster, K8sError};
use crate::guard::journal::{redacted, ApprovalRecord, Entry, MadeRecord, Record};
use crate::report::printable::{is_printable, printable};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The label every summary carries, with value "orion".
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The label naming a summary's run.
pub const RUN: &str = "orion.dev/run";
/// How a run shows whose summary says "running" but whose process is gone.
pub const GONE: &str = "incomplete (process gone)";
/// Past this many bytes a summary would not fit a ConfigMap (1 MiB).
const LIMIT: usize = 900 * 1024;

/// The name of a run's summary objects: "orion-run-20261123t152700z-1f3a9c".
pub fn object_name(run: &str) -> String {
    format!("orion-run-{}", run.to_ascii_lowercase())
}

/// A run as its summary in the cluster tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub run: String,
    /// Where the summary lives.
    pub namespace: String,
    pub environment: Option<String>,
    pub context: String,
    /// "running", "succeeded", "failed (exit 2), undone", ...
    pub status: String,
    pub updated: String,
    /// The run's changes, Secret priors put back from the summary's Secret.
    pub entries: Vec<Entry>,
    pub approvals: Vec<ApprovalRecord>,
    /// What its changes made of each object (resourceVersions).
    pub made: Vec<MadeRecord>,
    /// Why the run cannot be undone from its summary alone, if it cannot.
    pub problem: Option<String>,
}

fn apply_params() -> PatchParams {
    PatchParams {
        field_manager: Some("orion".into()),
        force: true,
        ..PatchParams::default()
    }
}

/// The namespace whose summary keeps the record of `e`: its own;
/// `default` for a cluster-wide object; None for a change outside the
/// cluster (only this machine's journal has those).
pub fn home(e: &Entry) -> Option<&str> {
    if crate::guard::compensate::is_external(e) {
        None
    } else {
        Some(home_of(&e.namespace))
    }
}

/// The namespace whose summary keeps records of objects in `namespace`.
fn home_of(namespace: &str) -> &str {
    if namespace.is_empty() {
        "default"
    } else {
        namespace
    }
}

fn labels(run: &str) -> Value {
    json!({ MANAGED_BY: "orion", RUN: run })
}

/// Writes the summary of `run` in `namespace`: the records so far of the
/// changes kept there (see `home`), its approvals and triggers, and
/// `status`. Fails without writing when it would not fit a ConfigMap.
pub async fn write(
    cluster: &Cluster,
    namespace: &str,
    run: &str,
    status: &str,
    records: &[Record],
) -> Result<(), K8sError> {
    let mut lines = String::new();
    let mut priors = serde_json::Map::new();
    let (mut environment, mut context) = (None, String::new());
    for record in records {
        let shown = match record {
            Record::Change(e) if home(e) != Some(namespace) => continue,
            Record::Change(e) => {
                environment = e.environment.clone();
                context = e.context.clone();
                let mut e = e.clone();
                if let Some(m) = e.prior.as_mut().and_then(|p| p["metadata"].as_object_mut()) {
                    m.remove("managedFields");
                }
                if e.kind == "Secret" {
                    if let Some(p) = &e.prior {
                        priors.insert(e.seq.to_string(), p.clone());
                    }
                }
                let mut v = redacted(&e);
                if let Some(m) = v.as_object_mut() {
                    m.insert("record".into(), "change".into());
                }
                v
            }
            Record::Made(m) if home_of(&m.namespace) != namespace => continue,
            Record::Approval(_) | Record::Trigger(_) | Record::Made(_) => {
                serde_json::to_value(record).unwrap_or(Value::Null)
            }
        };
        lines.push_str(&shown.to_string());
        lines.push('\n');
    }
    if lines.len() > LIMIT {
        return Err(K8sError::new(format!(
            "the run's summary would be {} KiB, more than a ConfigMap holds",
            lines.len() / 1024
        )));
    }
    let name = object_name(run);
    let pp = apply_params();
    let now = jiff::Timestamp::now().to_string();
    let config = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": name, "namespace": namespace, "labels": labels(run) },
        "data": {
            "run": run,
            "environment": environment.unwrap_or_default(),
            "context": context,
            "status": status,
            "updated": now,
            "complete": "true",
            "journal.jsonl": lines,
        }
    });
    let configs: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), namespace);
    let what = format!("writing the run's summary {namespace}/{name}");
    let p = Patch::Apply(config);
    retry(&what, || configs.patch(&name, &pp, &p)).await?;
    if !priors.is_empty() {
        let secret = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": { "name": name, "namespace": namespace, "labels": labels(run) },
            "type": "Opaque",
            "stringData": { "priors.json": Value::Object(priors).to_string() }
        });
        let secrets: Api<Secret> = Api::namespaced(cluster.client.clone(), namespace);
        let p = Patch::Apply(secret);
        retry(&what, || secrets.patch(&name, &pp, &p)).await?;
    }
    Ok(())
}

/// Sets the status of a summary already written.
pub async fn set_status(
    cluster: &Cluster,
    namespace: &str,
    run: &str,
    status: &str,
) -> Result<(), K8sError> {
    merge(cluster, namespace, run, json!({ "status": status })).await
}

/// Marks a summary as missing the run's later changes, which only the
/// journal at `journal` (on this machine) has.
pub async fn set_incomplete(
    cluster: &Cluster,
    namespace: &str,
    run: &str,
    journal: &str,
) -> Result<(), K8sError> {
    merge(
        cluster,
        namespace,
        run,
        json!({ "complete": "false", "journal": journal }),
    )
    .await
}

async fn merge(cluster: &Cluster, namespace: &str, run: &str, data: Value) -> Result<(), K8sError> {
    let name = object_name(run);
    let configs: Api<ConfigMap> = Api::namespaced(cluster.client.clone(), namespace);
    let mut data = data;
    data["updated"] = jiff::Timestamp::now().to_string().into();
    let p = Patch::Merge(json!({ "data": data }));
    let pp = PatchParams {
        field_manager: Some("orion".into()),
        ..PatchParams::default()
    };
    let what = format!("recording the run's end in {namespace}/{name}");
    retry(&what, || configs.patch(&name, &pp, &p)).await?;
    Ok(())
}

/// The runs summarised in `namespace`, or in every namespace, oldest first.
pub async fn list(cluster: &Cluster, namespace: Option<&str>) -> Result<Vec<Stored>, K8sError> {
    let configs: Api<ConfigMap> = match namespace {
        Some(ns) => Api::namespaced(cluster.client.clone(), ns),
        None => Api::all(cluster.client.clone()),
    };
    let lp = ListParams::default().labels(&format!("{MANAGED_BY}=orion,{RUN}"));
    let found = retry("listing run summaries", || configs.list(&lp)).await?;
    let mut runs = vec![];
    for c in found.items {
        let ns = c.metadata.namespace.clone().unwrap_or_default();
        let data = c.data.unwrap_or_default();
        let field = |k: &str| data.get(k).cloned().unwrap_or_default();
        let mut entries = vec![];
        let mut approvals = vec![];
        let mut made = vec![];
        let mut problem = None;
        let name = c.metadata.name.clone().unwrap_or_default();
        for line in field("journal.jsonl").lines().filter(|l| !l.is_empty()) {
            match serde_json::from_str::<Record>(line) {
                Ok(Record::Change(e)) => entries.push(e),
                Ok(Record::Approval(a)) => approvals.push(a),
                Ok(Record::Trigger(_)) => {}
                Ok(Record::Made(m)) => made.push(m),
                Err(e) => problem = Some(format!("the run summary {ns}/{name} is damaged: {e}")),
            }
        }
        for e in entries.iter_mut() {
            if !clean(e) {
                problem = Some(format!(
                    "the run summary {ns}/{name} holds control characters in its records: it was not written by orion"
                ));
            }
        }
        let field = |k: &str| printable(&field(k));
        let run = field("run");
        if field("complete") != "true" {
            problem = Some(format!(
                "the run summary {ns}/{name} lacks the run's later changes\nhint: roll back where its journal is: {}",
                field("journal")
            ));
        }
        if problem.is_none() && entries.iter().any(|e| e.kind == "Secret") {
            if let Err(e) = secret_priors(cluster, &ns, &run, &mut entries).await {
                problem = Some(e.message);
            }
        }
        runs.push(Stored {
            environment: Some(field("environment")).filter(|e| !e.is_empty()),
            context: field("context"),
            status: field("status"),
            updated: field("updated"),
            namespace: ns,
            run,
            entries,
            approvals,
            made,
            problem,
        });
    }
    // A run still "running" whose process no longer renews its deploy lock
    // was killed: say so rather than "running" forever.
    for r in runs.iter_mut().filter(|r| r.status == "running") {
        if !crate::guard::lock::held_by_run(cluster, &r.namespace, &r.run).await? {
            r.status = GONE.to_string();
        }
    }
    runs.sort_by(|a, b| a.run.cmp(&b.run));
    Ok(runs)
}

/// Makes what `e` names printable; false when it was not (no object orion
/// changed has a control character in its name).
fn clean(e: &mut Entry) -> bool {
    let mut was = true;
    for field in [
        &mut e.run,
        &mut e.context,
        &mut e.api_version,
        &mut e.kind,
        &mut e.namespace,
        &mut e.name,
        &mut e.summary,
        &mut e.at,
    ] {
        if !is_printable(field) {
            *field = printable(field);
            was = false;
        }
    }
    for field in [&mut e.environment, &mut e.step, &mut e.approver]
        .into_iter()
        .flatten()
    {
        if !is_printable(field) {
            *field = printable(field);
            was = false;
        }
    }
    was
}

/// Puts the prior Secret values back into `entries` from the summary's Secret.
async fn secret_priors(
    cluster: &Cluster,
    ns: &str,
    run: &str,
    entries: &mut [Entry],
) -> Result<(), K8sError> {
    let name = object_name(run);
    let secrets: Api<Secret> = Api::namespaced(cluster.client.clone(), ns);
    let what = format!("reading the run's Secret priors {ns}/{name}");
    let secret = retry(&what, || secrets.get_opt(&name)).await?;
    let priors: BTreeMap<String, Value> = secret
        .and_then(|s| s.data)
        .and_then(|d| d.get("priors.json").cloned())
        .and_then(|b| serde_json::from_slice(&b.0).ok())
        .unwrap_or_default();
    for e in entries.iter_mut().filter(|e| e.kind == "Secret") {
        // Without its Secret the redacted copy must not be restored.
        e.prior = match (priors.get(&e.seq.to_string()), &e.prior) {
            (Some(p), _) => Some(p.clone()),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(K8sError::new(format!(
                    "the prior values of secret/{} are missing from {ns}/{name}\nhint: roll back from the machine whose .orion/journal has run {run}",
                    e.name
                )))
            }
        };
    }
    Ok(())
}
