//! `RuntimeBuilder`: what a `Runtime` targets, where its events go, its limits.

use crate::config::Loaded;
use crate::engine::limits::Limits;
use crate::error::Error;
use crate::primitives::host::Host;
use crate::primitives::target::Target;
use crate::report::memory::Memory;
use crate::report::sink::Sink;
use crate::runtime::Runtime;
use std::path::PathBuf;
use std::sync::Arc;

/// Configures a [`Runtime`]. Defaults: no target, no `--set` values, limits from
/// the nearest orion.toml, events kept in memory.
#[derive(Default)]
pub struct RuntimeBuilder {
    target: Target,
    config_file: Option<PathBuf>,
    limits: Option<Limits>,
    sink: Option<Arc<dyn Sink>>,
    ctrl_c: bool,
    journal_dir: Option<PathBuf>,
    /// The directory of the playbook the runtime is built for.
    playbook_dir: Option<PathBuf>,
    /// The environment to use when none is named, if orion.toml defines it.
    fallback_environment: Option<String>,
}

impl RuntimeBuilder {
    /// Runs only the smoke tests of this service (and those of none); repeatable.
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.target.services.push(name.into());
        self
    }

    /// Runs the smoke tests tagged "comprehensive" too.
    pub fn comprehensive(mut self, on: bool) -> Self {
        self.target.comprehensive = on;
        self
    }

    /// Records every smoke test as skipped (`--skip-tests`).
    pub fn skip_tests(mut self, on: bool) -> Self {
        self.target.skip_tests = on;
        self
    }

    /// A value the script reads as `args.KEY` (like `--set KEY=VALUE`).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.target.args.insert(key.into(), value.into());
        self
    }
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.target.environment = Some(name.into());
        self
    }
    pub fn context(mut self, name: impl Into<String>) -> Self {
        self.target.context = Some(name.into());
        self
    }
    pub fn namespace(mut self, name: impl Into<String>) -> Self {
        self.target.namespace = Some(name.into());
        self
    }
    /// Read the cluster's address and credentials from this kubeconfig.
    pub fn kubeconfig(mut self, path: impl Into<PathBuf>) -> Self {
        self.target.kubeconfig = Some(path.into());
        self
    }
    pub fn dry_run(mut self, on: bool) -> Self {
        self.target.dry_run = on;
        self
    }
    /// How long to wait for another run's deploy lock (default 5 minutes).
    pub fn lock_timeout(mut self, wait: std::time::Duration) -> Self {
        self.target.lock_timeout = Some(wait);
        self
    }
    /// How the cluster's addresses are reached, over the environment's `reach`.
    pub fn reach(mut self, reach: crate::drivers::kube::reach::Reach) -> Self {
        self.target.reach = Some(reach);
        self
    }
    /// The Docker daemon docker:: uses, over the environment's `docker`.
    pub fn docker(mut self, address: impl Into<String>) -> Self {
        self.target.docker = Some(address.into());
        self
    }
    /// Who approves with --yes (recorded with the approval).
    pub fn approver(mut self, name: impl Into<String>) -> Self {
        self.target.approver = Some(name.into());
        self
    }
    pub fn assume_yes(mut self, on: bool) -> Self {
        self.target.assume_yes = on;
        self
    }
    /// Use this orion.toml instead of searching for one.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }
    /// Use these limits, ignoring any orion.toml.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }
    /// Where events go (console, JSON lines, memory...).
    pub fn sink(mut self, sink: Arc<dyn Sink>) -> Self {
        self.sink = Some(sink);
        self
    }
    /// Keep the journal in `dir`/.orion/journal instead of beside orion.toml.
    pub fn journal_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.journal_dir = Some(dir.into());
        self
    }
    /// The runtime is for the playbook at `path`: its orion.toml is found and
    /// read now, once, and serves its runs.
    pub fn playbook(mut self, path: &std::path::Path) -> Self {
        self.playbook_dir = Some(crate::runtime::dir_of(path).to_path_buf());
        self
    }

    /// Without `environment(...)`, use environment `name` when the
    /// playbook's orion.toml defines it (`--sim` and its `sim` environment).
    pub fn fallback_environment(mut self, name: impl Into<String>) -> Self {
        self.fallback_environment = Some(name.into());
        self
    }

    /// Stop the script and any wait in flight on SIGINT (exit code 5).
    pub fn cancel_on_ctrl_c(mut self, on: bool) -> Self {
        self.ctrl_c = on;
        self
    }

    pub fn build(mut self) -> Result<Runtime, Error> {
        // orion.toml is read once, here, when the playbook is known (one
        // that does not parse is reported by the run, as a run's error).
        // Without a playbook (the REPL), the current directory's.
        let dir = self.playbook_dir.clone().or_else(|| {
            self.fallback_environment
                .as_ref()
                .map(|_| PathBuf::from("."))
        });
        let loaded = dir.as_ref().and_then(|dir| {
            Loaded::resolve(self.config_file.as_deref(), dir)
                .ok()
                .map(|l| (dir.clone(), l))
        });
        if self.target.environment.is_none() {
            if let (Some(name), Some((_, l))) = (&self.fallback_environment, &loaded) {
                if l.config.environments.contains_key(name) {
                    self.target.environment = Some(name.clone());
                }
            }
        }
        let sink = self.sink.unwrap_or_else(|| Arc::new(Memory::default()));
        let host = Arc::new(Host::new(self.target, sink)?);
        if self.ctrl_c {
            host.io.cancel_on_ctrl_c();
        }
        let mut runtime = Runtime::new(host, self.config_file, self.limits);
        runtime.journal_dir = self.journal_dir;
        if let Some((dir, l)) = loaded {
            runtime.seed_config(dir, l);
        }
        Ok(runtime)
    }
}
