//! Where the run points, and checks before anything changes.

use super::convert::to_dynamic;
use super::mutate::{mutate, Mutation};
use super::{K8s, Result};
use crate::drivers::kube::objects::{self, Change};
use crate::primitives::doc;
use crate::primitives::error::error_at;
use orion_glob::glob;
use rhai::{Array, Dynamic, Module, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;

fn node_summary(n: &Value) -> Value {
    let ready = n["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True");
    let cap = &n["status"]["capacity"];
    json!({
        "name": n["metadata"]["name"],
        "ready": ready,
        "unschedulable": n["spec"]["unschedulable"] == true,
        "cpu": cap["cpu"],
        "memory": cap["memory"],
        "pods": cap["pods"],
    })
}

fn nodes(k: &K8s, ctx: &NativeCallContext) -> Result<Vec<Value>> {
    let cluster = k.cluster(ctx)?;
    let kind = k.kind(ctx, "nodes")?;
    let all = k.run(ctx, objects::list(&cluster, &kind, None, ""))?;
    Ok(all.iter().map(node_summary).collect())
}

pub fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "context",
        "The cluster the run targets: #{name, server, namespace, user}.",
        &["map"],
    )
    .set_into_module(module, move |ctx: NativeCallContext| -> Result<Dynamic> {
        let c = k.cluster(&ctx)?;
        let i = &c.info;
        Ok(to_dynamic(
            &json!({"name": i.name, "server": i.server, "namespace": i.namespace, "user": i.user}),
        ))
    });

    let k = k8s.clone();
    doc(
        "require_context",
        "Fails unless the context's name matches the pattern (* and ? wildcards), e.g. \"prod-*\".",
        &["pattern: &str", "()"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, pattern: &str| -> Result<()> {
        let c = k.cluster(&ctx)?;
        if glob(pattern, &c.info.name) {
            Ok(())
        } else {
            Err(error_at(
                &ctx,
                format!(
                    "the run targets context \"{}\", not one matching \"{pattern}\"\nhint: pass --context with the right cluster",
                    c.info.name
                ),
            ))
        }
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
    .set_into_module(
        module,
        move |ctx: NativeCallContext, n: i64| -> Result<()> {
            let all = nodes(&k, &ctx)?;
            let usable = all
                .iter()
                .filter(|n| n["ready"] == true && n["unschedulable"] == false)
                .count();
            if usable as i64 >= n {
                Ok(())
            } else {
                Err(error_at(
                    &ctx,
                    format!(
                        "{usable} of {} nodes are ready and schedulable; {n} are required",
                        all.len()
                    ),
                ))
            }
        },
    );

    let k = k8s.clone();
    doc(
        "namespace_exists",
        "True when the namespace exists.",
        &["name: &str", "bool"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, name: &str| -> Result<bool> {
            let cluster = k.cluster(&ctx)?;
            let kind = k.kind(&ctx, "namespaces")?;
            Ok(k.run(&ctx, objects::get(&cluster, &kind, "", name))?
                .is_some())
        },
    );

    let k = k8s.clone();
    doc(
        "ensure_namespace",
        "Creates the namespace unless it exists; returns \"created\" or \"exists\".",
        &["name: &str", "String"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, name: &str| -> Result<String> {
            let cluster = k.cluster(&ctx)?;
            let kind = k.kind(&ctx, "namespaces")?;
            if k.run(&ctx, objects::get(&cluster, &kind, "", name))?
                .is_some()
            {
                return Ok("exists".into());
            }
            let object =
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
            mutate(
                &k,
                &ctx,
                Mutation {
                    kind: &kind,
                    namespace: "",
                    name,
                    change: Change::Create(object),
                    summary: "create namespace".into(),
                },
            )?;
            Ok("created".into())
        },
    );
}
