//! Waiting for a rollout of a Deployment, StatefulSet or DaemonSet: watched,
//! not polled; done only when the controller has seen the newest spec and
//! every replica is updated and available; failed early — long before the
//! time limit — when the new pods crash-loop or cannot pull their image, or
//! the Deployment exceeds its progress deadline.

use crate::drivers::kube::diagnose;
use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::kinds::Kind;
use crate::drivers::kube::retry::retry;
use crate::drivers::kube::Cluster;
use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::core::ApiResource;
use kube::runtime::{watcher, WatchStreamExt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Options {
    pub timeout: Duration,
    /// Restarts a new pod may have before a crash loop fails the rollout.
    pub max_restarts: i64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: Duration::from_secs(300),
            max_restarts: 2,
        }
    }
}

/// Replica counts, as `kubectl rollout status` shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub desired: i64,
    pub updated: i64,
    pub ready: i64,
    pub available: i64,
}

/// Where a rollout stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Done,
    Waiting(String),
    Failed(String),
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

pub fn progress(kind: &str, o: &Value) -> Progress {
    let s = &o["status"];
    match kind {
        "DaemonSet" => Progress {
            desired: int(&s["desiredNumberScheduled"]),
            updated: int(&s["updatedNumberScheduled"]),
            ready: int(&s["numberReady"]),
            available: int(&s["numberAvailable"]),
        },
        _ => Progress {
            desired: o["spec"]["replicas"].as_i64().unwrap_or(1),
            updated: int(&s["updatedReplicas"]),
            ready: int(&s["readyReplicas"]),
            available: int(&s[if kind == "StatefulSet" {
                "readyReplicas"
            } else {
                "availableReplicas"
            }]),
        },
    }
}

/// The workload's own verdict (pods are judged separately).
pub fn verdict(kind: &str, o: &Value) -> Verdict {
    let generation = int(&o["metadata"]["generation"]);
    let observed = int(&o["status"]["observedGeneration"]);
    if observed < generation {
        return Verdict::Waiting("waiting for the controller to see the new spec".into());
    }
    let p = progress(kind, o);
    let s = &o["status"];
    match kind {
        "Deployment" => {
            let deadline =
                s["conditions"].as_array().into_iter().flatten().find(|c| {
                    c["type"] == "Progressing" && c["reason"] == "ProgressDeadlineExceeded"
                });
            if let Some(c) = deadline {
                return Verdict::Failed(format!(
                    "progress deadline exceeded: {}",
                    c["message"].as_str().unwrap_or_default()
                ));
            }
            let total = int(&s["replicas"]);
            if p.updated < p.desired {
                Verdict::Waiting(format!("{} of {} updated replicas", p.updated, p.desired))
            } else if total > p.updated {
                Verdict::Waiting(format!(
                    "{} old replicas pending termination",
                    total - p.updated
                ))
            } else if p.available < p.updated {
                Verdict::Waiting(format!(
                    "{} of {} updated replicas available",
                    p.available, p.updated
                ))
            } else {
                Verdict::Done
            }
        }
        "StatefulSet" => {
            let partition = o["spec"]["updateStrategy"]["rollingUpdate"]["partition"]
                .as_i64()
                .unwrap_or(0);
            if p.ready < p.desired {
                Verdict::Waiting(format!("{} of {} pods ready", p.ready, p.desired))
            } else if partition == 0 && s["updateRevision"] != s["currentRevision"] {
                Verdict::Waiting(format!("{} of {} pods updated", p.updated, p.desired))
            } else {
                Verdict::Done
            }
        }
        _ => {
            if p.updated < p.desired {
                Verdict::Waiting(format!(
                    "{} of {} updated pods scheduled",
                    p.updated, p.desired
                ))
            } else if p.available < p.desired {
                Verdict::Waiting(format!(
                    "{} of {} updated pods available",
                    p.available, p.desired
                ))
            } else {
                Verdict::Done
            }
        }
    }
}

/// A new pod in trouble that no amount of waiting fixes: why, or None.
pub fn hopeless(pod: &Value, max_restarts: i64) -> Option<String> {
    for c in pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let waiting = c["state"]["waiting"]["reason"].as_str().unwrap_or_default();
        let restarts = int(&c["restartCount"]);
        let name = c["name"].as_str().unwrap_or_default();
        match waiting {
            "ImagePullBackOff"
            | "InvalidImageName"
            | "ErrImageNeverPull"
            | "CreateContainerConfigError" => return Some(format!("container {name}: {waiting}")),
            "CrashLoopBackOff" if restarts > max_restarts => {
                return Some(format!(
                    "container {name}: CrashLoopBackOff after {restarts} restarts"
                ))
            }
            _ => {}
        }
    }
    None
}

