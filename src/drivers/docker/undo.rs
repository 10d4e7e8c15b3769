//! Putting a container back from its journal entry. The entry's namespace
//! is the daemon (as `Where::journaled` writes it), its name the
//! container's, and its prior either nothing (the run made it: it is
//! removed) or the container that was there: `{"id", "image", "running"}`.
//! That container is never deleted by a run — a replaced or removed one is
//! kept, stopped, under another name (`names::kept`) — so no configuration,
//! and none of its environment's secrets, is copied into the journal.

use super::containers::{find, remove, rename, start};
use super::daemon::{connect, Where};
use super::names::kept;
use super::spec::RUN;
use crate::guard::journal::Entry;
use serde_json::{json, Value};

/// The api_version of a container's entry.
pub const CONTAINER: &str = "orion.dev/docker";
/// The api_version of a Swarm service's entry: prior is what it had of the
/// parts orion changes (`swarm::Parts`), with the version it was read at.
pub const SERVICE: &str = "orion.dev/docker-service";

/// How long an undone service may take to converge.
const SERVICE_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Puts a service's image, replicas and update settings back, and waits
/// until Swarm has rolled them out.
pub async fn undo_service(e: &Entry) -> Result<&'static str, String> {
    use super::swarm::{inspect, update, update_started, wait, Awaited, Parts};
    let d = connect(Where::from_journal(&e.namespace)).await?;
    let before = Parts::from_json(e.prior.as_ref().ok_or("the journal entry has no prior")?);
    let (service, version) = inspect(&d, &e.name).await?;
    let now = Parts::of(&service["Spec"]);
    if now.image == before.image && now.replicas == before.replicas && now.update == before.update {
        return Ok("unchanged");
    }
    let awaited = if now.image == before.image {
        Awaited::Scale
    } else {
        Awaited::Update
    };
    let spec = before.onto(service["Spec"].clone());
    update(&d, &e.name, version, spec, false).await?;
    wait(
        &d,
        &e.name,
        awaited,
        update_started(&service),
        SERVICE_WAIT,
        |_| {},
    )
    .await
    .map(|_| "restored")
    .map_err(|why| format!("put back, but {why}"))
}

/// What a container's entry keeps of the one that was there.
pub fn prior(id: &str, image: &str, running: bool) -> Value {
    json!({"id": id, "image": image, "running": running})
}

fn check_id(id: &str) -> Result<(), String> {
    if (12..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!("the journal's container id \"{id}\" is not one"))
    }
}

/// Removes the container run `e.run` made as `e.name`, under that name or
/// kept under another by a later change of the same run.
async fn made_by(d: &super::daemon::Daemon, e: &Entry) -> Result<&'static str, String> {
    let mut removed = false;
    for name in [e.name.clone(), kept(&e.name)] {
        let Some(c) = find(d, &name).await? else {
            continue;
        };
        let run = c
            .config
            .and_then(|x| x.labels)
            .and_then(|l| l.get(RUN).cloned());
        if run.as_deref() == Some(e.run.as_str()) {
            remove(d, &name).await?;
            removed = true;
        }
    }
    if removed {
        Ok("removed")
    } else {
        Err(format!(
            "no container {} made by run {} is left to remove",
            e.name, e.run
        ))
    }
}

/// Undoes one container entry: "removed" or "restored".
pub async fn undo(e: &Entry) -> Result<&'static str, String> {
    let d = connect(Where::from_journal(&e.namespace)).await?;
    let name = e.name.as_str();
    let Some(prior) = &e.prior else {
        return made_by(&d, e).await;
    };
    let id = prior["id"].as_str().unwrap_or_default();
    check_id(id)?;
    let Some(was) = find(&d, id).await? else {
        return Err(format!(
            "the container that was {name} ({}) is gone, so it cannot be put back",
            &id[..12]
        ));
    };
    if let Some(now) = find(&d, name).await? {
        if now.id.as_deref() != Some(id) {
            remove(&d, name).await?;
        }
    }
    let current = was.name.unwrap_or_default();
    if current.trim_start_matches('/') != name {
        rename(&d, id, name).await?;
    }
    if prior["running"].as_bool().unwrap_or(false) {
        start(&d, name).await?;
    }
    Ok("restored")
}
