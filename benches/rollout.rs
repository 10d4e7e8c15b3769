//! Figures for watching rollouts (run: `cargo bench --bench rollout`):
//! - from the moment a rollout is complete in the cluster to `wait_rollout`
//!   returning, against `kubectl rollout status` in the same run (target < 50 ms);
//! - API requests issued while waiting for one 60-second rollout: the watch
//!   against a loop that reads the Deployment every 5 seconds.
//!
//! Prints figures; asserts nothing about them.

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams, PostParams};
use orion::drivers::kube::connect::connect;
use orion::drivers::kube::kinds::Kinds;
use orion::drivers::kube::rollout::{self, verdict, Options, Verdict};
use orion_sim::resources::find;
use orion_sim::{Sim, SimConfig, Timing};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn deployment(replicas: i32, surge: i32) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "strategy": {"rollingUpdate": {"maxSurge": surge, "maxUnavailable": 0}},
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "shop/web:0"}]}},
        },
    }))
    .unwrap()
}

fn timing(start: u64, ready: u64) -> SimConfig {
    SimConfig {
        timing: Timing {
            start: Duration::from_millis(start),
            ready: Duration::from_millis(ready),
            tick: Duration::from_millis(20),
            backoff: Duration::from_secs(10),
            stop: Duration::from_millis(50),
        },
        ..SimConfig::default()
    }
}

/// When the Deployment in the store first reads as rolled out.
async fn done_in_store(sim: &Sim) -> Instant {
    let r = find("apps", "v1", "deployments").unwrap();
    loop {
        if let Some(d) = sim.api().store.get(r, "default", "web") {
            if verdict("Deployment", &d) == Verdict::Done {
                return Instant::now();
            }
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn latency(dir: &Path) {
    let sim = Sim::start(timing(300, 300)).await.unwrap();
    let kubeconfig = dir.join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let cluster = connect(Some(&kubeconfig), None, None).await.unwrap();
    let kind = Kinds::discover(cluster.client.clone())
        .await
        .unwrap()
        .find("deployment")
        .unwrap();
    let api: Api<Deployment> = Api::default_namespaced(cluster.client.clone());
    api.create(&PostParams::default(), &deployment(3, 1))
        .await
        .unwrap();
    rollout::wait(
        &cluster,
        &kind,
        "default",
        "web",
        &Options::default(),
        |_, _| {},
    )
    .await
    .unwrap();
    let (mut ours, mut theirs) = (vec![], vec![]);
    for round in 1..=5 {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": format!("shop/web:{round}")}]}}}});
        api.patch("web", &PatchParams::default(), &Patch::Strategic(patch))
            .await
            .unwrap();
        let kc = kubeconfig.clone();
        let kubectl = tokio::task::spawn_blocking(move || {
            let ok = std::process::Command::new("kubectl")
                .args(["rollout", "status", "deployment/web", "--timeout=60s"])
                .env("KUBECONFIG", &kc)
                .stdout(std::process::Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            (ok, Instant::now())
        });
        let (done, waited, (kubectl_ok, kubectl_at)) = tokio::join!(
            done_in_store(&sim),
            async {
                rollout::wait(
                    &cluster,
                    &kind,
                    "default",
                    "web",
                    &Options::default(),
                    |_, _| {},
                )
                .await
                .unwrap();
                Instant::now()
            },
            async { kubectl.await.unwrap() }
        );
        assert!(kubectl_ok, "kubectl rollout status failed");
        ours.push(waited.saturating_duration_since(done).as_secs_f64() * 1e3);
        theirs.push(kubectl_at.saturating_duration_since(done).as_secs_f64() * 1e3);
    }
    println!(
        "rollout complete in the cluster → wait_rollout returns: median {:.1} ms (5 rollouts; target < 50 ms); kubectl rollout status exits: median {:.1} ms",
        median(ours),
        median(theirs)
    );
    sim.shutdown().await;
}

/// Requests a client makes while a 60 s rollout (4 waves of 15 s) runs.
async fn requests(dir: &Path, watch: bool) -> (u64, Duration) {
    let sim = Sim::start(timing(5_000, 10_000)).await.unwrap();
    let kubeconfig = dir.join(if watch { "watch" } else { "poll" });
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let cluster = connect(Some(&kubeconfig), None, None).await.unwrap();
    let kind = Kinds::discover(cluster.client.clone())
        .await
        .unwrap()
        .find("deployment")
        .unwrap();
    let api: Api<Deployment> = Api::default_namespaced(cluster.client.clone());
    api.create(&PostParams::default(), &deployment(4, 1))
        .await
        .unwrap();
    // Wait for the first version without counting, then roll the second.
    let r = find("apps", "v1", "deployments").unwrap();
    while sim
        .api()
        .store
        .get(r, "default", "web")
        .is_none_or(|d| verdict("Deployment", &d) != Verdict::Done)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "shop/web:1"}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .unwrap();
    let before = sim.api().requests.load(Ordering::Relaxed);
    let started = Instant::now();
    if watch {
        rollout::wait(
            &cluster,
            &kind,
            "default",
            "web",
            &Options::default(),
            |_, _| {},
        )
        .await
        .unwrap();
    } else {
        loop {
            let d = api.get("web").await.unwrap();
            if verdict("Deployment", &serde_json::to_value(&d).unwrap()) == Verdict::Done {
                break;
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }
    let took = started.elapsed();
    let n = sim.api().requests.load(Ordering::Relaxed) - before;
    sim.shutdown().await;
    (n, took)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(latency(dir.path()));
    let ((watched, w_took), (polled, p_took)) = runtime
        .block_on(async { tokio::join!(requests(dir.path(), true), requests(dir.path(), false)) });
    println!(
        "API requests while waiting for one rollout: watching {watched} over {:.0} s; polling every 5 s {polled} over {:.0} s",
        w_took.as_secs_f64(),
        p_took.as_secs_f64()
    );
}
