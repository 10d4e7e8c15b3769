//! Reading the cluster: objects of any kind, pods at a glance, events, logs.

use super::convert::{opt_int, opt_str, to_dynamic};
use super::{K8s, Result};
use crate::drivers::kube::diagnose::{container_state, events_of};
use crate::drivers::kube::objects;
use crate::primitives::doc;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use rhai::{Array, Dynamic, Map, Module, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;

/// What `k8s::pods` shows of a pod (as `kubectl get pods -o wide`).
fn pod_summary(p: &Value, now: jiff::Timestamp) -> Value {
    let statuses = p["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ready = p["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True");
    let restarts: i64 = statuses
        .iter()
        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
        .sum();
    let age = p["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| (now - t).get_seconds())
        .unwrap_or(0);
    let containers: Vec<Value> = statuses
        .iter()
        .map(|c| json!({"name": c["name"], "image": c["image"], "state": container_state(c), "restarts": c["restartCount"]}))
        .collect();
    json!({
        "name": p["metadata"]["name"],
        "phase": p["status"]["phase"],
        "ready": ready,
        "terminating": !p["metadata"]["deletionTimestamp"].is_null(),
        "restarts": restarts,
        "node": p["spec"]["nodeName"],
        "ip": p["status"]["podIP"],
        "age_seconds": age,
        "containers": containers,
    })
}

pub(super) fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "get",
        "One object of any kind as a map, or () when there is none: k8s::get(\"deployment\", \"web\").",
        &["kind: &str", "name: &str", "?"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, kind: &str, name: &str| -> Result<Dynamic> {
        let cluster = k.cluster(&ctx)?;
        let kind = k.kind(&ctx, kind)?;
        let found = k.run(&ctx, objects::get(&cluster, &kind, cluster.namespace(), name))?;
        Ok(found.as_ref().map_or(Dynamic::UNIT, to_dynamic))
    });

    let k = k8s.clone();
    doc(
        "list",
        "Objects of a kind matching a label selector (\"\" for all), as maps.",
        &["kind: &str", "selector: &str", "array"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, kind: &str, selector: &str| -> Result<Array> {
            let cluster = k.cluster(&ctx)?;
            let kind = k.kind(&ctx, kind)?;
            let items = k.run(
                &ctx,
                objects::list(&cluster, &kind, Some(cluster.namespace()), selector),
            )?;
            Ok(items.iter().map(to_dynamic).collect())
        },
    );

    let k = k8s.clone();
    doc(
        "pods",
        "Pods matching a label selector: [#{name, phase, ready, terminating, restarts, node, ip, age_seconds, containers}].",
        &["selector: &str", "array"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, selector: &str| -> Result<Array> {
        let cluster = k.cluster(&ctx)?;
        let kind = k.kind(&ctx, "pods")?;
        let items = k.run(&ctx, objects::list(&cluster, &kind, Some(cluster.namespace()), selector))?;
        let now = jiff::Timestamp::now();
        Ok(items.iter().map(|p| to_dynamic(&pod_summary(p, now))).collect())
    });

    let k = k8s.clone();
    doc(
        "events",
        "Events about one object, oldest first: [#{type, reason, message, count, last}].",
        &["kind: &str", "name: &str", "array"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, kind: &str, name: &str| -> Result<Array> {
            let cluster = k.cluster(&ctx)?;
            let of = k.kind(&ctx, kind)?;
            let events = k.run(
                &ctx,
                events_of(&cluster, cluster.namespace(), &of.resource.kind, name),
            )?;
            let mine: Vec<Value> = events
                .iter()
                .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
                .collect();
            Ok(mine
                .iter()
                .map(|e| {
                    to_dynamic(&json!({
                        "type": e["type"], "reason": e["reason"], "message": e["message"],
                        "count": e["count"], "last": e["lastTimestamp"],
                    }))
                })
                .collect())
        },
    );

    let k = k8s.clone();
    doc(
        "logs",
        "A pod's log; options #{container, tail, since (\"10m\"), previous}.",
        &["pod: &str", "options: map", "String"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, pod: &str, opts: Map| -> Result<String> {
            logs(&k, &ctx, pod, &opts)
        },
    );
    let k = k8s.clone();
    doc(
        "logs",
        "A pod's log (its only or first container).",
        &["pod: &str", "String"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, pod: &str| -> Result<String> {
            logs(&k, &ctx, pod, &Map::new())
        },
    );
}

fn logs(k: &K8s, ctx: &NativeCallContext, pod: &str, opts: &Map) -> Result<String> {
    let cluster = k.cluster(ctx)?;
    let since = match opt_str(opts, "since") {
        Some(text) => Some(
            crate::duration::parse(&text)
                .map_err(|e| crate::primitives::error::error_at(ctx, e))?
                .as_secs() as i64,
        ),
        None => None,
    };
    let params = LogParams {
        container: opt_str(opts, "container"),
        tail_lines: opt_int(opts, "tail"),
        since_seconds: since,
        previous: opts
            .get("previous")
            .and_then(|v| v.as_bool().ok())
            .unwrap_or(false),
        ..LogParams::default()
    };
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), cluster.namespace());
    let what = format!("reading the log of pod {pod}");
    k.run(
        ctx,
        crate::drivers::kube::retry::retry(&what, || api.logs(pod, &params)),
    )
}
