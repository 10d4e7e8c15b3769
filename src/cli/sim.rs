//! `orion sim`: serve a simulated Kubernetes cluster on loopback until Ctrl-C.

use crate::exit_code::ExitCode;
use crate::report::style::Style;
use clap::builder::TypedValueParser;
use clap::Args;
use orion_sim::kubeconfig::CONTEXT;
use orion_sim::scenario::Scenario;
use orion_sim::{PodNetwork, Sim, SimConfig};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Serve a simulated Kubernetes cluster on loopback and write a kubeconfig
/// (context `orion-sim`) that kubectl and orion use as they are.
#[derive(Args, Debug)]
pub(super) struct SimArgs {
    /// Address to serve on; loopback only (the simulator has no authentication).
    #[arg(long, default_value = "127.0.0.1:6443", value_name = "ADDR")]
    listen: SocketAddr,
    /// Simulated nodes [default: the scenario's, or 3].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=255))]
    nodes: Option<u16>,
    /// Scenario file (TOML): cluster size, how images behave, API faults.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Where to write the kubeconfig [default: $XDG_DATA_HOME/orion/sim/kubeconfig].
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// Keep a Prometheus file-discovery list (file_sd_configs) of the ready
    /// pods here, with namespace, pod, container, deployment and version labels.
    #[arg(long, value_name = "PATH")]
    scrape_targets: Option<PathBuf>,
    /// isolated: pod IPs (10.244.0.0/16) and ClusterIPs (10.96.0.0/12) are not
    /// reachable from this machine, as on a real cluster — port-forward and the
    /// API proxy reach them; host: loopback pod and Service addresses this
    /// machine reaches, for a load balancer in front of pod IPs
    /// [default: the scenario's, or isolated].
    #[arg(
        long,
        value_name = "MODE",
        value_parser = clap::builder::PossibleValuesParser::new(PodNetwork::NAMES)
            .try_map(|s| s.parse::<PodNetwork>()),
    )]
    pod_network: Option<PodNetwork>,
}

pub(super) fn run(args: SimArgs) -> ExitCode {
    let style = Style::for_stderr();
    let fail = |message: String| {
        eprintln!("{} {message}", style.error("error:"));
        ExitCode::PreFlight
    };
    if !args.listen.ip().is_loopback() {
        return fail(format!(
            "refusing to listen on {}: the simulated cluster has no authentication\n  = hint: use a loopback address such as 127.0.0.1:6443",
            args.listen
        ));
    }
    let Some(path) = args
        .kubeconfig
        .or_else(|| dirs::data_dir().map(|d| d.join("orion/sim/kubeconfig")))
    else {
        return fail(
            "no data directory to write the kubeconfig to\n  = hint: pass --kubeconfig PATH".into(),
        );
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the I/O runtime: {e}")),
    };
    let mut scenario = match &args.scenario {
        Some(path) => match Scenario::load(path) {
            Ok(s) => s,
            Err(e) => return fail(e),
        },
        None => Scenario::default(),
    };
    if let Some(n) = args.nodes {
        scenario.cluster.nodes = usize::from(n);
    }
    if let Some(network) = args.pod_network {
        scenario.cluster.pod_network = network;
    }
    let nodes = scenario.cluster.nodes;
    let network = match scenario.cluster.pod_network {
        PodNetwork::Isolated => {
            "pod network isolated: reach pods and Services with kubectl port-forward or the API proxy"
        }
        PodNetwork::Host => "pod network host: pod and Service addresses are on this machine",
    };
    let config = SimConfig {
        listen: args.listen,
        scenario,
        scrape_targets: args.scrape_targets.clone(),
        ..SimConfig::default()
    };
    runtime.block_on(async {
        let sim = match Sim::start(config).await {
            Ok(sim) => sim,
            Err(e) => {
                return fail(format!(
                    "cannot listen on {}: {e}\n  = hint: pick another port with --listen 127.0.0.1:PORT (port 0 picks a free one)",
                    args.listen
                ))
            }
        };
        if let Err(e) = sim.write_kubeconfig(&path) {
            return fail(format!("cannot write the kubeconfig to {}: {e}", path.display()));
        }
        if let Some(targets) = &args.scrape_targets {
            eprintln!("Prometheus scrape targets: {} (file_sd_configs)", targets.display());
        }
        eprintln!(
            "simulated cluster listening on {} ({} nodes)\n{network}\nkubeconfig: {} (context {CONTEXT})\n  export KUBECONFIG={}\nCtrl-C stops it.",
            sim.url(),
            nodes,
            path.display(),
            path.display()
        );
        let _ = tokio::signal::ctrl_c().await;
        sim.shutdown().await;
        eprintln!("simulated cluster stopped");
        ExitCode::Success
    })
}
