//! Figures for the guards (run: `cargo bench --bench guards`):
//! - a four-service deploy on the simulated cluster fails after its changes:
//!   time from the failure to the cluster fully restored (objects put back,
//!   rollouts back complete);
//! - journaling's cost per change: the journal write with fsync, and a whole
//!   change (guards, prior state read, journal, its summary in the cluster,
//!   apply) for scale; and the summary's rewrite at the 10th and 100th change.
//!
//! Prints figures; asserts nothing about them.

use orion::guard::journal::{Entry, Journal, Record};
use orion::guard::summary;
use orion::report::event::Event;
use orion::report::memory::Memory;
use orion::Runtime;
use orion_sim::{Sim, SimConfig, Timing};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SERVICES: [&str; 4] = ["cart", "checkout", "catalog", "payments"];

/// A sink that notes when each log line arrived.
#[derive(Default)]
struct Timed {
    lines: std::sync::Mutex<Vec<(Instant, String)>>,
}

impl Timed {
    fn when(&self, message: &str) -> Option<Instant> {
        let lines = self.lines.lock().unwrap();
        lines.iter().find(|(_, m)| m == message).map(|(t, _)| *t)
    }
}

impl orion::report::sink::Sink for Timed {
    fn emit(&self, event: &Event) {
        if let Event::Log { message, .. } = event {
            self.lines
                .lock()
                .unwrap()
                .push((Instant::now(), message.clone()));
        }
    }
}

fn runtime(kubeconfig: &Path, journal: &Path, memory: Arc<Memory>) -> Runtime {
    Runtime::builder()
        .kubeconfig(kubeconfig)
        .journal_dir(journal)
        .sink(memory)
        .build()
        .unwrap()
}

fn deploy_all(version: u32) -> String {
    SERVICES
        .iter()
        .map(|s| {
            format!(
                r#"k8s::apply(#{{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{{ name: "{s}" }},
                    spec: #{{ replicas: 3, selector: #{{ matchLabels: #{{ app: "{s}" }} }},
                      template: #{{ metadata: #{{ labels: #{{ app: "{s}" }} }}, spec: #{{ containers: [#{{ name: "app", image: "shop/{s}:{version}" }}] }} }} }} }});
                   k8s::apply(#{{ apiVersion: "v1", kind: "ConfigMap", metadata: #{{ name: "{s}-config" }}, data: #{{ version: "{version}" }} }});
                   k8s::wait_rollout("{s}");
                "#
            )
        })
        .collect()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = SimConfig {
        timing: Timing {
            start: Duration::from_millis(200),
            ready: Duration::from_millis(200),
            tick: Duration::from_millis(20),
            backoff: Duration::from_secs(1),
            stop: Duration::from_millis(50),
        },
        ..SimConfig::default()
    };
    let sim = tokio.block_on(Sim::start(config)).unwrap();
    sim.write_kubeconfig(&kubeconfig).unwrap();

    let r = Runtime::builder()
        .kubeconfig(&kubeconfig)
        .journal_dir(dir.path())
        .sink(Arc::new(Memory::default()))
        .build()
        .unwrap();
    assert!(r.run_script("v1.rhai", &deploy_all(1)).succeeded());
    // Version 2 of all four services, then a failed check: the host undoes it.
    let timed = Arc::new(Timed::default());
    let r = Runtime::builder()
        .kubeconfig(&kubeconfig)
        .journal_dir(dir.path())
        .sink(timed.clone())
        .build()
        .unwrap();
    let outcome = r.run_script(
        "v2.rhai",
        &format!(
            "{}\ninfo(\"check failed\");\nfail(\"the smoke test failed\");",
            deploy_all(2)
        ),
    );
    assert_eq!(outcome.exit_code.code(), 2, "{:?}", outcome.error);
    let failed = timed.when("check failed").expect("the failure was logged");
    let restored = timed
        .when("the run's changes are undone")
        .expect("the undo finished");
    println!(
        "four-service deploy (4 Deployments of 3 replicas, 4 ConfigMaps) failing after its rollouts: failure → cluster restored with rollouts back complete in {:.2} s",
        (restored - failed).as_secs_f64()
    );

    // The journal write itself: 200 entries carrying a Deployment's prior state.
    let prior: serde_json::Value =
        serde_json::from_str(include_str!("../benches/guards_prior.json")).unwrap();
    let journal = Journal::new(dir.path(), "bench");
    let entry = Entry {
        seq: 0,
        at: String::new(),
        run: String::new(),
        environment: None,
        context: "orion-sim".into(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: "default".into(),
        name: "cart".into(),
        summary: "set image".into(),
        prior: Some(prior),
        step: None,
        approver: None,
    };
    let t = Instant::now();
    for _ in 0..200 {
        journal.append(entry.clone()).unwrap();
    }
    let per_write = t.elapsed() / 200;
    // A whole change, for scale: 100 ConfigMap applies through the guards.
    let applies: String = (0..100)
        .map(|i| format!("k8s::apply(#{{ apiVersion: \"v1\", kind: \"ConfigMap\", metadata: #{{ name: \"cm-{i}\" }}, data: #{{ n: \"{i}\" }} }});\n"))
        .collect();
    let t = Instant::now();
    assert!(
        runtime(&kubeconfig, dir.path(), Arc::new(Memory::default()))
            .run_script("cms.rhai", &applies)
            .succeeded()
    );
    let per_change = t.elapsed() / 100;
    println!(
        "journaling a change: {:.2} ms to append and fsync its line (a Deployment's prior state), plus one read of the object; a whole change through the guards and journal: {:.2} ms",
        per_write.as_secs_f64() * 1e3,
        per_change.as_secs_f64() * 1e3
    );
    // The run's summary in the cluster, rewritten before each change: its
    // cost grows with the run, so measure it at the 10th and the 100th change.
    let records: Vec<Record> = (1..=100)
        .map(|seq| {
            Record::Change(Entry {
                seq,
                ..entry.clone()
            })
        })
        .collect();
    let cluster = tokio
        .block_on(orion::drivers::kube::connect::connect(
            Some(&kubeconfig),
            None,
            None,
        ))
        .unwrap();
    for n in [10, 100] {
        let t = Instant::now();
        for _ in 0..20 {
            tokio
                .block_on(summary::write(
                    &cluster,
                    "default",
                    "bench",
                    "running",
                    &records[..n],
                ))
                .unwrap();
        }
        println!(
            "the run's summary in the cluster, rewritten at change {n} (Deployment priors): {:.2} ms",
            (t.elapsed() / 20).as_secs_f64() * 1e3
        );
    }
    tokio.block_on(sim.shutdown());
}