fn api_for(cluster: &Cluster, ns: &str, r: &ApiResource) -> Api<DynamicObject> {
    Api::namespaced_with(cluster.client.clone(), ns, r)
}

fn to_value(o: &DynamicObject) -> Value {
    serde_json::to_value(o).unwrap_or(Value::Null)
}

/// The label selector of a workload, as a query string.
pub fn selector(o: &Value) -> String {
    let mut parts: Vec<String> = o["spec"]["selector"]["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    for e in o["spec"]["selector"]["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = e["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match e["operator"].as_str().unwrap_or_default() {
            "In" => parts.push(format!("{key} in ({})", values.join(","))),
            "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
            "Exists" => parts.push(key.to_string()),
            "DoesNotExist" => parts.push(format!("!{key}")),
            _ => {}
        }
    }
    parts.join(",")
}

/// Whether `pod` runs the workload's newest spec.
async fn is_current(
    cluster: &Cluster,
    kind: &str,
    workload: &Value,
    pod: &Value,
    rs_revisions: &mut BTreeMap<String, String>,
) -> bool {
    match kind {
        "Deployment" => {
            // Until the controller has seen the newest spec, the revision it
            // names is the one before: a spec just put back (an undo) would
            // count the pods of the spec it replaced as current.
            let generation = workload["metadata"]["generation"].as_i64().unwrap_or(0);
            let observed = workload["status"]["observedGeneration"]
                .as_i64()
                .unwrap_or(0);
            if observed < generation {
                return false;
            }
            let Some(owner) = pod["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|o| o["kind"] == "ReplicaSet")
                .and_then(|o| o["name"].as_str())
            else {
                return false;
            };
            let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
            if !rs_revisions.contains_key(owner) {
                let rs = ApiResource::erase::<k8s_openapi::api::apps::v1::ReplicaSet>(&());
                let api = api_for(cluster, ns, &rs);
                if let Ok(o) = retry("reading a ReplicaSet", || api.get(owner)).await {
                    let rev = to_value(&o)["metadata"]["annotations"]
                        ["deployment.kubernetes.io/revision"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    rs_revisions.insert(owner.to_string(), rev);
                }
            }
            let want =
                workload["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str();
            rs_revisions.get(owner).map(String::as_str) == want
        }
        "StatefulSet" => {
            pod["metadata"]["labels"]["controller-revision-hash"]
                == workload["status"]["updateRevision"]
        }
        _ => true,
    }
}

/// How often a rollout wait reads the workload besides watching it.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// Waits for the rollout of `name` (`kind` is Deployment, StatefulSet or
/// DaemonSet); `report` hears each change of progress.
pub async fn wait(
    cluster: &Cluster,
    kind: &Kind,
    ns: &str,
    name: &str,
    opts: &Options,
    mut report: impl FnMut(&Progress, &str),
) -> Result<Progress, K8sError> {
    let k = kind.resource.kind.as_str();
    if !matches!(k, "Deployment" | "StatefulSet" | "DaemonSet") {
        return Err(K8sError::new(format!(
            "{k} has no rollout to wait for\nhint: wait_rollout takes a Deployment, StatefulSet or DaemonSet"
        )));
    }
    let started = Instant::now();
    let api = api_for(cluster, ns, &kind.resource);
    let first = retry(&format!("reading {k} {name}"), || api.get(name)).await?;
    let mut workload = to_value(&first);
    let pods_r = ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&());
    let pods_api = api_for(cluster, ns, &pods_r);
    let workload_watch = watcher(
        api.clone(),
        watcher::Config::default().fields(&format!("metadata.name={name}")),
    )
    .default_backoff()
    .applied_objects();
    let pod_watch = watcher(
        pods_api,
        watcher::Config::default().labels(&selector(&workload)),
    )
    .default_backoff();
    futures::pin_mut!(workload_watch);
    futures::pin_mut!(pod_watch);
    let mut pods: BTreeMap<String, Value> = BTreeMap::new();
    let mut rs_revisions = BTreeMap::new();
    let mut last = None;
    let deadline = tokio::time::sleep(opts.timeout);
    tokio::pin!(deadline);
    // A watch on an API server that stopped answering just goes quiet: the
    // workload is also read now and then, which notices it (and refreshes).
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        // Judge what is known now.
        let p = progress(k, &workload);
        match verdict(k, &workload) {
            Verdict::Done => return Ok(p),
            Verdict::Failed(why) => {
                let failing: Vec<Value> = pods.values().cloned().collect();
                return Err(K8sError::new(format!(
                    "{k} {name} failed to roll out: {why}{}",
                    diagnose::pods(cluster, ns, &failing, 3).await
                )));
            }
            Verdict::Waiting(what) => {
                if last.as_ref() != Some(&(p.clone(), what.clone())) {
                    report(&p, &what);
                    last = Some((p.clone(), what));
                }
            }
        }
        let mut hopeless_pods = vec![];
        let mut reasons = vec![];
        for pod in pods.values() {
            if let Some(why) = hopeless(pod, opts.max_restarts) {
                if is_current(cluster, k, &workload, pod, &mut rs_revisions).await {
                    reasons.push(format!(
                        "pod {}: {why}",
                        pod["metadata"]["name"].as_str().unwrap_or_default()
                    ));
                    hopeless_pods.push(pod.clone());
                }
            }
        }
        if !hopeless_pods.is_empty() {
            return Err(K8sError::new(format!(
                "{k} {name} failed to roll out after {:.0?}: {}{}",
                started.elapsed(),
                reasons.join("; "),
                diagnose::pods(cluster, ns, &hopeless_pods, 3).await
            )));
        }
        tokio::select! {
            next = workload_watch.next() => match next {
                Some(Ok(o)) => workload = to_value(&o),
                Some(Err(e)) => tracing::debug!("watching {k} {name}: {e}; resuming"),
                None => return Err(K8sError::new(format!("the watch on {k} {name} ended"))),
            },
            next = pod_watch.next() => match next {
                Some(Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o))) => {
                    let v = to_value(&o);
                    pods.insert(v["metadata"]["name"].as_str().unwrap_or_default().to_string(), v);
                }
                Some(Ok(watcher::Event::Delete(o))) => {
                    pods.remove(o.metadata.name.as_deref().unwrap_or_default());
                }
                Some(Ok(watcher::Event::Init)) => pods.clear(),
                Some(Ok(watcher::Event::InitDone)) => {}
                Some(Err(e)) => tracing::debug!("watching the pods of {k} {name}: {e}; resuming"),
                None => return Err(K8sError::new(format!("the watch on the pods of {k} {name} ended"))),
            },
            _ = heartbeat.tick() => {
                match retry(&format!("reading {k} {name}"), || api.get(name)).await {
                    Ok(o) => workload = to_value(&o),
                    Err(e) if e.unanswered => return Err(e),
                    Err(e) => tracing::debug!("{e}"),
                }
            }
            _ = &mut deadline => {
                let waiting: Vec<Value> = pods.values().filter(|p| !ready(p)).cloned().collect();
                let what = match verdict(k, &workload) { Verdict::Waiting(w) => w, _ => String::new() };
                return Err(K8sError::new(format!(
                    "{k} {name} did not roll out within {:.0?}: {what}{}",
                    opts.timeout,
                    diagnose::pods(cluster, ns, &waiting, 3).await
                )));
            }
        }
    }
}

