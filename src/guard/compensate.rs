//! Compensation: a failed run's changes undone from its journal, newest
//! first — each object put back as it was before the run touched it (created
//! ones deleted), then the restored workloads' rollouts waited for.

use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::kinds::Kinds;
use crate::drivers::kube::retry::retry;
use crate::drivers::kube::rollout::{self, Options};
use crate::drivers::kube::Cluster;
use crate::guard::journal::{Entry, MadeRecord};
use crate::guard::programs::Programs;
use kube::api::{Api, DeleteParams, DynamicObject, PostParams};
use serde_json::Value;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One object put back (or not).
#[derive(Debug, Clone, PartialEq)]
pub struct Undone {
    /// "deployment/web in shop".
    pub object: String,
    /// What was done: "restored", "deleted", or why it could not be.
    pub outcome: Result<&'static str, String>,
}

/// "deployment/web in shop".
pub fn label(e: &Entry) -> String {
    let ns = if e.namespace.is_empty() {
        String::new()
    } else {
        format!(" in {}", e.namespace)
    };
    format!("{}/{}{ns}", e.kind.to_ascii_lowercase(), e.name)
}

/// The first entry of each object, latest-touched first: restoring each to
/// its state before the run needs nothing else.
pub fn plan(entries: &[Entry]) -> Vec<&Entry> {
    let mut firsts: Vec<&Entry> = vec![];
    for e in entries {
        if !firsts.iter().any(|f| f.object() == e.object()) {
            firsts.push(e);
        }
    }
    firsts.reverse();
    firsts
}

/// What the server owns in an object, left out when putting it back.
fn restorable(prior: &Value, current_version: Option<&str>) -> Value {
    let mut o = prior.clone();
    if let Some(m) = o["metadata"].as_object_mut() {
        for field in [
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "resourceVersion",
            "deletionTimestamp",
        ] {
            m.remove(field);
        }
        if let Some(v) = current_version {
            m.insert("resourceVersion".into(), Value::String(v.to_string()));
        }
    }
    if let Some(m) = o.as_object_mut() {
        m.remove("status");
    }
    o
}

/// What an object not undone because the API server stopped answering says.
pub const API_GONE: &str = "not undone: the API server stopped answering";

/// What an object not undone because of a second Ctrl-C says.
pub const SKIPPED: &str = "not undone: Ctrl-C again skipped it";

/// `undo_one`, read again and retried when the object changed between the
/// read and the write (a write of the run still landing).
async fn undo_one_until_current(
    cluster: &Cluster,
    kinds: &Kinds,
    e: &Entry,
) -> Result<&'static str, K8sError> {
    let mut tries = 0;
    loop {
        match undo_one(cluster, kinds, e).await {
            Err(why) if why.code == Some(409) && tries < 3 => tries += 1,
            done => return done,
        }
    }
}

async fn undo_one(cluster: &Cluster, kinds: &Kinds, e: &Entry) -> Result<&'static str, K8sError> {
    let group = e.api_version.split_once('/').map(|(g, _)| g);
    let qualified = match group {
        Some(g) => format!("{}.{g}", e.kind),
        None => e.kind.clone(),
    };
    let kind = kinds.find(&qualified)?;
    let api: Api<DynamicObject> = if kind.namespaced {
        Api::namespaced_with(cluster.client.clone(), &e.namespace, &kind.resource)
    } else {
        Api::all_with(cluster.client.clone(), &kind.resource)
    };
    let current = retry("reading it", || api.get_opt(&e.name)).await?;
    match (&e.prior, current) {
        (None, None) => Ok("already gone"),
        (None, Some(_)) => {
            let dp = DeleteParams::background();
            retry("deleting it", || api.delete(&e.name, &dp))
                .await
                .map(|_| "deleted")
        }
        (Some(prior), current) => {
            let version = current
                .as_ref()
                .and_then(|c| c.metadata.resource_version.clone());
            let object: DynamicObject =
                serde_json::from_value(restorable(prior, version.as_deref())).map_err(|x| {
                    K8sError::new(format!("the journal's copy is not an object: {x}"))
                })?;
            let pp = PostParams {
                field_manager: Some("orion".into()),
                ..PostParams::default()
            };
            let done = if current.is_some() {
                retry("restoring it", || api.replace(&e.name, &pp, &object)).await
            } else {
                retry("restoring it", || api.create(&pp, &object)).await
            };
            done.map(|_| "restored")
        }
    }
}

