//! Swarm services through the Engine API: read, updated (image, replicas,
//! update settings) against the version they were read at, and watched
//! until Swarm says the update completed — woken by the daemon's service
//! events, so "completed" is seen as soon as the daemon reports it — or
//! failing with the failing tasks' errors when it paused or rolled back.
//! Swarm's own rollback (to the previous spec) too. What a change replaces
//! is `Parts`: the image, replicas and update settings — never the
//! environment, so no secret is journaled.

use super::daemon::Daemon;
use super::names::{check_container, check_image};
use bollard::errors::Error;
use bollard::query_parameters::{
    EventsOptions, InspectServiceOptions, ListTasksOptions, UpdateServiceOptions,
};
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The longest a watch waits between looks when no event comes.
const LOOK: Duration = Duration::from_secs(1);

/// What orion changes of a service, read back or put back as one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parts {
    pub image: Option<String>,
    pub replicas: Option<u64>,
    /// UpdateConfig's fields as the API names them (Parallelism, Delay,
    /// FailureAction, Monitor, Order), each only when set.
    pub update: serde_json::Map<String, Value>,
}

impl Parts {
    /// What `spec` (a ServiceSpec as JSON) says of them.
    pub fn of(spec: &Value) -> Parts {
        Parts {
            image: spec["TaskTemplate"]["ContainerSpec"]["Image"]
                .as_str()
                .map(str::to_string),
            replicas: spec["Mode"]["Replicated"]["Replicas"].as_u64(),
            update: spec["UpdateConfig"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// `spec` with these parts written over it.
    pub fn onto(&self, mut spec: Value) -> Value {
        if let Some(image) = &self.image {
            spec["TaskTemplate"]["ContainerSpec"]["Image"] = json!(image);
        }
        if let Some(n) = self.replicas {
            spec["Mode"]["Replicated"]["Replicas"] = json!(n);
        }
        if !self.update.is_empty() {
            let config = &mut spec["UpdateConfig"];
            if !config.is_object() {
                *config = json!({});
            }
            for (k, v) in &self.update {
                config[k.as_str()] = v.clone();
            }
        }
        spec
    }

    /// For the journal.
    pub fn to_json(&self, version: u64) -> Value {
        json!({"version": version, "image": self.image, "replicas": self.replicas, "update": self.update})
    }

    pub fn from_json(v: &Value) -> Parts {
        Parts {
            image: v["image"].as_str().map(str::to_string),
            replicas: v["replicas"].as_u64(),
            update: v["update"].as_object().cloned().unwrap_or_default(),
        }
    }
}

fn said(e: Error) -> String {
    match e {
        Error::DockerResponseServerError { message, .. } => message,
        other => other.to_string(),
    }
}

/// A service as the API gives it, as JSON, with its version index.
pub async fn inspect(d: &Daemon, name: &str) -> Result<(Value, u64), String> {
    check_container(name)?;
    let options = InspectServiceOptions {
        insert_defaults: false,
    };
    let service = d.docker.inspect_service(name, Some(options)).await.map_err(|e| match e {
        Error::DockerResponseServerError { status_code: 404, .. } => format!(
            "no Swarm service named {name} on the Docker daemon at {}\nhint: docker service ls shows them",
            d.at.address
        ),
        Error::DockerResponseServerError { status_code: 503, message } => format!(
            "the Docker daemon at {} is not a Swarm manager: {message}\nhint: run against a manager node (docker node ls), or docker swarm init",
            d.at.address
        ),
        other => format!("inspecting service {name}: {}", said(other)),
    })?;
    let v = serde_json::to_value(&service).map_err(|e| e.to_string())?;
    let version = v["Version"]["Index"].as_u64().unwrap_or_default();
    Ok((v, version))
}

/// Writes `parts` over service `name`'s spec, read at `version` (a service
/// changed since is an error, not overwritten). `rollback`: Swarm's own,
/// to the previous spec, instead.
pub async fn update(
    d: &Daemon,
    name: &str,
    version: u64,
    spec: Value,
    rollback: bool,
) -> Result<(), String> {
    if let Some(image) = spec["TaskTemplate"]["ContainerSpec"]["Image"].as_str() {
        check_image(image.split('@').next().unwrap_or(image))?;
    }
    let spec = serde_json::from_value(spec).map_err(|e| format!("the service's spec: {e}"))?;
    let options = UpdateServiceOptions {
        version: i32::try_from(version)
            .map_err(|_| format!("service {name}: version {version} is out of range"))?,
        rollback: rollback.then(|| "previous".to_string()),
        ..Default::default()
    };
    d.docker
        .update_service(name, spec, options, None)
        .await
        .map(|_| ())
        .map_err(|e| format!("updating service {name}: {}", said(e)))
}

/// The service's tasks, newest first.
pub async fn tasks(d: &Daemon, name: &str) -> Result<Vec<Value>, String> {
    check_container(name)?;
    let options = ListTasksOptions {
        filters: Some(HashMap::from([(
            "service".to_string(),
            vec![name.to_string()],
        )])),
    };
    let mut list: Vec<Value> = d
        .docker
        .list_tasks(Some(options))
        .await
        .map_err(|e| format!("listing the tasks of {name}: {}", said(e)))?
        .iter()
        .filter_map(|t| serde_json::to_value(t).ok())
        .collect();
    list.sort_by(|a, b| b["UpdatedAt"].as_str().cmp(&a["UpdatedAt"].as_str()));
    Ok(list)
}

/// "task web.1 (orion-test/web:3): failed: task: non-zero exit (3)".
fn failing(tasks: &[Value], image: Option<&str>) -> Vec<String> {
    tasks
        .iter()
        .filter(|t| {
            let task_image = t["Spec"]["ContainerSpec"]["Image"].as_str();
            image.is_none_or(|i| task_image.is_some_and(|ti| ti.split('@').next() == Some(i)))
        })
        .filter(|t| {
            let state = t["Status"]["State"].as_str().unwrap_or_default();
            matches!(state, "failed" | "rejected")
                || !t["Status"]["Err"].as_str().unwrap_or_default().is_empty()
        })
        .take(5)
        .map(|t| {
            let status = &t["Status"];
            let err = status["Err"]
                .as_str()
                .filter(|e| !e.is_empty())
                .or(status["Message"].as_str())
                .unwrap_or_default();
            format!(
                "task {}.{} ({}): {}: {err}",
                t["ServiceID"]
                    .as_str()
                    .map_or("?", |s| &s[..s.len().min(12)]),
                t["Slot"],
                t["Spec"]["ContainerSpec"]["Image"].as_str().unwrap_or("?"),
                status["State"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// Whether every task meant to run does, with `replicas` of them.
fn settled(tasks: &[Value], replicas: Option<u64>) -> bool {
    let meant: Vec<&Value> = tasks
        .iter()
        .filter(|t| t["DesiredState"] == "running")
        .collect();
    meant.iter().all(|t| t["Status"]["State"] == "running")
        && replicas.is_none_or(|n| meant.len() as u64 == n)
}

/// What a watch waits for after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaited {
    /// A new UpdateStatus that says completed.
    Update,
    /// Swarm's own rollback: a new UpdateStatus that says rollback_completed.
    Rollback,
    /// Only the replicas changed (Swarm keeps no UpdateStatus for it):
    /// every task meant to run runs, as many as asked.
    Scale,
}

/// When the service's last update started (to tell a new one from it).
pub fn update_started(service: &Value) -> Option<String> {
    service["UpdateStatus"]["StartedAt"]
        .as_str()
        .map(str::to_string)
}

/// Waits until the change made after `before` (the service's
/// `update_started` then) has finished, within `timeout`. Fails when Swarm
/// paused or rolled back the update, with the failing tasks' errors. Woken
/// by the daemon's events for the service; `waiting` is told now and then.
pub async fn wait(
    d: &Daemon,
    name: &str,
    awaited: Awaited,
    before: Option<String>,
    timeout: Duration,
    mut waiting: impl FnMut(&str),
) -> Result<(), String> {
    let options = EventsOptions {
        filters: Some(HashMap::from([
            ("type".to_string(), vec!["service".to_string()]),
            ("service".to_string(), vec![name.to_string()]),
        ])),
        ..Default::default()
    };
    let mut events = d.docker.events(Some(options));
    let started = Instant::now();
    let mut said_at = Instant::now();
    let done = match awaited {
        Awaited::Rollback => "rollback_completed",
        _ => "completed",
    };
    loop {
        let (service, _) = inspect(d, name).await?;
        let spec = &service["Spec"];
        let image = spec["TaskTemplate"]["ContainerSpec"]["Image"]
            .as_str()
            .map(|i| i.split('@').next().unwrap_or(i).to_string());
        let ours = update_started(&service) != before;
        let state = if ours {
            service["UpdateStatus"]["State"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else {
            String::new()
        };
        let message = service["UpdateStatus"]["Message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if state == done {
            return Ok(());
        }
        let failed_states: &[&str] = match awaited {
            Awaited::Rollback => &["paused", "rollback_paused"],
            _ => &[
                "paused",
                "rollback_started",
                "rollback_paused",
                "rollback_completed",
            ],
        };
        if failed_states.contains(&state.as_str()) {
            let list = tasks(d, name).await?;
            let failed = failing(&list, None);
            let why = if failed.is_empty() {
                String::new()
            } else {
                format!(":\n  {}", failed.join("\n  "))
            };
            return Err(format!(
                "service {name}: Swarm says the update is {state} ({message}){why}"
            ));
        }
        if awaited == Awaited::Scale && settled(&tasks(d, name).await?, Parts::of(spec).replicas) {
            return Ok(());
        }
        let now = if state.is_empty() {
            "starting".to_string()
        } else {
            state.clone()
        };
        if started.elapsed() >= timeout {
            let list = tasks(d, name).await.unwrap_or_default();
            let failed = failing(&list, image.as_deref());
            let why = if failed.is_empty() {
                String::new()
            } else {
                format!(":\n  {}", failed.join("\n  "))
            };
            return Err(format!(
                "service {name}: the update is still {now} after {}{why}",
                crate::duration::format(timeout)
            ));
        }
        if said_at.elapsed() >= Duration::from_secs(10) {
            said_at = Instant::now();
            waiting(&format!("service {name}: still {now} ({message})"));
        }
        // The next event for the service, or a look anyway after a while.
        let _ = tokio::time::timeout(LOOK, events.next()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_read_written_and_journaled_without_the_environment() {
        let spec = json!({"Name": "web", "TaskTemplate": {"ContainerSpec": {"Image": "shop/web:1", "Env": ["DB_PASSWORD=s3cret"]}},
            "Mode": {"Replicated": {"Replicas": 2}}, "UpdateConfig": {"Parallelism": 1, "Order": "stop-first"}});
        let before = Parts::of(&spec);
        assert_eq!(before.image.as_deref(), Some("shop/web:1"));
        assert_eq!(before.replicas, Some(2));
        let journaled = before.to_json(7);
        assert!(!journaled.to_string().contains("s3cret"));
        assert_eq!(Parts::from_json(&journaled), before);
        let mut want = Parts {
            image: Some("shop/web:2".into()),
            ..Parts::default()
        };
        want.update.insert("Order".into(), json!("start-first"));
        let after = want.onto(spec.clone());
        assert_eq!(
            after["TaskTemplate"]["ContainerSpec"]["Image"],
            "shop/web:2"
        );
        assert_eq!(
            after["TaskTemplate"]["ContainerSpec"]["Env"][0],
            "DB_PASSWORD=s3cret"
        );
        assert_eq!(
            after["UpdateConfig"],
            json!({"Parallelism": 1, "Order": "start-first"})
        );
        assert_eq!(before.onto(after), spec);
    }

    #[test]
    fn failing_tasks_are_named_with_their_errors_and_settling_counts_replicas() {
        let tasks = [
            json!({"ServiceID": "abcdef0123456789", "Slot": 1, "DesiredState": "shutdown",
                "Spec": {"ContainerSpec": {"Image": "shop/web:3@sha256:x"}},
                "Status": {"State": "failed", "Err": "task: non-zero exit (3)"}}),
            json!({"ServiceID": "abcdef0123456789", "Slot": 2, "DesiredState": "running",
                "Spec": {"ContainerSpec": {"Image": "shop/web:2"}}, "Status": {"State": "running"}}),
        ];
        assert_eq!(
            failing(&tasks, Some("shop/web:3")),
            ["task abcdef012345.1 (shop/web:3@sha256:x): failed: task: non-zero exit (3)"]
        );
        assert!(failing(&tasks, Some("shop/web:2")).is_empty());
        assert!(settled(&tasks, Some(1)) && !settled(&tasks, Some(2)));
    }
}
