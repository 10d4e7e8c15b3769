//! `--sim`: a simulated cluster started in-process for one run of `play` or
//! `repl`, with a kubeconfig (context `orion-sim`) that lives as long as it.
//! Its pod network is the scenario's, isolated unless the scenario says
//! `pod_network = "host"`: orion reaches pods and Services as it would on a
//! real cluster from outside, through port-forwards over the API server.

use orion_sim::kubeconfig::CONTEXT;
use orion_sim::scenario::Scenario;
use orion_sim::{Sim, SimConfig};
use std::path::PathBuf;

pub(super) struct InProcessSim {
    sim: Option<Sim>,
    runtime: tokio::runtime::Runtime,
    dir: PathBuf,
    pub kubeconfig: PathBuf,
}

impl InProcessSim {
    /// A simulated cluster behaving as `scenario` says.
    pub(super) fn start(scenario: Scenario) -> Result<InProcessSim, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("orion-sim")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the simulated cluster's runtime: {e}"))?;
        let sim = runtime
            .block_on(Sim::start(SimConfig {
                scenario,
                ..SimConfig::default()
            }))
            .map_err(|e| format!("cannot start the simulated cluster: {e}"))?;
        let dir = std::env::temp_dir().join(format!("orion-sim-{}", std::process::id()));
        let kubeconfig = dir.join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).map_err(|e| {
            format!(
                "cannot write the simulated cluster's kubeconfig to {}: {e}",
                kubeconfig.display()
            )
        })?;
        Ok(InProcessSim {
            sim: Some(sim),
            runtime,
            dir,
            kubeconfig,
        })
    }

    pub(super) fn url(&self) -> String {
        self.sim.as_ref().map(Sim::url).unwrap_or_default()
    }

    pub(super) fn context(&self) -> &'static str {
        CONTEXT
    }
}

impl Drop for InProcessSim {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
