//! Pre-checks and service lookups: tools a playbook shells out to, workloads
//! that must be healthy before a change, where a Service answers, and how
//! often a pattern shows up in logs.

use super::convert::to_dynamic;
use super::{workload, K8s, Result};
use crate::drivers::kube::objects;
use crate::drivers::kube::rollout::{hopeless, selector, verdict, Verdict};
use crate::primitives::doc;
use crate::primitives::error::error_at;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use rhai::{Array, Dynamic, Module, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;

/// Whether `tool` is an executable on PATH.
fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let p = dir.join(tool);
            p.metadata().is_ok_and(|m| {
                m.is_file()
                    && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
            })
        })
    })
}

fn strings(ctx: &NativeCallContext, list: &Array, what: &str) -> Result<Vec<String>> {
    list.iter()
        .map(|v| {
            v.clone()
                .into_string()
                .map_err(|t| error_at(ctx, format!("{what} must be strings, got {t}")))
        })
        .collect()
}

pub fn register(module: &mut Module, k8s: &Arc<K8s>) {
    doc("require_tools", "Fails unless every named program is on PATH: k8s::require_tools([\"kubectl\", \"helm\"]).", &["tools: array", "()"])
        .set_into_module(module, |ctx: NativeCallContext, tools: Array| -> Result<()> {
            let missing: Vec<String> = strings(&ctx, &tools, "tool names")?.into_iter().filter(|t| !on_path(t)).collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(error_at(&ctx, format!("not installed (or not on PATH): {}\nhint: install them, or run where they are", missing.join(", "))))
            }
        });

    let k = k8s.clone();
    doc(
        "require_healthy",
        "Fails unless every named workload (\"web\", \"statefulset/db\") is fully rolled out and available, with no crash-looping pod.",
        &["workloads: array", "()"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, names: Array| -> Result<()> {
        let cluster = k.cluster(&ctx)?;
        let mut problems = vec![];
        for text in strings(&ctx, &names, "workload names")? {
            let (kind, name) = workload(&text);
            let kind = k.kind(&ctx, kind)?;
            let Some(o) = k.run(&ctx, objects::get(&cluster, &kind, cluster.namespace(), name))? else {
                problems.push(format!("{text}: not found"));
                continue;
            };
            if let Verdict::Waiting(w) | Verdict::Failed(w) = verdict(&kind.resource.kind, &o) {
                problems.push(format!("{text}: {w}"));
            }
            let pods_kind = k.kind(&ctx, "pods")?;
            let pods = k.run(&ctx, objects::list(&cluster, &pods_kind, Some(cluster.namespace()), &selector(&o)))?;
            for p in &pods {
                if let Some(why) = hopeless(p, 0) {
                    problems.push(format!("{text}: pod {}: {why}", p["metadata"]["name"].as_str().unwrap_or_default()));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(error_at(&ctx, format!("not healthy:\n  {}", problems.join("\n  "))))
        }
    });

    let k = k8s.clone();
    doc(
        "endpoints",
        "A Service's addresses: #{ready: [\"ip:port\"], not_ready: [...]}.",
        &["service: &str", "map"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, service: &str| -> Result<Dynamic> {
            let cluster = k.cluster(&ctx)?;
            let kind = k.kind(&ctx, "endpoints")?;
            let ep = k
                .run(
                    &ctx,
                    objects::get(&cluster, &kind, cluster.namespace(), service),
                )?
                .unwrap_or(Value::Null);
            let (mut ready, mut not_ready) = (vec![], vec![]);
            for subset in ep["subsets"].as_array().into_iter().flatten() {
                for port in subset["ports"].as_array().into_iter().flatten() {
                    let p = port["port"].as_i64().unwrap_or_default();
                    for a in subset["addresses"].as_array().into_iter().flatten() {
                        ready.push(format!("{}:{p}", a["ip"].as_str().unwrap_or_default()));
                    }
                    for a in subset["notReadyAddresses"].as_array().into_iter().flatten() {
                        not_ready.push(format!("{}:{p}", a["ip"].as_str().unwrap_or_default()));
                    }
                }
            }
            Ok(to_dynamic(&json!({"ready": ready, "not_ready": not_ready})))
        },
    );

    let k = k8s.clone();
    doc(
        "service_url",
        "Where a Service answers on a port: http://ADDRESS:PORT with its LoadBalancer address, else its ClusterIP.",
        &["service: &str", "port: i64", "String"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, service: &str, port: i64| -> Result<String> {
        let cluster = k.cluster(&ctx)?;
        let kind = k.kind(&ctx, "services")?;
        let svc = k
            .run(&ctx, objects::get(&cluster, &kind, cluster.namespace(), service))?
            .ok_or_else(|| error_at(&ctx, format!("service \"{service}\" not found in namespace {}", cluster.namespace())))?;
        if !svc["spec"]["ports"].as_array().into_iter().flatten().any(|p| p["port"].as_i64() == Some(port)) {
            let ports: Vec<String> = svc["spec"]["ports"].as_array().into_iter().flatten().map(|p| p["port"].to_string()).collect();
            return Err(error_at(&ctx, format!("service \"{service}\" has no port {port}\nhint: its ports: {}", ports.join(", "))));
        }
        let ingress = &svc["status"]["loadBalancer"]["ingress"][0];
        let host = ingress["ip"].as_str().or(ingress["hostname"].as_str()).or(svc["spec"]["clusterIP"].as_str().filter(|ip| *ip != "None"));
        match host {
            Some(h) => Ok(format!("http://{h}:{port}")),
            None => Err(error_at(&ctx, format!("service \"{service}\" has no address (headless or ExternalName)"))),
        }
    });

    let k = k8s.clone();
    doc(
        "count_log_matches",
        "How many log lines of the pods matching a selector contain the pattern, within a window: k8s::count_log_matches(\"app=web\", \"ERROR\", \"5m\").",
        &["selector: &str", "pattern: &str", "since: &str", "i64"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, selector: &str, pattern: &str, since: &str| -> Result<i64> {
        let window = crate::duration::parse(since).map_err(|e| error_at(&ctx, e))?;
        let cluster = k.cluster(&ctx)?;
        let pods_kind = k.kind(&ctx, "pods")?;
        let pods = k.run(&ctx, objects::list(&cluster, &pods_kind, Some(cluster.namespace()), selector))?;
        let api: Api<Pod> = Api::namespaced(cluster.client.clone(), cluster.namespace());
        let mut count = 0i64;
        // A pod not started yet has no log to read.
        for p in pods.iter().filter(|p| p["status"]["phase"] != "Pending") {
            let name = p["metadata"]["name"].as_str().unwrap_or_default();
            for c in p["spec"]["containers"].as_array().into_iter().flatten() {
                let params = LogParams {
                    container: c["name"].as_str().map(str::to_string),
                    since_seconds: Some(window.as_secs().max(1) as i64),
                    ..LogParams::default()
                };
                let what = format!("reading the log of pod {name}");
                let text = k.run(&ctx, crate::drivers::kube::retry::retry(&what, || api.logs(name, &params)))?;
                count += text.lines().filter(|l| l.contains(pattern)).count() as i64;
            }
        }
        Ok(count)
    });
}
