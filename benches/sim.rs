//! Figures for the simulated cluster (run: `cargo bench --bench sim`):
//! - API latency p50/p99 of create and get for 1,000 ConfigMaps through kube-rs;
//! - a 100-replica Deployment rolled with maxSurge 25%: wall time against the
//!   ideal (rollout waves × a pod's start and readiness delays), overhead target < 10%;
//! - resident memory of a simulator holding 5,000 pods.
//!
//! Prints figures; asserts nothing about them.

#[path = "common/mod.rs"]
mod common;
use common::rss_mib;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::{Client, Config};
use orion_sim::{Sim, SimConfig, Timing};
use serde_json::json;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

async fn client(sim: &Sim) -> Client {
    let mut cfg = Config::new(sim.url().parse().unwrap());
    cfg.default_namespace = "default".into();
    Client::try_from(cfg).unwrap()
}

async fn api_latency() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let api: Api<ConfigMap> = Api::default_namespaced(client(&sim).await);
    let (mut creates, mut gets) = (Vec::new(), Vec::new());
    for i in 0..1000 {
        let cm: ConfigMap = serde_json::from_value(
            json!({"metadata": {"name": format!("cm-{i}")}, "data": {"k": "v"}}),
        )
        .unwrap();
        let t = Instant::now();
        api.create(&PostParams::default(), &cm).await.unwrap();
        creates.push(t.elapsed());
        let t = Instant::now();
        api.get(&format!("cm-{i}")).await.unwrap();
        gets.push(t.elapsed());
    }
    creates.sort();
    gets.sort();
    println!(
        "API latency, 1,000 ConfigMaps: create p50 {:.2} ms p99 {:.2} ms; get p50 {:.2} ms p99 {:.2} ms",
        percentile(&creates, 0.5),
        percentile(&creates, 0.99),
        percentile(&gets, 0.5),
        percentile(&gets, 0.99)
    );
    sim.shutdown().await;
}

async fn rollout() {
    let timing = Timing {
        start: Duration::from_millis(300),
        ready: Duration::from_millis(300),
        tick: Duration::from_millis(20),
        backoff: Duration::from_secs(10),
        stop: Duration::from_millis(300),
    };
    let per_pod = timing.start + timing.ready;
    let sim = Sim::start(SimConfig {
        timing,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let api: Api<Deployment> = Api::default_namespaced(client(&sim).await);
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 100,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:1"}]}},
        },
    }))
    .unwrap();
    api.create(&PostParams::default(), &d).await.unwrap();
    wait_rolled_out(&api).await;
    let started = Instant::now();
    api.patch("web", &PatchParams::default(), &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:2"}]}}}})))
        .await
        .unwrap();
    wait_rolled_out(&api).await;
    let took = started.elapsed();
    // 25 surge + 25 unavailable: 50 pods replaced per wave, each wave one start + ready delay.
    let waves = 100_u32.div_ceil(50);
    let ideal = per_pod * waves;
    let overhead = (took.as_secs_f64() / ideal.as_secs_f64() - 1.0) * 100.0;
    println!(
        "100-replica rollout (maxSurge 25%, maxUnavailable 25%, {} ms per pod): {:.0} ms against an ideal {} ms ({waves} waves): overhead {overhead:.1}% (target < 10%)",
        per_pod.as_millis(),
        took.as_secs_f64() * 1e3,
        ideal.as_millis()
    );
    sim.shutdown().await;
}

async fn wait_rolled_out(api: &Api<Deployment>) {
    loop {
        let d = api.get("web").await.unwrap();
        let s = d.status.clone().unwrap_or_default();
        if s.observed_generation >= d.metadata.generation
            && s.updated_replicas == Some(100)
            && s.replicas == Some(100)
            && s.available_replicas == Some(100)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn memory() {
    let before = rss_mib();
    // No nodes to schedule onto: the pods are held, not run, so this measures storage.
    let scenario =
        orion_sim::scenario::Scenario::parse("[cluster]\nnodes = 1\ncpu = \"0\"\n").unwrap();
    let sim = Sim::start(SimConfig {
        scenario,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let api: Api<Pod> = Api::default_namespaced(client(&sim).await);
    for i in 0..5000 {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": format!("p-{i}"), "labels": {"app": "bench", "tier": "web"}},
            "spec": {"containers": [{"name": "web", "image": "web:1", "ports": [{"containerPort": 8080}], "resources": {"requests": {"cpu": "100m"}}}]},
        }))
        .unwrap();
        api.create(&PostParams::default(), &pod).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_mib();
    println!("resident memory with 5,000 pods: {after:.1} MiB (this process before starting the simulator: {before:.1} MiB; growth {:.1} MiB)", after - before);
    sim.shutdown().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        api_latency().await;
        rollout().await;
        memory().await;
    });
}
