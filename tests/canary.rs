//! canary.rhai end to end: the simulated cluster, a real Prometheus scraping
//! its pods, a real HAProxy in front with servers "stable" and "canary", and
//! real requests flowing through it the whole time.

use crate::support::repo;
use crate::support::servers::HAProxy;
use crate::support::shipped::{play, playbooks, versions_at};
use orion_sim::scenario::Scenario;
use orion_sim::testing::http::get;
use orion_sim::testing::KubectlCluster;
use orion_sim::testing::Prometheus;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const NS: &str = "shop-staging";

/// The stable gateway (1.4.2, two pods) and the canary's Service.
const GATEWAY: &str = include_str!("fixtures/canary_gateway.yaml");

/// Everything a canary run needs, and requests flowing through HAProxy
/// until dropped.
pub(crate) struct Stage {
    pub cluster: KubectlCluster,
    pub haproxy: HAProxy,
    pub prometheus: Prometheus,
    load: Arc<AtomicBool>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Stage {
    fn drop(&mut self) {
        self.load.store(false, Ordering::SeqCst);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// A stage whose images behave as playbooks/scenarios/NAME.toml says.
pub(crate) fn stage(scenario: &str) -> Stage {
    let text = std::fs::read_to_string(repo().join(format!("playbooks/scenarios/{scenario}.toml")))
        .unwrap();
    let scenario = Scenario::parse(&text).unwrap();
    let cluster = KubectlCluster::start_with(|config, dir| {
        config.scenario = scenario;
        // HAProxy runs on this machine in front of the ClusterIPs: host pod network.
        config.scenario.cluster.pod_network = orion_sim::PodNetwork::Host;
        config.scrape_targets = Some(dir.join("targets.json"));
    });
    cluster.ok(&["create", "namespace", NS]);
    let file = cluster.file("gateway.yaml", GATEWAY);
    cluster.ok(&["apply", "-f", &file]);
    cluster.ok(&[
        "rollout",
        "status",
        "deployment/gateway",
        "-n",
        NS,
        "--timeout=30s",
    ]);
    let ip = |svc: &str| {
        cluster
            .ok(&[
                "get",
                "service",
                svc,
                "-n",
                NS,
                "-o",
                "jsonpath={.spec.clusterIP}",
            ])
            .trim()
            .to_string()
    };
    let haproxy = HAProxy::start(&[
        ("stable", format!("{}:8080", ip("gateway")), 100),
        ("canary", format!("{}:8080", ip("gateway-canary")), 0),
    ]);
    let prometheus = Prometheus::start(&cluster.dir.path().join("targets.json"));
    let load = Arc::new(AtomicBool::new(true));
    let (on, entry) = (load.clone(), format!("127.0.0.1:{}", haproxy.port));
    let worker = std::thread::spawn(move || {
        while on.load(Ordering::SeqCst) {
            if get(&entry, "/").is_err() {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    });
    Stage {
        cluster,
        haproxy,
        prometheus,
        load,
        worker: Some(worker),
    }
}

impl Stage {
    /// Runs canary.rhai with `extra` --set values: (exit code, stderr).
    pub(crate) fn canary(&self, extra: &[&str]) -> (i32, String) {
        let dir = playbooks(&self.cluster);
        let mut args: Vec<String> = vec!["--env".into(), "sim".into()];
        let socket = self.haproxy.socket.display().to_string();
        let entry = format!("http://127.0.0.1:{}/", self.haproxy.port);
        for set in [
            format!("haproxy={socket}"),
            "backend=web".into(),
            format!("prometheus={}", self.prometheus.url()),
            format!("entry={entry}"),
            "approve_at=".into(),
            "window=5s".into(),
        ]
        .into_iter()
        .chain(extra.iter().map(|s| s.to_string()))
        {
            args.push("--set".into());
            args.push(set);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        play(&self.cluster, &dir, "canary.rhai", &args)
    }

    /// Which versions answer `n` requests through HAProxy.
    pub(crate) fn versions(&self, n: usize) -> BTreeMap<String, usize> {
        versions_at(&format!("127.0.0.1:{}", self.haproxy.port), n)
    }

    pub(crate) fn image(&self, deployment: &str) -> String {
        let (code, out, _) = self.cluster.kubectl(&[
            "get",
            "deployment",
            deployment,
            "-n",
            NS,
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ]);
        if code == 0 {
            out
        } else {
            String::new()
        }
    }
}

#[test]
fn a_good_canary_goes_to_100_percent_and_is_promoted() {
    let s = stage("good");
    let (code, stderr) = s.canary(&[
        "version=1.5.0",
        "steps=20,50,100",
        "pause=2s",
        "interval=1s",
    ]);
    assert_eq!(code, 0, "{stderr}");
    for step in [
        "canary canary at 20%",
        "canary canary at 50%",
        "canary canary at 100%",
        "passed every step; promoting",
    ] {
        assert!(stderr.contains(step), "{step}:\n{stderr}");
    }
    assert_eq!(
        s.image("gateway"),
        "registry.example.com/shop/gateway:1.5.0"
    );
    let seen = s.versions(100);
    assert_eq!(seen.get("1.5.0"), Some(&100), "{seen:?}");
}

#[test]
fn a_canary_with_5_percent_errors_is_rolled_back_and_traffic_is_back_on_stable() {
    let s = stage("bad");
    let (code, stderr) = s.canary(&[
        "version=1.5.0",
        "steps=20,50,100",
        "pause=6s",
        "interval=1s",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("canary aborted") && stderr.contains("canary error rate"),
        "{stderr}"
    );
    assert!(stderr.contains("the run's changes are undone"), "{stderr}");
    assert!(!stderr.contains("promoting"), "{stderr}");
    assert_eq!(
        s.image("gateway"),
        "registry.example.com/shop/gateway:1.4.2"
    );
    assert_eq!(
        s.image("gateway-canary"),
        "",
        "the canary Deployment is gone"
    );
    let seen = s.versions(100);
    assert_eq!(seen.get("1.4.2"), Some(&100), "{seen:?}");
}

const TRIPPED_BY_PROMETHEUS: &str = r#"
let prom = metrics::prometheus(args.prometheus);
let lb = traffic::haproxy(#{ socket: args.haproxy, backend: "web" });
let labels = #{ app: "gateway-canary", track: "canary" };
step("deploy", || {
    k8s::apply(#{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{ name: "gateway-canary" },
        spec: #{ replicas: 1, selector: #{ matchLabels: labels }, template: #{ metadata: #{ labels: labels },
            spec: #{ containers: [#{ name: "gateway", image: "registry.example.com/shop/gateway:1.5.0", ports: [#{ containerPort: 8080 }] }] } } } });
    k8s::wait_rollout("gateway-canary");
    lb.set_weights(#{ stable: 50, canary: 50 });
});
step("verify", || {
    let sel = `deployment="gateway-canary",path="/"`;
    monitor(#{ name: "errors", interval: "1s", checks: [#{ name: "canary 5xx share", prometheus: prom,
        query: `sum(rate(http_requests_total{${sel},code=~"5.."}[5s])) / sum(rate(http_requests_total{${sel}}[5s]))`,
        op: "<", threshold: 0.01 }] });
    sleep("2m");
});
"#;

#[test]
fn a_prometheus_check_in_a_monitor_trips_the_run_and_its_value_is_journaled() {
    let s = stage("bad");
    let dir = playbooks(&s.cluster);
    std::fs::write(dir.join("tripped.rhai"), TRIPPED_BY_PROMETHEUS).unwrap();
    let args = [
        "--env".to_string(),
        "sim".into(),
        "--set".into(),
        format!("haproxy={}", s.haproxy.socket.display()),
        "--set".into(),
        format!("prometheus={}", s.prometheus.url()),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let (code, stderr) = play(&s.cluster, &dir, "tripped.rhai", &args);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(100),
        "{stderr}"
    );
    assert!(
        stderr.contains("monitor errors tripped: canary 5xx share: value"),
        "{stderr}"
    );
    assert_eq!(s.image("gateway-canary"), "", "undone");
    let seen = s.versions(50);
    assert_eq!(seen.get("1.4.2"), Some(&50), "{seen:?}");
    let files: Vec<_> = std::fs::read_dir(dir.join(".orion/journal"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    let records: Vec<_> = files
        .iter()
        .flat_map(|f| orion::guard::journal::Journal::read_records(f).unwrap())
        .collect();
    let trigger = records
        .iter()
        .find_map(|r| match r {
            orion::guard::journal::Record::Trigger(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no trigger record in {files:?}: {records:#?}\n{stderr}"));
    assert_eq!(trigger.threshold, "< 0.01");
    assert!(trigger.value.is_some_and(|v| v >= 0.01), "{trigger:?}");
    assert_eq!(trigger.step.as_deref(), Some("verify"));
}

#[test]
fn a_canary_paused_for_approval_that_no_one_gives_is_aborted_and_rolled_back() {
    let s = stage("good");
    let (code, stderr) = s.canary(&[
        "version=1.5.0",
        "steps=20,50,100",
        "pause=1s",
        "interval=500ms",
        "approve_at=50",
    ]);
    assert_eq!(code, 5, "{stderr}");
    assert!(stderr.contains("canary canary at 20%"), "{stderr}");
    assert!(!stderr.contains("canary canary at 50%"), "{stderr}");
    assert!(stderr.contains("the run's changes are undone"), "{stderr}");
    assert_eq!(
        s.image("gateway-canary"),
        "",
        "the canary Deployment is gone"
    );
    let seen = s.versions(50);
    assert_eq!(seen.get("1.4.2"), Some(&50), "{seen:?}");
}