/// The api_version of a HAProxy server's entry (its runtime state, not a
/// Kubernetes object): namespace is the runtime API's address, name
/// "backend/server", prior `{"weight": N, "state": "ready"}`.
pub const HAPROXY: &str = "orion.dev/haproxy";

/// The api_version of an nginx upstream's entry: namespace is the upstream
/// file, name the upstream, prior the file's content (null: there was none)
/// and how to run that nginx.
pub const NGINX: &str = "orion.dev/nginx";

/// Puts an upstream file back from its entry (this machine's journal), checks
/// and reloads nginx — the `nginx` program of orion.toml or PATH, whatever an
/// entry may say.
fn undo_nginx(e: &Entry, nginx: std::path::PathBuf) -> Result<&'static str, String> {
    use crate::drivers::lb::nginx::{put, Nginx};
    let prior = e.prior.clone().unwrap_or_default();
    let path = |k: &str| prior[k].as_str().map(std::path::PathBuf::from);
    let nginx = Nginx {
        binary: nginx,
        conf: path("conf").ok_or("the journal entry has no nginx.conf")?,
        prefix: path("prefix"),
        pid_file: path("pid_file"),
    };
    put(
        std::path::Path::new(&e.namespace),
        prior["content"].as_str(),
    )?;
    nginx
        .test()
        .map_err(|r| format!("put back, but {}", r.shown()))?;
    nginx.reload().map(|_| "restored").map_err(|r| r.shown())
}

/// Whether `version` (a generation or resourceVersion as `made` kept it)
/// is what `object`'s metadata says: the generation when both have one (a
/// controller's status writes move the resourceVersion, not it).
pub fn left_as(made: &MadeRecord, object: &Value) -> bool {
    let meta = &object["metadata"];
    match (made.generation, meta["generation"].as_i64()) {
        (Some(then), Some(now)) => then == now,
        _ => meta["resourceVersion"].as_str() == Some(made.resource_version.as_str()),
    }
}

/// The last record of what the run made of `e`'s object.
pub fn last_made<'m>(e: &Entry, made: &'m [MadeRecord]) -> Option<&'m MadeRecord> {
    made.iter()
        .filter(|m| m.object() == e.object())
        .max_by_key(|m| m.seq)
}

/// The objects `entries` changed that something changed again since (each
/// with how): their version now is not the one the run's last change left
/// (`made`), or they are gone though the run did not delete them. Undoing
/// the run would throw those later changes away.
pub async fn changed_since(
    cluster: &Cluster,
    entries: &[Entry],
    made: &[MadeRecord],
) -> Result<Vec<(Entry, &'static str)>, K8sError> {
    let wanted: Vec<&Entry> = plan(entries)
        .into_iter()
        .filter(|e| !is_external(e))
        .collect();
    if wanted.is_empty() {
        return Ok(vec![]);
    }
    let kinds = Kinds::discover(cluster.client.clone()).await?;
    let mut changed = vec![];
    for e in wanted {
        let Some(last) = last_made(e, made) else {
            continue; // the run never got to make it: nothing to compare
        };
        let deleted_by_run = entries
            .iter()
            .filter(|x| x.object() == e.object())
            .max_by_key(|x| x.seq)
            .is_some_and(|x| x.summary.starts_with("delete"));
        let group = e.api_version.split_once('/').map(|(g, _)| g);
        let qualified = match group {
            Some(g) => format!("{}.{g}", e.kind),
            None => e.kind.clone(),
        };
        let kind = kinds.find(&qualified)?;
        let live =
            crate::drivers::kube::objects::get(cluster, &kind, &e.namespace, &e.name).await?;
        let now = live.as_ref().map(|o| !left_as(last, o));
        let how = match now {
            Some(true) if !deleted_by_run => "changed since the run",
            None if !deleted_by_run => "deleted since the run",
            Some(_) if deleted_by_run => "made again since the run",
            _ => continue,
        };
        changed.push((e.clone(), how));
    }
    Ok(changed)
}

