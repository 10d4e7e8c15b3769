//! The orion binary against a simulated cluster that real kubectl also
//! reaches: the shipped playbooks (a copy of playbooks/, journals beside its
//! orion.toml) and the shipped scenario files, and what Services answer.

use crate::support::{repo, ORION};
use orion_sim::scenario::Scenario;
use orion_sim::testing::http::get;
use orion_sim::testing::KubectlCluster;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A cluster behaving as playbooks/scenarios/NAME.toml says, plus `extra`.
pub(crate) fn cluster(scenario: &str, extra: &str) -> KubectlCluster {
    let file = repo().join(format!("playbooks/scenarios/{scenario}.toml"));
    let text = format!("{extra}\n{}", std::fs::read_to_string(file).unwrap());
    let scenario = Scenario::parse(&text).unwrap();
    KubectlCluster::start_with(|config, _| config.scenario = scenario)
}

/// playbooks/ copied into the cluster's directory.
pub(crate) fn playbooks(c: &KubectlCluster) -> PathBuf {
    let to = c.dir.path().join("playbooks");
    let ok = Command::new("cp")
        .arg("-r")
        .arg(repo().join("playbooks"))
        .arg(&to)
        .status()
        .unwrap()
        .success();
    assert!(ok, "copying playbooks/");
    to
}

/// Runs `orion play DIR/PLAYBOOK ARGS...`: (exit code, stderr).
pub(crate) fn play(c: &KubectlCluster, dir: &Path, playbook: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(ORION)
        .arg("play")
        .arg(dir.join(playbook))
        .args(args)
        .env("KUBECONFIG", &c.kubeconfig)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), stderr)
}

/// Runs orion in `dir` against `c`: (exit code, stdout, stderr).
pub(crate) fn orion(dir: &Path, c: &KubectlCluster, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(ORION)
        .args(args)
        .current_dir(dir)
        .env("KUBECONFIG", &c.kubeconfig)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Which versions answer `n` requests through a Service, as a client in the
/// cluster sees them: version → count.
pub(crate) fn versions_behind(
    c: &KubectlCluster,
    ns: &str,
    service: &str,
    n: usize,
) -> std::collections::BTreeMap<String, usize> {
    let ip = c.ok(&[
        "get",
        "service",
        service,
        "-n",
        ns,
        "-o",
        "jsonpath={.spec.clusterIP}",
    ]);
    versions_at(&c.from_inside(&format!("{}:8080", ip.trim())), n)
}

/// Which versions answer `n` requests (each on a new connection) at `addr`: version → count.
pub(crate) fn versions_at(addr: &str, n: usize) -> std::collections::BTreeMap<String, usize> {
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..n {
        let a = get(addr, "/").unwrap();
        let v = a
            .headers
            .get("x-orion-version")
            .cloned()
            .unwrap_or_else(|| format!("status {}", a.status));
        *seen.entry(v).or_insert(0) += 1;
    }
    seen
}
