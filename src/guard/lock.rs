//! The deploy lock: a coordination.k8s.io Lease per namespace, taken before
//! a run's first change, renewed while it runs and released when it ends. A
//! second run waits for it, saying who holds it and until when; a lease
//! whose holder stopped renewing is taken over once it has expired, and a
//! rollback of a run takes over that run's own lease at once.

use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::retry::retry;
use crate::drivers::kube::Cluster;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{Api, DeleteParams, PostParams, Preconditions};
use serde_json::json;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long a lease lasts without renewal.
pub const LEASE_SECONDS: i32 = 15;
const RENEW_EVERY: Duration = Duration::from_secs(5);
const RETRY_EVERY: Duration = Duration::from_millis(250);

/// A lock this run holds; renewed until released.
pub struct Held {
    pub namespace: String,
    pub name: String,
    holder: String,
    renew: JoinHandle<()>,
    api: Api<Lease>,
}

/// Writes as field manager "orion", like every other change.
fn orion() -> PostParams {
    PostParams {
        field_manager: Some("orion".into()),
        ..PostParams::default()
    }
}

fn now() -> MicroTime {
    MicroTime(jiff::Timestamp::now())
}

/// The lease's name: one per namespace, whatever the environment.
pub fn lease_name() -> String {
    "orion-deploy".to_string()
}

/// Whether a lease has run out (its holder stopped renewing it).
fn expired(lease: &Lease) -> bool {
    let Some(spec) = &lease.spec else { return true };
    let (Some(renewed), Some(secs)) = (&spec.renew_time, spec.lease_duration_seconds) else {
        return true;
    };
    let until = renewed.0 + jiff::SignedDuration::from_secs(i64::from(secs));
    until < jiff::Timestamp::now()
        || spec
            .holder_identity
            .as_deref()
            .unwrap_or_default()
            .is_empty()
}

fn fresh(name: &str, holder: &str, rv: Option<String>) -> Lease {
    let mut lease: Lease = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "orion"}},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": LEASE_SECONDS},
    }))
    .unwrap_or_default();
    lease.metadata.resource_version = rv;
    if let Some(spec) = lease.spec.as_mut() {
        spec.acquire_time = Some(now());
        spec.renew_time = Some(now());
    }
    lease
}

/// Who holds `lease`, and until when it stays theirs without renewal.
pub fn holder_of(lease: &Lease) -> (String, Option<jiff::Timestamp>) {
    let spec = lease.spec.clone().unwrap_or_default();
    let until = match (spec.renew_time, spec.lease_duration_seconds) {
        (Some(r), Some(secs)) => Some(r.0 + jiff::SignedDuration::from_secs(i64::from(secs))),
        _ => None,
    };
    (spec.holder_identity.unwrap_or_default(), until)
}

/// Whether run `run` holds the deploy lock of `ns` now (a lease it keeps
/// renewing): how a run's liveness is told from another process.
pub async fn held_by_run(cluster: &Cluster, ns: &str, run: &str) -> Result<bool, K8sError> {
    let api: Api<Lease> = Api::namespaced(cluster.client.clone(), ns);
    let name = lease_name();
    let lease = retry("reading the deploy lock", || api.get_opt(&name)).await?;
    Ok(lease.is_some_and(|l| {
        let holder = holder_of(&l).0;
        !expired(&l) && holder.contains(&format!(" run {run}")) && !dead_here(&holder)
    }))
}

/// Whether `holder` ("alice@build-7 pid 4242 run ...") names a process of
/// this machine that is no longer running: no need to wait for its lease
/// to expire to know it is gone.
fn dead_here(holder: &str) -> bool {
    let Some((_, rest)) = holder.split_once('@') else {
        return false;
    };
    let mut words = rest.split_whitespace();
    let (Some(host), Some("pid"), Some(pid)) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    let this_host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    host == this_host
        && pid.parse::<u32>().is_ok()
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// How to take the lock: how long to wait for another run, whose lease may
/// be taken at once (the run a rollback undoes), and what to tell the
/// operator while waiting.
pub struct Taking<'a> {
    pub wait: Duration,
    /// A run id: its lease is taken over at once.
    pub run_undone: Option<&'a str>,
    pub say: &'a (dyn Fn(String) + Send + Sync),
}

