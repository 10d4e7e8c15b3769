//! Containers through the Engine API: found, made and started (the image
//! pulled only when the daemon does not have it), waited for until healthy
//! — or running, without a health check — failing as soon as one exits or
//! turns unhealthy, with its exit code and last log lines; stopped,
//! started, renamed, removed, listed.

use super::daemon::Daemon;
use super::names::{check_container, check_image};
use super::spec::RunSpec;
use bollard::errors::Error;
use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerSummary, HealthStatusEnum,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, RenameContainerOptions, StopContainerOptions,
};
use futures::StreamExt;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How often a starting container is looked at.
const LOOK: Duration = Duration::from_millis(100);
/// How long a container without a health check must keep running before
/// it counts as up: one that crashes at once is caught, not let through.
pub const STEADY: Duration = Duration::from_secs(1);
/// Log lines shown when a container fails.
const TAIL: usize = 20;

fn not_found(e: &Error) -> bool {
    matches!(
        e,
        Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// The daemon's message, without bollard's wrapping.
fn said(e: Error) -> String {
    match e {
        Error::DockerResponseServerError { message, .. } => message,
        other => other.to_string(),
    }
}

/// The container called `name`, if there is one.
pub async fn find(d: &Daemon, name: &str) -> Result<Option<ContainerInspectResponse>, String> {
    check_container(name)?;
    match d.docker.inspect_container(name, None).await {
        Ok(c) => Ok(Some(c)),
        Err(e) if not_found(&e) => Ok(None),
        Err(e) => Err(format!("inspecting container {name}: {}", said(e))),
    }
}

/// Pulls `image` unless the daemon has it.
pub async fn have_image(d: &Daemon, image: &str) -> Result<(), String> {
    check_image(image)?;
    match d.docker.inspect_image(image).await {
        Ok(_) => return Ok(()),
        Err(e) if not_found(&e) => {}
        Err(e) => return Err(format!("inspecting image {image}: {}", said(e))),
    }
    let options = CreateImageOptions {
        from_image: Some(image.to_string()),
        ..Default::default()
    };
    let mut pulling = d.docker.create_image(Some(options), None, None);
    while let Some(step) = pulling.next().await {
        step.map_err(|e| {
            format!(
                "image {image} is not on the Docker daemon at {} and pulling it failed: {}\nhint: docker pull (or docker load) it there first",
                d.at.address,
                said(e)
            )
        })?;
    }
    Ok(())
}

/// Makes the container `spec` says and starts it; returns its id.
pub async fn create_and_start(d: &Daemon, spec: &RunSpec) -> Result<String, String> {
    spec.check()?;
    have_image(d, &spec.image).await?;
    create_body(d, &spec.name, spec.body()?).await
}

/// Makes container `name` from `body` (its image present) and starts it;
/// returns its id.
pub async fn create_body(
    d: &Daemon,
    name: &str,
    body: ContainerCreateBody,
) -> Result<String, String> {
    check_container(name)?;
    let options = CreateContainerOptions {
        name: Some(name.to_string()),
        ..Default::default()
    };
    let made = d
        .docker
        .create_container(Some(options), body)
        .await
        .map_err(|e| format!("creating container {name}: {}", said(e)))?;
    d.docker
        .start_container(&made.id, None)
        .await
        .map_err(|e| format!("starting container {name}: {}", said(e)))?;
    Ok(made.id)
}

/// The last `n` lines the container wrote (stdout and stderr).
pub async fn logs(d: &Daemon, name: &str, n: usize) -> Result<Vec<String>, String> {
    check_container(name)?;
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        tail: n.to_string(),
        ..Default::default()
    };
    let mut stream = d.docker.logs(name, Some(options));
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("reading the logs of {name}: {}", said(e)))?;
        text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
    }
    Ok(text.lines().map(str::to_string).collect())
}

/// How a started container came up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Up {
    /// Its health check passed.
    Healthy,
    /// It has no health check and kept running for `STEADY`.
    Running,
}

/// What went wrong with a starting container, with its last log lines.
async fn failed(d: &Daemon, name: &str, what: String) -> String {
    let lines = logs(d, name, TAIL).await.unwrap_or_default();
    if lines.is_empty() {
        return format!("{what}; it wrote nothing");
    }
    format!("{what}; its last lines:\n  {}", lines.join("\n  "))
}