/// Whether the entry is for something outside the cluster.
pub fn is_external(e: &Entry) -> bool {
    e.api_version.starts_with("orion.dev/")
}

/// Puts a HAProxy server's weight and state back.
async fn undo_haproxy(e: &Entry) -> Result<&'static str, K8sError> {
    use crate::drivers::lb::haproxy::{set_state, set_weight, Address};
    let address = Address::parse(&e.namespace).ok_or_else(|| {
        K8sError::new(format!(
            "the journal's HAProxy address {} is not unix:PATH or tcp:ADDR",
            e.namespace
        ))
    })?;
    let (backend, server) = e.name.split_once('/').ok_or_else(|| {
        K8sError::new(format!(
            "the journal's HAProxy server {} is not BACKEND/SERVER",
            e.name
        ))
    })?;
    let prior = e.prior.clone().unwrap_or_default();
    // The state first: HAProxy applies a weight to a server in maintenance
    // only when it leaves it.
    if let Some(s) = prior["state"].as_str() {
        set_state(&address, backend, server, s)
            .await
            .map_err(K8sError::new)?;
    }
    if let Some(w) = prior["weight"].as_i64() {
        set_weight(&address, backend, server, w)
            .await
            .map_err(K8sError::new)?;
    }
    Ok("restored")
}

/// The plan with its HAProxy servers last, those whose weight goes back up
/// first: HAProxy's weighted round robin skews for a long while when a
/// server returns after the others' weights were lowered, and not when it
/// returns first.
async fn raising_first(plan: Vec<&Entry>) -> Vec<&Entry> {
    use crate::drivers::lb::haproxy::{servers, Address};
    let (mut lbs, mut order): (Vec<&Entry>, Vec<&Entry>) =
        plan.into_iter().partition(|e| e.api_version == HAPROXY);
    let mut rise = std::collections::HashMap::new();
    for e in &lbs {
        let (Some(address), Some((backend, server))) =
            (Address::parse(&e.namespace), e.name.split_once('/'))
        else {
            continue;
        };
        let now = servers(&address, backend)
            .await
            .ok()
            .and_then(|s| s.into_iter().find(|s| s.name == server))
            .map_or(0, |s| if s.state == "ready" { s.weight } else { 0 });
        let prior = e.prior.as_ref().map_or(0, |p| {
            if p["state"] == "ready" {
                p["weight"].as_i64().unwrap_or(0)
            } else {
                0
            }
        });
        rise.insert((e.name.clone(), e.namespace.clone()), prior - now);
    }
    lbs.sort_by_key(|e| {
        std::cmp::Reverse(
            rise.get(&(e.name.clone(), e.namespace.clone()))
                .copied()
                .unwrap_or(0),
        )
    });
    order.extend(lbs);
    order
}

