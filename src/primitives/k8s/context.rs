//! Where the run points, and checks before anything changes.

use super::convert::to_dynamic;
use super::mutate::{mutate, Mutation};
use super::{K8s, Result};
use crate::drivers::kube::nodes;
use crate::drivers::kube::objects::{self, Change};
use crate::primitives::doc;
use crate::primitives::error::error_at;
use orion_glob::glob;
use rhai::{Array, Dynamic, Module, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;

fn nodes(k: &K8s, ctx: &NativeCallContext) -> Result<Vec<Value>> {
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, "nodes")?;
    let all = k.run(ctx, objects::list(&cluster, &kind, None, ""))?;
    Ok(all.iter().map(nodes::summary).collect())
}

pub(super) fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "context",
        "The cluster the run targets: #{name, server, namespace, user}.",
        &["map"],
    )
    .set_into_module(module, move |ctx: NativeCallContext| context(&k, &ctx));
    let k = k8s.clone();
    doc(
        "require_context",
        "Fails unless the context's name matches the pattern (* and ? wildcards), e.g. \"prod-*\".",
        &["pattern: &str", "()"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, pattern: &str| {
        require_context(&k, &ctx, pattern)
    });
    let k = k8s.clone();
    doc(
        "nodes",
        "The cluster's nodes: [#{name, ready, unschedulable, cpu, memory, pods}].",
        &["array"],
    )
    .set_into_module(module, move |ctx: NativeCallContext| -> Result<Array> {
        Ok(nodes(&k, &ctx)?.iter().map(to_dynamic).collect())
    });
    let k = k8s.clone();
    doc(
        "require_nodes",
        "Fails unless at least n nodes are ready and schedulable.",
        &["n: i64", "()"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, n: i64| {
        require_nodes(&k, &ctx, n)
    });
    let k = k8s.clone();
    doc(
        "namespace_exists",
        "True when the namespace exists.",
        &["name: &str", "bool"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, name: &str| {
        namespace_exists(&k, &ctx, name)
    });
    let k = k8s.clone();
    doc(
        "ensure_namespace",
        "Creates the namespace unless it exists; returns \"created\" or \"exists\".",
        &["name: &str", "String"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, name: &str| {
        ensure_namespace(&k, &ctx, name)
    });
}

/// `k8s::context()`.
fn context(k: &K8s, ctx: &NativeCallContext) -> Result<Dynamic> {
    let c = k.cluster(ctx)?;
    let i = &c.info;
    Ok(to_dynamic(
        &json!({"name": i.name, "server": i.server, "namespace": i.namespace, "user": i.user}),
    ))
}

/// `k8s::require_context(pattern)`.
fn require_context(k: &K8s, ctx: &NativeCallContext, pattern: &str) -> Result<()> {
    let c = k.cluster(ctx)?;
    if glob(pattern, &c.info.name) {
        return Ok(());
    }
    Err(error_at(
        ctx,
        format!(
            "the run targets context \"{}\", not one matching \"{pattern}\"\nhint: pass --context with the right cluster",
            c.info.name
        ),
    ))
}

/// `k8s::require_nodes(n)`.
fn require_nodes(k: &K8s, ctx: &NativeCallContext, n: i64) -> Result<()> {
    let all = nodes(k, ctx)?;
    let usable = all.iter().filter(|n| nodes::usable(n)).count();
    if usable as i64 >= n {
        return Ok(());
    }
    Err(error_at(
        ctx,
        format!(
            "{usable} of {} nodes are ready and schedulable; {n} are required",
            all.len()
        ),
    ))
}

/// `k8s::namespace_exists(name)`.
fn namespace_exists(k: &K8s, ctx: &NativeCallContext, name: &str) -> Result<bool> {
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, "namespaces")?;
    Ok(k.run(ctx, objects::get(&cluster, &kind, "", name))?
        .is_some())
}

/// `k8s::ensure_namespace(name)`: created through the door unless it exists.
fn ensure_namespace(k: &K8s, ctx: &NativeCallContext, name: &str) -> Result<String> {
    if namespace_exists(k, ctx, name)? {
        return Ok("exists".into());
    }
    let kind = k.kind(ctx, "namespaces")?;
    let object = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    mutate(
        k,
        ctx,
        Mutation {
            kind: &kind,
            namespace: "",
            name,
            change: Change::Create(object),
            summary: "create namespace".into(),
        },
    )?;
    Ok("created".into())
}
