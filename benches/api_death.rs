//! From an API server that stops answering mid-run to orion's exit 6 with
//! the list of what is left, with the default `[api]` limits, against the
//! target (< 60 s) and the figure issue 17 measured before (about 12
//! minutes: three silent minutes in each of step, undo, summary and lock
//! release).
//!
//!     cargo bench --bench api_death
//!
//! Prints figures; never fails on them (speed is measured, not asserted).

use orion_sim::testing::{ApiProxy, KubectlCluster};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TARGET: Duration = Duration::from_secs(60);
const BEFORE: Duration = Duration::from_secs(12 * 60);

fn main() {
    let c = KubectlCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let proxy = ApiProxy::start(&c.kubeconfig, dir.path());
    std::fs::write(
        dir.path().join("deploy.rhai"),
        r#"
for i in 0..5 {
    k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: `c${i}` }, data: #{ a: "1" } });
}
sleep("1s");
k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "late" }, data: #{ a: "1" } });
"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_orion"))
        .args(["play", "deploy.rhai"])
        .current_dir(dir.path())
        .env("KUBECONFIG", &proxy.kubeconfig)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start orion");
    while c.kubectl(&["get", "configmap", "c4"]).0 != 0 {
        std::thread::sleep(Duration::from_millis(10));
    }
    proxy.freeze();
    let died = Instant::now();
    let status = child.wait().unwrap();
    let took = died.elapsed();
    let verdict = if took < TARGET { "meets" } else { "MISSES" };
    println!(
        "API death to exit {:?} (5 objects left): {:>5.1} s  target < {} s: {verdict}  (before: ~{} s)",
        status.code(),
        took.as_secs_f64(),
        TARGET.as_secs(),
        BEFORE.as_secs()
    );
}
