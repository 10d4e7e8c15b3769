//! Ctrl-C during a production deploy: the run ends fully undone or fully
//! done, never in between; a second Ctrl-C skips the undo and says what is left.

use crate::support::ORION;
use orion_sim::testing::KubectlCluster;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
[environments.production]
context = "orion-sim"
approval = "required"
auto_rollback = true
"#;

const SERVICES: [&str; 3] = ["auth", "gateway", "user"];

/// The production playbook the trials interrupt.
const PLAYBOOK: &str = r#"
const SERVICES = ["auth", "gateway", "user"];
step("pre-flight", || {
    k8s::require_nodes(1);
    k8s::require_healthy(SERVICES);
});
step("deploy", || {
    k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "v2" } });
    k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "flags" }, data: #{ canary: "on" } });
    for s in SERVICES { k8s::set_image(s, `shop/${s}:2`); }
    k8s::scale("gateway", 3);
    k8s::wait_all(SERVICES, #{ timeout: "60s" });
});
step("verify", || k8s::require_healthy(SERVICES));
"#;

/// The namespace as it is before a deploy: three services at version 1.
fn before(c: &KubectlCluster, ns: &str) {
    let mut yaml = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: v1}\n",
    );
    for s in SERVICES {
        yaml.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {s}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: {s}}}}}\n  template:\n    metadata: {{labels: {{app: {s}}}}}\n    spec: {{containers: [{{name: {s}, image: \"shop/{s}:1\"}}]}}\n"
        ));
    }
    let file = c.file(&format!("{ns}.yaml"), &yaml);
    c.ok(&["create", "namespace", ns]);
    c.ok(&["apply", "-n", ns, "-f", &file]);
    for s in SERVICES {
        c.ok(&[
            "rollout",
            "status",
            "-n",
            ns,
            &format!("deployment/{s}"),
            "--timeout=30s",
        ]);
    }
}

/// What a deploy changes, rollouts included: "auth=shop/auth:1 x2 rolled" ...
fn state(c: &KubectlCluster, ns: &str) -> Vec<String> {
    let out = c.ok(&["get", "-n", ns, "deployments,configmaps", "-o", "json"]);
    let list: Value = serde_json::from_str(&out).unwrap();
    let mut state = vec![];
    for o in list["items"].as_array().unwrap() {
        let name = o["metadata"]["name"].as_str().unwrap();
        if o["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "orion" {
            continue; // the runs' summaries
        }
        match o["kind"].as_str().unwrap() {
            "Deployment" => {
                let replicas = o["spec"]["replicas"].as_i64().unwrap();
                let s = &o["status"];
                let rolled = s["observedGeneration"] == o["metadata"]["generation"]
                    && s["updatedReplicas"].as_i64() == Some(replicas)
                    && s["availableReplicas"].as_i64() == Some(replicas)
                    && s["replicas"].as_i64() == Some(replicas);
                state.push(format!(
                    "{name}={} x{replicas}{}",
                    o["spec"]["template"]["spec"]["containers"][0]["image"]
                        .as_str()
                        .unwrap(),
                    if rolled { " rolled" } else { " rolling" }
                ));
            }
            _ => state.push(format!("{name}={}", o["data"])),
        }
    }
    state.sort();
    state
}

fn undone() -> Vec<String> {
    let mut s = vec![
        "auth=shop/auth:1 x2 rolled".to_string(),
        "gateway=shop/gateway:1 x2 rolled".to_string(),
        "settings={\"mode\":\"v1\"}".to_string(),
        "user=shop/user:1 x2 rolled".to_string(),
    ];
    s.sort();
    s
}

fn done() -> Vec<String> {
    let mut s = vec![
        "auth=shop/auth:2 x2 rolled".to_string(),
        "flags={\"canary\":\"on\"}".to_string(),
        "gateway=shop/gateway:2 x3 rolled".to_string(),
        "settings={\"mode\":\"v2\"}".to_string(),
        "user=shop/user:2 x2 rolled".to_string(),
    ];
    s.sort();
    s
}

/// Starts the playbook as a production run against namespace `ns`.
fn start(c: &KubectlCluster, dir: &Path, playbook: &str, ns: &str) -> Child {
    std::fs::write(dir.join("orion.toml"), CONFIG).unwrap();
    std::fs::write(dir.join("deploy.rhai"), playbook).unwrap();
    Command::new(ORION)
        .args([
            "play",
            "deploy.rhai",
            "--env",
            "production",
            "--namespace",
            ns,
        ])
        .args(["--yes", "--approver", "ci"])
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .env("KUBECONFIG", &c.kubeconfig)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start orion")
}

fn interrupt(child: &Child) {
    crate::support::process::signal(child.id(), libc::SIGINT);
}

fn finish(mut child: Child) -> (Option<i32>, String) {
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (child.wait().unwrap().code(), stderr)
}

/// How many changes the run in `dir` journaled.
fn journaled(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".orion/journal"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
        .map(|t| {
            t.lines()
                .filter(|l| l.contains("\"record\":\"change\""))
                .count()
        })
        .sum()
}

/// A small seeded generator, so a failing trial can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn ctrl_c_at_random_points_of_a_production_deploy_leaves_it_fully_undone_or_fully_done() {
    let c = KubectlCluster::start();
    // An uninterrupted run first: it succeeds, and its length bounds the trials.
    before(&c, "clean");
    let dir = tempfile::tempdir().unwrap();
    let began = Instant::now();
    let (code, stderr) = finish(start(&c, dir.path(), PLAYBOOK, "clean"));
    let length = began.elapsed();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(state(&c, "clean"), done());

    let seed = 0x5eed_0f0a_1e00_u64;
    let mut rng = Rng(seed);
    let (mut rolled_back, mut completed) = (0, 0);
    for trial in 0..24 {
        let ns = format!("trial-{trial}");
        before(&c, &ns);
        let dir = tempfile::tempdir().unwrap();
        // Half the trials land in the first half, where the changes are made;
        // the rest anywhere up to past the end.
        let span = length.as_millis() as u64 * if trial % 2 == 0 { 5 } else { 15 } / 10;
        let after = Duration::from_millis(rng.below(span));
        let child = start(&c, dir.path(), PLAYBOOK, &ns);
        std::thread::sleep(after);
        interrupt(&child);
        let (code, stderr) = finish(child);
        let now = state(&c, &ns);
        let changes = journaled(dir.path());
        eprintln!(
            "trial {trial}: Ctrl-C after {after:?} of {length:?}: exit {code:?}, {changes} changes"
        );
        let what = format!(
            "trial {trial} (seed {seed:#x}): Ctrl-C after {after:?} of a {length:?} run, exit {code:?}, {changes} changes journaled\n{now:#?}\n{stderr}"
        );
        if now == done() {
            assert_eq!(code, Some(0), "{what}");
            completed += 1;
        } else {
            assert_eq!(now, undone(), "neither undone nor done: {what}");
            assert!(
                code == Some(5) || (code.is_none() && changes == 0),
                "{what}"
            );
            if changes > 0 {
                assert!(stderr.contains("the run's changes are undone"), "{what}");
                rolled_back += 1;
            }
        }
    }
    // The trials did land mid-deploy, not only before or after it.
    assert!(
        rolled_back >= 3,
        "only {rolled_back} runs were interrupted after a change"
    );
    eprintln!("{rolled_back} undone after changes, {completed} completed");
}

