//! `k8s::apply`: server-side apply (field manager "orion") of one object or
//! a plan, dependencies first, with each object's result (the journal keeps
//! what each object was before).

use super::convert::{from_dynamic, to_dynamic};
use super::mutate::{mutate, Mutation};
use super::plan::Plan;
use super::{K8s, Result};
use crate::drivers::kube::manifests::rank;
use crate::drivers::kube::objects::Change;
use crate::primitives::doc;
use crate::primitives::error::{error_at, innermost, message};
use rhai::{Array, Dynamic, Map, Module, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;

/// "Deployment" in "apps/v1" → "Deployment.apps", as kind lookup takes it.
pub(super) fn qualified(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or_default();
    match object["apiVersion"]
        .as_str()
        .and_then(|v| v.split_once('/'))
    {
        Some((group, _)) => format!("{kind}.{group}"),
        None => kind.to_string(),
    }
}

/// Equal but for what the server keeps for itself (field ownership, the
/// version): an apply that only took ownership changed nothing that matters.
fn same_content(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v["metadata"].as_object_mut() {
            m.remove("managedFields");
            m.remove("resourceVersion");
        }
        v
    };
    strip(a) == strip(b)
}

/// Applies one object; `source` names where it came from, for errors.
fn apply_one(
    k: &K8s,
    ctx: &NativeCallContext,
    object: &Value,
    source: Option<&str>,
) -> Result<Value> {
    // Runtime errors name the manifest; a refusal, an approval not given or
    // Ctrl-C stay what they are (uncatchable, with their own exit codes).
    let within = |e: Box<rhai::EvalAltResult>| match (source, innermost(&e)) {
        (_, rhai::EvalAltResult::ErrorTerminated(..)) | (None, _) => e,
        (Some(s), _) => error_at(ctx, format!("{s}: {}", message(&e))),
    };
    let Some(name) = object["metadata"]["name"].as_str() else {
        return Err(within(error_at(
            ctx,
            "an object to apply needs kind and metadata.name",
        )));
    };
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, &qualified(object)).map_err(within)?;
    let ns = if kind.namespaced {
        object["metadata"]["namespace"]
            .as_str()
            .unwrap_or(cluster.namespace())
            .to_string()
    } else {
        String::new()
    };
    let passed = mutate(
        k,
        ctx,
        Mutation {
            kind: &kind,
            namespace: &ns,
            name,
            change: Change::Apply(object.clone()),
            summary: "apply".into(),
        },
    )
    .map_err(within)?;
    // What the door read before the change: the object is read once.
    let result = match &passed.prior {
        None => "created",
        Some(b) if same_content(b, &passed.made) => "unchanged",
        Some(_) => "configured",
    };
    Ok(json!({"kind": kind.resource.kind, "name": name, "namespace": ns, "result": result}))
}

pub(super) fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "apply",
        "Applies one object (a map with apiVersion, kind, metadata.name) server-side as field manager \"orion\", taking over fields other managers set; returns #{kind, name, namespace, result: created|configured|unchanged}.",
        &["object: map", "map"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, object: Map| -> Result<Dynamic> {
        let object = from_dynamic(&ctx, &Dynamic::from_map(object))?;
        Ok(to_dynamic(&apply_one(&k, &ctx, &object, None)?))
    });

    let k = k8s.clone();
    doc(
        "apply",
        "Applies every object of a plan, dependencies first (namespaces, CRDs, accounts and RBAC, config, Services, workloads); returns each object's result.",
        &["plan: Plan", "array"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, plan: Plan| -> Result<Array> {
        let mut ordered: Vec<_> = plan.manifests.iter().collect();
        ordered.sort_by_key(|m| rank(m.kind()));
        ordered
            .iter()
            .map(|m| apply_one(&k, &ctx, &m.object, Some(&m.source)).map(|r| to_dynamic(&r)))
            .collect()
    });
}