/// Waits until `name` is healthy (or, without a health check, has kept
/// running for `STEADY` without a restart), within `timeout`; fails at once
/// when it exits, restarts or turns unhealthy.
/// `waiting` is told, now and then, what it still waits for.
pub async fn wait_up(
    d: &Daemon,
    name: &str,
    timeout: Duration,
    mut waiting: impl FnMut(&str),
) -> Result<Up, String> {
    let started = Instant::now();
    let mut said_at = Instant::now();
    let mut running_since: Option<Instant> = None;
    let mut restarts: Option<i64> = None;
    loop {
        let c = find(d, name)
            .await?
            .ok_or_else(|| format!("container {name} is gone"))?;
        let count = c.restart_count.unwrap_or(0);
        if restarts.is_some_and(|first| count > first) {
            return Err(failed(
                d,
                name,
                format!("container {name} restarted while starting"),
            )
            .await);
        }
        restarts.get_or_insert(count);
        let state = c.state.unwrap_or_default();
        let running = state.running.unwrap_or(false);
        let health = state.health.and_then(|h| h.status);
        let restarting = state.restarting.unwrap_or(false);
        if !running && !restarting {
            let code = state.exit_code.unwrap_or_default();
            let error = state
                .error
                .filter(|e| !e.is_empty())
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            return Err(failed(
                d,
                name,
                format!("container {name} exited with code {code}{error}"),
            )
            .await);
        }
        match health {
            Some(HealthStatusEnum::HEALTHY) => return Ok(Up::Healthy),
            Some(HealthStatusEnum::UNHEALTHY) => {
                return Err(failed(d, name, format!("container {name} is unhealthy")).await)
            }
            None | Some(HealthStatusEnum::NONE | HealthStatusEnum::EMPTY)
                if running
                    && running_since.get_or_insert_with(Instant::now).elapsed() >= STEADY =>
            {
                return Ok(Up::Running)
            }
            _ => {}
        }
        let now = if restarting { "restarting" } else { "starting" };
        if started.elapsed() >= timeout {
            return Err(failed(
                d,
                name,
                format!(
                    "container {name} is still {now} after {}",
                    crate::duration::format(timeout)
                ),
            )
            .await);
        }
        if said_at.elapsed() >= Duration::from_secs(10) {
            said_at = Instant::now();
            waiting(&format!(
                "container {name}: still {now} after {}",
                crate::duration::format(started.elapsed())
            ));
        }
        tokio::time::sleep(LOOK).await;
    }
}

/// Stops `name`, waiting `grace` before SIGKILL.
pub async fn stop(d: &Daemon, name: &str, grace: Duration) -> Result<(), String> {
    check_container(name)?;
    let options = StopContainerOptions {
        t: Some(i32::try_from(grace.as_secs()).unwrap_or(i32::MAX)),
        ..Default::default()
    };
    match d.docker.stop_container(name, Some(options)).await {
        // 304: it was not running.
        Ok(())
        | Err(Error::DockerResponseServerError {
            status_code: 304, ..
        }) => Ok(()),
        Err(e) => Err(format!("stopping container {name}: {}", said(e))),
    }
}

/// Starts `name` (already made).
pub async fn start(d: &Daemon, name: &str) -> Result<(), String> {
    check_container(name)?;
    match d.docker.start_container(name, None).await {
        Ok(())
        | Err(Error::DockerResponseServerError {
            status_code: 304, ..
        }) => Ok(()),
        Err(e) => Err(format!("starting container {name}: {}", said(e))),
    }
}

/// Removes `name`, stopping it first if it runs.
pub async fn remove(d: &Daemon, name: &str) -> Result<(), String> {
    check_container(name)?;
    let options = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    match d.docker.remove_container(name, Some(options)).await {
        Ok(()) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(format!("removing container {name}: {}", said(e))),
    }
}

/// Renames `from` to `to`.
pub async fn rename(d: &Daemon, from: &str, to: &str) -> Result<(), String> {
    check_container(from)?;
    check_container(to)?;
    let options = RenameContainerOptions {
        name: to.to_string(),
    };
    d.docker
        .rename_container(from, options)
        .await
        .map_err(|e| format!("renaming container {from} to {to}: {}", said(e)))
}

/// Containers, running or not, matching Docker's list `filters`
/// (#{label: ["app=web"], name: ["web"], status: ["running"]}).
pub async fn list(
    d: &Daemon,
    filters: HashMap<String, Vec<String>>,
) -> Result<Vec<ContainerSummary>, String> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    d.docker
        .list_containers(Some(options))
        .await
        .map_err(|e| format!("listing containers: {}", said(e)))
}
