//! A Deployment's status: counts summed over its ReplicaSets, and the
//! Available and Progressing conditions with the real reasons.

use crate::controllers::deployment::resolve;
use crate::controllers::object::{name, replicas};
use serde_json::{json, Value};

/// What the controller did to the rollout in this pass.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Progress {
    None,
    Created,
    Updated,
}

fn count(rs: &Value, field: &str) -> i64 {
    rs["status"][field].as_i64().unwrap_or(0)
}

fn seconds_since(time: &Value, now: &str) -> Option<i64> {
    let then: jiff::Timestamp = time.as_str()?.parse().ok()?;
    let now: jiff::Timestamp = now.parse().ok()?;
    Some(now.as_second() - then.as_second())
}

/// The status of `d` given its ReplicaSets; `new_set` names the one of its current template.
pub fn status(
    d: &Value,
    sets: &[Value],
    new_set: Option<&str>,
    progress: Progress,
    now: &str,
) -> Value {
    let want = replicas(d);
    let new = sets.iter().find(|rs| Some(name(rs)) == new_set);
    let total: i64 = sets.iter().map(|rs| count(rs, "replicas")).sum();
    let updated = new.map_or(0, |rs| count(rs, "replicas"));
    let ready: i64 = sets.iter().map(|rs| count(rs, "readyReplicas")).sum();
    let available: i64 = sets.iter().map(|rs| count(rs, "availableReplicas")).sum();
    let max_unavailable = resolve(
        &d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
        want,
        false,
        25,
    );
    let previous = &d["status"];
    let mut out = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": total,
        "updatedReplicas": updated,
    });
    if ready > 0 {
        out["readyReplicas"] = json!(ready);
    }
    if available > 0 {
        out["availableReplicas"] = json!(available);
    }
    if want - available > 0 {
        out["unavailableReplicas"] = json!(want - available);
    }
    let changed_counts = [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ]
    .iter()
    .any(|f| previous[*f] != out[*f]);
    let rs_name = new.map(name).unwrap_or_default();
    let available_cond =
        if d["spec"]["strategy"]["type"] == "Recreate" || available >= want - max_unavailable {
            (
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.".to_string(),
            )
        } else {
            (
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.".to_string(),
            )
        };
    let complete = new.is_some() && updated == want && total == want && available >= want;
    let prior = find(previous, "Progressing");
    let deadline = d["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600);
    let progressing = if d["spec"]["paused"] == true {
        Some((
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused".to_string(),
            true,
        ))
    } else if complete {
        Some((
            "True",
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            false,
        ))
    } else if progress == Progress::Created {
        Some((
            "True",
            "NewReplicaSetCreated",
            format!("Created new replica set \"{rs_name}\""),
            true,
        ))
    } else if progress == Progress::Updated || changed_counts {
        Some((
            "True",
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{rs_name}\" is progressing."),
            true,
        ))
    } else if prior.is_some_and(|p| {
        p["reason"] != "ProgressDeadlineExceeded"
            && seconds_since(&p["lastUpdateTime"], now).is_some_and(|s| s > deadline)
    }) {
        Some((
            "False",
            "ProgressDeadlineExceeded",
            format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
            false,
        ))
    } else {
        None
    };
    let mut conditions = vec![condition(
        previous,
        "Available",
        available_cond.0,
        available_cond.1,
        &available_cond.2,
        false,
        now,
    )];
    match progressing {
        Some((status, reason, message, touch)) => conditions.push(condition(
            previous,
            "Progressing",
            status,
            reason,
            &message,
            touch,
            now,
        )),
        None => conditions.extend(prior.cloned()),
    }
    out["conditions"] = json!(conditions);
    out
}

fn find<'a>(status: &'a Value, kind: &str) -> Option<&'a Value> {
    status["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

/// A condition that keeps its times unless it changed (`touch` marks progress).
fn condition(
    previous: &Value,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    touch: bool,
    now: &str,
) -> Value {
    let prior = find(previous, kind);
    let same = prior
        .is_some_and(|p| p["status"] == status && p["reason"] == reason && p["message"] == message);
    let transition = match prior {
        Some(p) if p["status"] == status => p["lastTransitionTime"].clone(),
        _ => json!(now),
    };
    let update = match prior {
        Some(p) if same && !touch => p["lastUpdateTime"].clone(),
        _ => json!(now),
    };
    json!({
        "type": kind,
        "status": status,
        "lastUpdateTime": update,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    })
}