/// Takes the lock, waiting up to `how.wait` for another run to release it.
pub async fn acquire(
    cluster: &Cluster,
    ns: &str,
    name: &str,
    holder: &str,
    how: &Taking<'_>,
) -> Result<Held, K8sError> {
    let wait = how.wait;
    let api: Api<Lease> = Api::namespaced(cluster.client.clone(), ns);
    let started = tokio::time::Instant::now();
    let mut said = false;
    let undone = |l: &Lease| {
        how.run_undone
            .is_some_and(|run| holder_of(l).0.contains(&format!(" run {run}")))
    };
    loop {
        let current = retry("reading the deploy lock", || api.get_opt(name)).await?;
        let attempt = match &current {
            None => api
                .create(&orion(), &fresh(name, holder, None))
                .await
                .map(|_| ()),
            Some(l)
                if expired(l)
                    || undone(l)
                    || l.spec.as_ref().and_then(|s| s.holder_identity.as_deref())
                        == Some(holder) =>
            {
                let take = fresh(name, holder, l.metadata.resource_version.clone());
                api.replace(name, &orion(), &take).await.map(|_| ())
            }
            Some(l) => {
                let spec = l.spec.clone().unwrap_or_default();
                if !said {
                    said = true;
                    let (by, until) = holder_of(l);
                    (how.say)(format!(
                        "waiting up to {} for the deploy lock {ns}/{name}: {by} holds it{}",
                        crate::duration::format(wait),
                        until
                            .map(|u| format!(" (until {u} unless renewed)"))
                            .unwrap_or_default()
                    ));
                }
                if started.elapsed() >= wait {
                    return Err(K8sError::new(format!(
                        "the deploy lock {ns}/{name} is held by {} (since {}); waited {:.0?}\nhint: wait for that run to finish, or pass a longer --lock-timeout",
                        spec.holder_identity.unwrap_or_default(),
                        spec.acquire_time.map(|t| t.0.to_string()).unwrap_or_default(),
                        wait
                    )));
                }
                tokio::time::sleep(RETRY_EVERY).await;
                continue;
            }
        };
        match attempt {
            Ok(()) => break,
            // Another run got there first: look again.
            Err(kube::Error::Api(s)) if s.code == 409 => continue,
            // The server stumbled: try again shortly.
            Err(kube::Error::Api(s)) if matches!(s.code, 429 | 500..=504) => {
                tokio::time::sleep(RETRY_EVERY).await;
                continue;
            }
            Err(e) => return Err(K8sError::from_kube("taking the deploy lock", e)),
        }
    }
    let renew = tokio::spawn(renew(api.clone(), name.to_string(), holder.to_string()));
    Ok(Held {
        namespace: ns.to_string(),
        name: name.to_string(),
        holder: holder.to_string(),
        renew,
        api,
    })
}

/// Keeps the lease fresh while the run goes on.
async fn renew(api: Api<Lease>, name: String, holder: String) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let Ok(mut lease) = api.get(&name).await else {
            continue;
        };
        let ours = lease
            .spec
            .as_ref()
            .and_then(|s| s.holder_identity.as_deref())
            == Some(holder.as_str());
        if !ours {
            tracing::error!("the deploy lock {name} was taken over by another run");
            return;
        }
        if let Some(spec) = lease.spec.as_mut() {
            spec.renew_time = Some(now());
        }
        let _ = api.replace(&name, &orion(), &lease).await;
    }
}

impl Held {
    /// Stops renewing and deletes the lease if it is still this run's.
    pub async fn release(self) -> Result<(), K8sError> {
        self.renew.abort();
        let lease = match retry("reading the deploy lock", || self.api.get_opt(&self.name)).await? {
            Some(l) => l,
            None => return Ok(()),
        };
        if lease
            .spec
            .as_ref()
            .and_then(|s| s.holder_identity.as_deref())
            != Some(self.holder.as_str())
        {
            return Ok(());
        }
        let dp = DeleteParams {
            preconditions: Some(Preconditions {
                resource_version: lease.metadata.resource_version.clone(),
                uid: None,
            }),
            ..DeleteParams::default()
        };
        match retry("releasing the deploy lock", || {
            self.api.delete(&self.name, &dp)
        })
        .await
        {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.code, Some(404 | 409)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
