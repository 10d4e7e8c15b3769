//! A simulated cluster (fast pods, an optional scenario) and playbooks run
//! against it in-process, through the embedding API: their outcome and what
//! they logged.

use orion::report::event::Event;
use orion::report::memory::Memory;
use orion::{Outcome, Runtime};
use orion_sim::scenario::Scenario;
use orion_sim::{Sim, SimConfig};
use std::sync::Arc;

/// A simulated cluster (fast pods, an optional scenario) and a way to run
/// playbooks against it.
pub(crate) struct PlaybookCluster {
    sim: Option<Sim>,
    runtime: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    /// Directories playbooks may read and write beyond `dir` (see `allow`).
    allowed: std::sync::Mutex<Vec<std::path::PathBuf>>,
}

impl PlaybookCluster {
    pub(crate) fn start(scenario: &str) -> PlaybookCluster {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = SimConfig {
            scenario: Scenario::parse(scenario).unwrap(),
            timing: orion_sim::testing::fast(),
            ..SimConfig::default()
        };
        let sim = runtime.block_on(Sim::start(config)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        sim.write_kubeconfig(&dir.path().join("kubeconfig"))
            .unwrap();
        PlaybookCluster {
            sim: Some(sim),
            runtime,
            dir,
            allowed: Default::default(),
        }
    }

    /// Runs `script`; returns its outcome and the messages it logged.
    pub(crate) fn play(&self, script: &str) -> (Outcome, Vec<String>) {
        self.play_with(script, |b| b)
    }

    pub(crate) fn play_with(
        &self,
        script: &str,
        configure: impl FnOnce(orion::RuntimeBuilder) -> orion::RuntimeBuilder,
    ) -> (Outcome, Vec<String>) {
        let memory = Arc::new(Memory::default());
        let mut builder = Runtime::builder()
            .kubeconfig(self.dir.path().join("kubeconfig"))
            .journal_dir(self.dir.path())
            .sink(memory.clone());
        let allowed = self.allowed.lock().unwrap().clone();
        if !allowed.is_empty() {
            let list = format!(
                "{:?}",
                allowed
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
            );
            let config = self.dir.path().join("orion.toml");
            std::fs::write(
                &config,
                format!("[environments.test]\nread_paths = {list}\nwrite_paths = {list}\n"),
            )
            .unwrap();
            builder = builder.config_file(config).environment("test");
        }
        let runtime = configure(builder).build().unwrap();
        let outcome = runtime.run_script_in(self.dir.path(), "test.rhai", script);
        let logs = memory
            .events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Log { message, .. } => Some(message),
                _ => None,
            })
            .collect();
        (outcome, logs)
    }

    /// Lets playbooks read and write under `dir` too (a load balancer's own
    /// directory), through an environment "test" in orion.toml.
    pub(crate) fn allow(&self, dir: &std::path::Path) {
        self.allowed.lock().unwrap().push(dir.to_path_buf());
    }

    /// The playbooks' directory: files they read go here.
    pub(crate) fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Runs `script`, which must succeed.
    pub(crate) fn ok(&self, script: &str) -> Vec<String> {
        let (outcome, logs) = self.play(script);
        assert!(
            outcome.succeeded(),
            "{:?}\nlogs:\n{}",
            outcome.error,
            logs.join("\n")
        );
        logs
    }

    /// Runs `script`, which must fail; returns the error message.
    pub(crate) fn fails(&self, script: &str) -> String {
        let (outcome, logs) = self.play(script);
        let e = outcome
            .error
            .unwrap_or_else(|| panic!("expected a failure; logs:\n{}", logs.join("\n")));
        format!("{}\n{}", e.message, e.hint.unwrap_or_default())
    }
}

impl Drop for PlaybookCluster {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}

pub(crate) const WEB: &str = r#"
fn deploy(name, image, replicas) {
    let d = #{
        apiVersion: "apps/v1", kind: "Deployment",
        metadata: #{ name: name },
        spec: #{
            replicas: replicas,
            selector: #{ matchLabels: #{ app: name } },
            template: #{
                metadata: #{ labels: #{ app: name } },
                spec: #{ containers: [#{ name: "web", image: image, ports: [#{ containerPort: 8080 }] }] },
            },
        },
    };
    k8s::apply(d)
}
"#;