#[test]
fn a_second_ctrl_c_skips_the_undo_and_says_what_is_left() {
    let c = KubectlCluster::start();
    before(&c, "shop");
    let dir = tempfile::tempdir().unwrap();
    let playbook = r#"
        on_failure(|| { info("paging the on-call engineer"); sleep("30s"); });
        k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "v2" } });
        k8s::set_image("auth", "shop/auth:2");
        info("changes made");
        sleep("60s");
    "#;
    let mut child = start(&c, dir.path(), playbook, "shop");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut wait_for = |marker: &str| {
        let mut line = String::new();
        while !seen.contains(marker) {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "orion ended early:\n{seen}"
            );
            seen.push_str(&line);
        }
    };
    wait_for("sleeping 1m");
    interrupt(&child);
    wait_for("paging the on-call engineer");
    let second = Instant::now();
    interrupt(&child);
    let code = child.wait().unwrap().code();
    let took = second.elapsed();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let said = seen + rest.as_str();
    assert_eq!(code, Some(6), "{said}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        said.contains("the undo was skipped (Ctrl-C again); left as they are:"),
        "{said}"
    );
    assert!(
        said.contains("deployment/auth in shop: not undone"),
        "{said}"
    );
    assert!(
        said.contains("configmap/settings in shop: not undone"),
        "{said}"
    );
    assert!(said.contains("orion rollback --run "), "{said}");
    assert_eq!(
        c.ok(&[
            "get",
            "-n",
            "shop",
            "configmap",
            "settings",
            "-o",
            "jsonpath={.data.mode}"
        ]),
        "v2",
        "left as it was"
    );

    // What was left can be finished by hand.
    let rollback = Command::new(ORION)
        .args(["rollback", "--last"])
        .current_dir(dir.path())
        .env("KUBECONFIG", &c.kubeconfig)
        .output()
        .unwrap();
    assert_eq!(
        rollback.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rollback.stderr)
    );
    assert_eq!(state(&c, "shop"), undone());
}
