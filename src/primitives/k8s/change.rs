//! Changing workloads: image, replicas, restart, any patch, delete, and going
//! back to an earlier revision — each through `mutate`.

use super::convert::{from_dynamic, opt_int, to_dynamic};
use super::mutate::{mutate, Mutation};
use super::{workload, K8s, Result};
use crate::drivers::kube::kinds::Kind;
use crate::drivers::kube::objects::{self, Change};
use crate::primitives::doc;
use crate::primitives::error::error_at;
use rhai::{Array, Dynamic, Map, Module, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;

/// Makes one change to an object in the run's namespace (through `mutate`).
pub(super) fn change(
    k: &K8s,
    ctx: &NativeCallContext,
    kind: &Kind,
    name: &str,
    change: Change,
    summary: String,
) -> Result<Value> {
    let ns = k.cluster(ctx)?.info.namespace.clone();
    mutate(
        k,
        ctx,
        Mutation {
            kind,
            namespace: &ns,
            name,
            change,
            summary,
        },
    )
    .map(|passed| passed.made)
}

/// The workload `text` names ("web", "statefulset/db"), which must exist.
fn existing(k: &K8s, ctx: &NativeCallContext, text: &str) -> Result<(Kind, String, Value)> {
    let (kind, name) = workload(text);
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, kind)?;
    let object = k
        .run(
            ctx,
            objects::get(&cluster, &kind, cluster.namespace(), name),
        )?
        .ok_or_else(|| {
            error_at(
                ctx,
                format!(
                    "{} \"{name}\" not found in namespace {}",
                    kind.resource.kind.to_ascii_lowercase(),
                    cluster.namespace()
                ),
            )
        })?;
    Ok((kind, name.to_string(), object))
}

fn containers(o: &Value) -> Vec<String> {
    o["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

fn set_image(
    k: &K8s,
    ctx: &NativeCallContext,
    target: &str,
    container: Option<&str>,
    image: &str,
) -> Result<Dynamic> {
    let (kind, name, object) = existing(k, ctx, target)?;
    let names = containers(&object);
    let container = match container {
        Some(c) if names.iter().any(|n| n == c) => c.to_string(),
        Some(c) => {
            return Err(error_at(ctx, format!("{target} has no container \"{c}\"\nhint: its containers: {}", names.join(", "))))
        }
        None if names.len() == 1 => names[0].clone(),
        None => {
            return Err(error_at(
                ctx,
                format!("{target} has {} containers\nhint: name one: k8s::set_image(\"{target}\", \"CONTAINER\", \"{image}\") — {}", names.len(), names.join(", ")),
            ))
        }
    };
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}});
    let out = change(
        k,
        ctx,
        &kind,
        &name,
        Change::Merge(patch),
        format!("set image {container}={image}"),
    )?;
    Ok(to_dynamic(&out))
}

/// A workload's revisions, oldest first: (number, pod template, change cause).
/// A Deployment keeps them in its ReplicaSets; a StatefulSet or DaemonSet in
/// ControllerRevisions.
fn revisions(
    k: &K8s,
    ctx: &NativeCallContext,
    kind: &Kind,
    workload: &Value,
) -> Result<Vec<(i64, Value, Value)>> {
    let cluster = k.cluster(ctx)?;
    let deployment = kind.resource.kind == "Deployment";
    if !deployment && !matches!(kind.resource.kind.as_str(), "StatefulSet" | "DaemonSet") {
        return Err(error_at(
            ctx,
            format!(
                "{} has no revisions; Deployments, StatefulSets and DaemonSets do",
                kind.resource.kind
            ),
        ));
    }
    let holder = k.kind(
        ctx,
        if deployment {
            "replicasets.apps"
        } else {
            "controllerrevisions.apps"
        },
    )?;
    let uid = workload["metadata"]["uid"].clone();
    let all = k.run(
        ctx,
        objects::list(&cluster, &holder, Some(cluster.namespace()), ""),
    )?;
    let mut mine: Vec<(i64, Value, Value)> = all
        .into_iter()
        .filter(|r| {
            r["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|o| o["uid"] == uid)
        })
        .filter_map(|r| {
            let cause = r["metadata"]["annotations"]["kubernetes.io/change-cause"].clone();
            if deployment {
                let rev = r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()?
                    .parse()
                    .ok()?;
                Some((rev, template_without_hash(&r["spec"]["template"]), cause))
            } else {
                let mut template = r["data"]["spec"]["template"].clone();
                if let Some(t) = template.as_object_mut() {
                    t.remove("$patch");
                }
                Some((r["revision"].as_i64()?, template, cause))
            }
        })
        .collect();
    mine.sort_by_key(|(rev, _, _)| *rev);
    Ok(mine)
}

fn template_without_hash(template: &Value) -> Value {
    let mut t = template.clone();
    if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
    }
    t
}