fn ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(generation: i64, observed: i64, status: Value) -> Value {
        let mut s = status;
        s["observedGeneration"] = json!(observed);
        json!({"metadata": {"generation": generation}, "spec": {"replicas": 3}, "status": s})
    }

    #[test]
    fn a_deployment_is_done_only_when_the_new_spec_is_fully_available() {
        let all = json!({"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3});
        assert_eq!(
            verdict("Deployment", &deployment(2, 2, all.clone())),
            Verdict::Done
        );
        // The counts are the previous rollout's until the controller observes generation 3.
        assert!(matches!(
            verdict("Deployment", &deployment(3, 2, all)),
            Verdict::Waiting(_)
        ));
        let surging = json!({"replicas": 4, "updatedReplicas": 3, "availableReplicas": 3});
        assert!(
            matches!(verdict("Deployment", &deployment(2, 2, surging)), Verdict::Waiting(w) if w.contains("old replicas"))
        );
        let stuck = json!({"conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"web-1\" has timed out progressing."}]});
        assert!(
            matches!(verdict("Deployment", &deployment(2, 2, stuck)), Verdict::Failed(w) if w.contains("timed out"))
        );
    }

    #[test]
    fn crash_loops_beyond_the_allowance_and_pull_failures_are_hopeless() {
        let pod = |reason: &str, restarts: i64| json!({"status": {"containerStatuses": [{"name": "web", "restartCount": restarts, "state": {"waiting": {"reason": reason}}}]}});
        assert!(hopeless(&pod("CrashLoopBackOff", 2), 2).is_none());
        assert!(hopeless(&pod("CrashLoopBackOff", 3), 2)
            .unwrap()
            .contains("3 restarts"));
        assert!(hopeless(&pod("ImagePullBackOff", 0), 2).is_some());
        assert!(hopeless(&pod("ContainerCreating", 0), 2).is_none());
    }

    #[test]
    fn selectors_become_query_strings() {
        let o = json!({"spec": {"selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}}});
        assert_eq!(selector(&o), "app=web,tier in (a,b)");
    }
}