/// Undoes `entries` (a run's journal) and waits for restored workloads.
/// When `abort` is cancelled (a second Ctrl-C) it stops where it is: what
/// was not undone says so. Without a cluster only what is outside one
/// (load balancers) can be undone. `programs` are the ones orion.toml names.
pub async fn undo(
    cluster: Option<&Cluster>,
    entries: &[Entry],
    wait: Duration,
    abort: &CancellationToken,
    programs: &Programs,
) -> Vec<Undone> {
    let kinds = match cluster {
        Some(c) if entries.iter().any(|e| !is_external(e)) => Kinds::discover(c.client.clone())
            .await
            .map_err(|e| e.message),
        Some(_) => Ok(Kinds::default()),
        None => Err("no cluster to undo it in".to_string()),
    };
    let mut out = vec![];
    let order = raising_first(plan(entries)).await;
    for e in order.iter().copied() {
        let outcome = if abort.is_cancelled() {
            Err(SKIPPED.to_string())
        } else if !is_external(e) && crate::drivers::kube::calls::current().api_dead() {
            // Each try would only wait out its limit: the rest is listed.
            Err(API_GONE.to_string())
        } else {
            let one = async {
                if e.api_version == HAPROXY {
                    return undo_haproxy(e).await.map_err(|x| x.message);
                }
                if e.api_version == crate::drivers::docker::undo::CONTAINER {
                    return crate::drivers::docker::undo::undo(e).await;
                }
                if e.api_version == crate::drivers::docker::undo::SERVICE {
                    return crate::drivers::docker::undo::undo_service(e).await;
                }
                if e.api_version == crate::drivers::aws::undo::ALB {
                    return crate::drivers::aws::undo::undo(e).await;
                }
                if e.api_version == NGINX {
                    let (e, nginx) = (e.clone(), programs.nginx());
                    return tokio::task::spawn_blocking(move || undo_nginx(&e, nginx))
                        .await
                        .map_err(|x| x.to_string())?;
                }
                match (cluster, &kinds) {
                    (Some(c), Ok(k)) => {
                        undo_one_until_current(c, k, e).await.map_err(|x| x.message)
                    }
                    (_, Err(why)) => Err(why.clone()),
                    (None, _) => Err("no cluster to undo it in".into()),
                }
            };
            tokio::select! {
                biased;
                _ = abort.cancelled() => Err(format!("{SKIPPED} while it was being put back: check it")),
                done = one => done,
            }
        };
        out.push(Undone {
            object: label(e),
            outcome,
        });
    }
    // Restored workloads roll back; the undo is done when they have.
    for (e, u) in order.into_iter().zip(out.iter_mut()) {
        if u.outcome != Ok("restored")
            || !matches!(e.kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet")
        {
            continue;
        }
        let (Some(cluster), Ok(kinds)) = (cluster, &kinds) else {
            continue;
        };
        let Ok(kind) = kinds.find(&e.kind) else {
            continue;
        };
        let opts = Options {
            timeout: wait,
            ..Options::default()
        };
        let waited = tokio::select! {
            biased;
            _ = abort.cancelled() => Err("restored, but its rollout back was not waited for (Ctrl-C again)".to_string()),
            w = rollout::wait(cluster, &kind, &e.namespace, &e.name, &opts, |_, _| {}) => w.map_err(|x| format!(
                "restored, but the rollout back did not finish: {}",
                x.message
            )),
        };
        if let Err(why) = waited {
            u.outcome = Err(why);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(name: &str, prior: Option<Value>) -> Entry {
        crate::guard::change::fixture::entry("v1", "ConfigMap", "default", name, prior)
    }

    #[test]
    fn each_object_goes_back_to_its_first_prior_newest_first() {
        let entries = [
            entry("a", None),
            entry("b", Some(json!({"data": {"v": "1"}}))),
            entry("b", Some(json!({"data": {"v": "2"}}))),
            entry("c", None),
        ];
        let p = plan(&entries);
        let names: Vec<&str> = p.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["c", "b", "a"]);
        assert_eq!(
            p[1].prior.as_ref().unwrap()["data"]["v"],
            "1",
            "the state before the run"
        );
    }

    #[test]
    fn server_fields_are_left_out_of_a_restore() {
        let prior = json!({"metadata": {"name": "x", "uid": "u", "resourceVersion": "5", "managedFields": []}, "spec": {}, "status": {"a": 1}});
        let r = restorable(&prior, Some("9"));
        assert_eq!(
            r,
            json!({"metadata": {"name": "x", "resourceVersion": "9"}, "spec": {}})
        );
    }
}