fn undo(k: &K8s, ctx: &NativeCallContext, target: &str, to: Option<i64>) -> Result<Dynamic> {
    let (kind, name, object) = existing(k, ctx, target)?;
    let revs = revisions(k, ctx, &kind, &object)?;
    let newest = revs.last().map_or(0, |(r, _, _)| *r);
    let current: i64 = object["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(newest);
    let chosen = match to {
        Some(0) | None => revs.iter().rev().find(|(r, _, _)| *r < current),
        Some(n) => revs.iter().find(|(r, _, _)| *r == n),
    };
    let Some((revision, template, _)) = chosen else {
        let known: Vec<String> = revs.iter().map(|(r, _, _)| r.to_string()).collect();
        return Err(error_at(
            ctx,
            match to {
                Some(n) if n > 0 => format!(
                    "{target} has no revision {n}\nhint: its revisions: {}",
                    known.join(", ")
                ),
                _ => format!("{target} has no earlier revision to go back to"),
            },
        ));
    };
    if *template == object["spec"]["template"] {
        return Ok(to_dynamic(&json!({"revision": revision, "skipped": true})));
    }
    change(
        k,
        ctx,
        &kind,
        &name,
        Change::Json(json!([{"op": "replace", "path": "/spec/template", "value": template}])),
        format!("roll back to revision {revision}"),
    )?;
    Ok(to_dynamic(&json!({"revision": revision, "skipped": false})))
}

pub(super) fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "set_image",
        "Sets the image of a single-container workload: k8s::set_image(\"web\", \"shop/web:2\").",
        &["workload: &str", "image: &str", "map"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, target: &str, image: &str| {
            set_image(&k, &ctx, target, None, image)
        },
    );
    let k = k8s.clone();
    doc(
        "set_image",
        "Sets one container's image: k8s::set_image(\"deployment/web\", \"web\", \"shop/web:2\").",
        &["workload: &str", "container: &str", "image: &str", "map"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, target: &str, container: &str, image: &str| {
            set_image(&k, &ctx, target, Some(container), image)
        },
    );

    let k = k8s.clone();
    doc(
        "scale",
        "Sets a workload's replicas.",
        &["workload: &str", "replicas: i64", "map"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, target: &str, replicas: i64| {
            scale(&k, &ctx, target, replicas)
        },
    );
    let k = k8s.clone();
    doc(
        "restart",
        "Restarts a workload's pods with a rolling update (as kubectl rollout restart).",
        &["workload: &str", "map"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, target: &str| {
        restart(&k, &ctx, target)
    });
    let k = k8s.clone();
    doc(
        "patch",
        "Merges a map into an object (strategic merge for built-in kinds).",
        &["kind: &str", "name: &str", "patch: map", "map"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, kind: &str, name: &str, patch: Map| {
            patch_object(&k, &ctx, kind, name, patch)
        },
    );
    let k = k8s.clone();
    doc(
        "delete",
        "Deletes an object (its dependents follow in the background); () if it was not there.",
        &["kind: &str", "name: &str", "?"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, kind: &str, name: &str| delete(&k, &ctx, kind, name),
    );
    let k = k8s.clone();
    doc(
        "history",
        "A Deployment's, StatefulSet's or DaemonSet's revisions, oldest first: [#{revision, images, change_cause}].",
        &["workload: &str", "array"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, target: &str| {
        history(&k, &ctx, target)
    });
    let k = k8s.clone();
    doc("rollout_undo", "Rolls a Deployment, StatefulSet or DaemonSet back to its previous revision (as kubectl rollout undo); returns #{revision, skipped}.", &["workload: &str", "map"])
        .set_into_module(module, move |ctx: NativeCallContext, target: &str| undo(&k, &ctx, target, None));
    let k = k8s.clone();
    doc(
        "rollout_undo",
        "Rolls a workload back to a revision: #{to_revision: 3}.",
        &["workload: &str", "options: map", "map"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, target: &str, opts: Map| {
            undo(&k, &ctx, target, opt_int(&opts, "to_revision"))
        },
    );
}

/// `k8s::scale(workload, replicas)`.
fn scale(k: &K8s, ctx: &NativeCallContext, target: &str, replicas: i64) -> Result<Dynamic> {
    if replicas < 0 {
        return Err(error_at(
            ctx,
            format!("replicas must not be negative, got {replicas}"),
        ));
    }
    let (kind, name, _) = existing(k, ctx, target)?;
    let out = change(
        k,
        ctx,
        &kind,
        &name,
        Change::Merge(json!({"spec": {"replicas": replicas}})),
        format!("scale to {replicas}"),
    )?;
    Ok(to_dynamic(&out))
}

/// `k8s::restart(workload)`: a new restartedAt annotation rolls the pods.
fn restart(k: &K8s, ctx: &NativeCallContext, target: &str) -> Result<Dynamic> {
    let (kind, name, _) = existing(k, ctx, target)?;
    let now = jiff::Timestamp::now().to_string();
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}});
    let out = change(k, ctx, &kind, &name, Change::Merge(patch), "restart".into())?;
    Ok(to_dynamic(&out))
}

/// `k8s::patch(kind, name, patch)`.
fn patch_object(
    k: &K8s,
    ctx: &NativeCallContext,
    kind: &str,
    name: &str,
    patch: Map,
) -> Result<Dynamic> {
    let kind = k.kind(ctx, kind)?;
    let patch = from_dynamic(ctx, &Dynamic::from_map(patch))?;
    let out = change(k, ctx, &kind, name, Change::Merge(patch), "patch".into())?;
    Ok(to_dynamic(&out))
}

/// `k8s::delete(kind, name)`: () when there is nothing to delete.
fn delete(k: &K8s, ctx: &NativeCallContext, kind: &str, name: &str) -> Result<Dynamic> {
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, kind)?;
    if k.run(
        ctx,
        objects::get(&cluster, &kind, cluster.namespace(), name),
    )?
    .is_none()
    {
        return Ok(Dynamic::UNIT);
    }
    let out = change(k, ctx, &kind, name, Change::Delete, "delete".into())?;
    Ok(to_dynamic(&out))
}

/// `k8s::history(workload)`: its revisions with their images.
fn history(k: &K8s, ctx: &NativeCallContext, target: &str) -> Result<Array> {
    let (kind, _, object) = existing(k, ctx, target)?;
    Ok(revisions(k, ctx, &kind, &object)?
        .iter()
        .map(|(rev, template, cause)| {
            let images: Vec<Value> = template["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c["image"].clone())
                .collect();
            to_dynamic(&json!({"revision": rev, "images": images, "change_cause": cause}))
        })
        .collect())
}
