//! Flags shared by `play` and `repl`: what the run targets and what it is given.

use crate::cli::sim_cluster::InProcessSim;
use crate::runtime::RuntimeBuilder;
use clap::Args;
use std::path::{Path, PathBuf};

/// The environment `--sim` picks when orion.toml has one of this name.
const SIM_ENVIRONMENT: &str = "sim";

#[derive(Args, Debug, Clone)]
pub(super) struct TargetArgs {
    /// Environment to deploy to (e.g. staging); the playbook reads it as target::environment().
    #[arg(long = "env", value_name = "NAME")]
    environment: Option<String>,
    /// Kubernetes context; the playbook reads it as target::context().
    #[arg(long, value_name = "C")]
    context: Option<String>,
    /// Kubernetes namespace; the playbook reads it as target::namespace().
    #[arg(long, short = 'n', value_name = "N")]
    namespace: Option<String>,
    /// Change nothing; the playbook reads it as target::dry_run().
    #[arg(long)]
    dry_run: bool,
    /// Pre-approve the run (for CI, where no one can answer a prompt); needs --approver.
    #[arg(long, short = 'y')]
    yes: bool,
    /// Who approves with --yes, for the run's record.
    #[arg(long, value_name = "NAME")]
    approver: Option<String>,
    /// How long to wait for another run's deploy lock before giving up (e.g. 30s, 10m).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::duration::parse)]
    lock_timeout: std::time::Duration,
    /// A value for the playbook, read as `args.KEY` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    set: Vec<(String, String)>,
    /// Smoke tests of this service only (and those of no service); repeatable, or a,b.
    #[arg(long = "service", value_name = "NAME", value_delimiter = ',')]
    services: Vec<String>,
    /// Run the smoke tests tagged "comprehensive" too (response times, ...).
    #[arg(long)]
    comprehensive: bool,
    /// Record every smoke test as skipped (the deploy and its checks still run).
    #[arg(long)]
    skip_tests: bool,
    /// How the cluster's Service and pod addresses are reached [default: the
    /// environment's reach, else auto: directly inside the cluster, through
    /// port-forwards outside it].
    #[arg(long, value_enum, value_name = "HOW")]
    reach: Option<crate::drivers::kube::reach::Reach>,
    /// The Docker daemon for docker:: (unix:///var/run/docker.sock, or
    /// tcp://HOST:2376 with the environment's docker_tls) [default: the
    /// environment's docker, else DOCKER_HOST, else the default socket].
    #[arg(long, value_name = "HOST")]
    docker: Option<String>,
    /// orion.toml to use instead of the nearest one above the playbook.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Run against a simulated cluster started for this run (context orion-sim).
    /// With --sim and no --env, the environment named "sim" in orion.toml is used when there is one.
    #[arg(long, conflicts_with = "context")]
    pub sim: bool,
    /// With --sim: how the simulated images behave (error rates, crashes, latency...), a scenario TOML file.
    #[arg(long, value_name = "FILE", requires = "sim")]
    scenario: Option<PathBuf>,
}

fn parse_set(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got \"{text}\""))?;
    let key = key.trim();
    let valid = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "\"{key}\" is not a valid key: use letters, digits and _, starting with a letter"
        ));
    }
    Ok((key.to_string(), value.to_string()))
}

impl TargetArgs {
    /// Starts the simulated cluster `--sim` asks for. Keep it alive for the
    /// run; `apply` points the run at it (its kubeconfig and context).
    pub(super) fn start_sim(&self) -> Result<Option<InProcessSim>, String> {
        if !self.sim {
            return Ok(None);
        }
        let scenario = match &self.scenario {
            Some(path) => orion_sim::scenario::Scenario::load(path)?,
            None => Default::default(),
        };
        let sim = InProcessSim::start(scenario)?;
        eprintln!(
            "simulated cluster on {} (kubeconfig {}, context {})",
            sim.url(),
            sim.kubeconfig.display(),
            sim.context()
        );
        Ok(Some(sim))
    }

    /// Says which environment `--sim` chose when `--env` named none.
    pub(super) fn say_chosen(&self, runtime: &crate::Runtime) {
        let chosen = runtime.host().target.environment.as_deref();
        if self.sim && self.environment.is_none() && chosen == Some(SIM_ENVIRONMENT) {
            eprintln!("environment {SIM_ENVIRONMENT} (orion.toml), for --sim");
        }
    }

    /// `builder` set up with these flags; `playbook` is where orion.toml is
    /// looked for, `sim` the simulated cluster `--sim` started.
    pub(super) fn apply(
        &self,
        mut builder: RuntimeBuilder,
        playbook: Option<&Path>,
        sim: Option<&InProcessSim>,
    ) -> RuntimeBuilder {
        if let Some(e) = &self.environment {
            builder = builder.environment(e);
        }
        if let Some(p) = playbook {
            builder = builder.playbook(p);
        }
        if self.sim {
            // --sim without --env: orion.toml's "sim" environment, if it has one.
            builder = builder.fallback_environment(SIM_ENVIRONMENT);
        }
        if let Some(c) = &self.context {
            builder = builder.context(c);
        }
        if let Some(sim) = sim {
            builder = builder.kubeconfig(&sim.kubeconfig).context(sim.context());
        }
        if let Some(n) = &self.namespace {
            builder = builder.namespace(n);
        }
        if let Some(c) = &self.config {
            builder = builder.config_file(c);
        }
        for (k, v) in &self.set {
            builder = builder.set(k, v);
        }
        builder = builder.lock_timeout(self.lock_timeout);
        if let Some(r) = self.reach {
            builder = builder.reach(r);
        }
        if let Some(d) = &self.docker {
            builder = builder.docker(d);
        }
        for s in &self.services {
            builder = builder.service(s);
        }
        builder = builder
            .comprehensive(self.comprehensive)
            .skip_tests(self.skip_tests);
        if let Some(a) = &self.approver {
            builder = builder.approver(a);
        }
        builder.dry_run(self.dry_run).assume_yes(self.yes)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_set;

    #[test]
    fn set_values_need_a_key() {
        assert_eq!(
            parse_set("image=web:1=2").unwrap(),
            ("image".into(), "web:1=2".into())
        );
        assert!(parse_set("image").is_err());
        assert!(parse_set("1x=y").is_err());
        assert!(parse_set("a-b=y").is_err());
    }
}
