//! A simulated cluster for tests that drive the real `kubectl` against it.
//! Its pod network is isolated, as `orion sim` and `--sim` run it: pod and
//! Service addresses are not reachable from the test, port-forward and the
//! API proxy reach them. A test that needs to reach them directly (a load
//! balancer in front of pod IPs) asks for `host()`, and says why.

use crate::{PodNetwork, Sim, SimConfig, Timing};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Pods start and become ready in 100 ms each.
pub fn fast() -> Timing {
    Timing {
        start: Duration::from_millis(100),
        ready: Duration::from_millis(100),
        tick: Duration::from_millis(20),
        backoff: Duration::from_millis(200),
        stop: Duration::from_millis(50),
    }
}

/// A scenario whose pod and Service addresses the host reaches (`pod_network
/// = "host"`), for a load balancer or a measurement in front of pod IPs.
pub fn host_network() -> crate::scenario::Scenario {
    let mut scenario = crate::scenario::Scenario::default();
    scenario.cluster.pod_network = PodNetwork::Host;
    scenario
}

pub struct KubectlCluster {
    sim: Option<Sim>,
    runtime: tokio::runtime::Runtime,
    pub kubeconfig: PathBuf,
    pub dir: tempfile::TempDir,
}

impl KubectlCluster {
    pub fn start() -> KubectlCluster {
        KubectlCluster::start_with(|_, _| {})
    }

    /// One whose pod and Service addresses the host reaches (`pod_network =
    /// "host"`).
    pub fn host() -> KubectlCluster {
        KubectlCluster::start_with(|config, _| {
            config.scenario.cluster.pod_network = PodNetwork::Host;
        })
    }

    /// Starts one after `configure` has adjusted the configuration (fast
    /// timing already set); it is given the test's own directory.
    pub fn start_with(configure: impl FnOnce(&mut SimConfig, &std::path::Path)) -> KubectlCluster {
        let dir = tempfile::tempdir().unwrap();
        let mut config = SimConfig {
            timing: fast(),
            ..SimConfig::default()
        };
        configure(&mut config, dir.path());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = runtime
            .block_on(Sim::start(config))
            .expect("start the simulated cluster");
        let kubeconfig = dir.path().join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        KubectlCluster {
            sim: Some(sim),
            runtime,
            kubeconfig,
            dir,
        }
    }

    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    /// Runs kubectl; returns (exit code, stdout, stderr).
    pub fn kubectl(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .output()
            .expect("kubectl (install it with ./scripts/test)");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs kubectl until its output satisfies `done` (up to 5 s); returns it.
    pub fn until(&self, args: &[&str], done: impl Fn(&str) -> bool) -> String {
        let mut out = String::new();
        for _ in 0..250 {
            out = self.ok(args);
            if done(&out) {
                return out;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("kubectl {args:?} never gave what was expected; last:\n{out}");
    }

    /// Waits (up to 5 s) until `kubectl get ...` finds nothing: pods stop
    /// gracefully, so they outlive their owners for a moment.
    pub fn until_none(&self, args: &[&str]) {
        let mut last = (String::new(), String::new());
        for _ in 0..250 {
            let (_, out, err) = self.kubectl(args);
            if out.is_empty() && err.trim() == "No resources found in default namespace." {
                return;
            }
            last = (out, err);
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("kubectl {args:?} still finds:\n{}{}", last.0, last.1);
    }

    /// Runs kubectl, which must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.kubectl(args);
        assert_eq!(code, 0, "kubectl {args:?} failed:\n{err}");
        out
    }
}

impl Drop for KubectlCluster {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}

impl KubectlCluster {
    /// `kubectl apply` of `yaml`, written to a file `name`.
    pub fn apply(&self, name: &str, yaml: &str) {
        let path = self.file(name, yaml);
        self.ok(&["apply", "-f", &path]);
    }

    /// Waits (up to 5 s) until `deployment` has `replicas` ready.
    pub fn ready(&self, deployment: &str, replicas: u32) {
        self.until(
            &[
                "get",
                "deployment",
                deployment,
                "-o",
                "jsonpath={.status.readyReplicas}",
            ],
            |out| out == replicas.to_string(),
        );
    }

    /// The pod IPs of pods matching `selector`.
    pub fn pod_ips(&self, selector: &str) -> Vec<String> {
        self.ok(&[
            "get",
            "pods",
            "-l",
            selector,
            "-o",
            "jsonpath={.items[*].status.podIP}",
        ])
        .split_whitespace()
        .map(str::to_string)
        .collect()
    }

    /// Where a client inside the cluster reaches the pod or Service address
    /// `at` ("IP:PORT"): the loopback port the simulator serves it on (itself
    /// on the host pod network). For tests that look as a pod in the cluster
    /// would, as `kubectl run curl` does on a real one. Panics if nothing
    /// serves `at`.
    pub fn from_inside(&self, at: &str) -> String {
        let parsed = at.parse().expect("an IP:PORT address");
        let sim = self.sim.as_ref().expect("the simulated cluster is running");
        let dialer = sim.api().network.dialer();
        match dialer.served_at(parsed) {
            Some(served) => served.to_string(),
            None => panic!("nothing in the simulated cluster serves {at}"),
        }
    }

    /// A Service's ClusterIP.
    pub fn cluster_ip(&self, service: &str) -> String {
        self.ok(&[
            "get",
            "service",
            service,
            "-o",
            "jsonpath={.spec.clusterIP}",
        ])
    }
}
