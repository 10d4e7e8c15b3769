//! Starting and stopping a simulated API server on a loopback port.

use crate::addresses::Addresses;
use crate::api::{router, Api};
use crate::bootstrap;
use crate::controllers::{self, Timing};
use crate::kubeconfig;
use crate::network::Network;
use crate::scenario::Scenario;
use crate::store::Store;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How a simulated cluster starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Cluster size and pod network (`scenario.cluster.pod_network`: isolated
    /// unless set to host), image behaviours and API faults.
    pub scenario: Scenario,
    pub bookmark_interval: Duration,
    /// Changes kept for resuming watches (older versions get 410 Gone).
    pub history: usize,
    /// How long pods take to start and become ready.
    pub timing: Timing,
    /// A Prometheus file-discovery list of the ready pods, kept current.
    pub scrape_targets: Option<PathBuf>,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: Scenario::default(),
            bookmark_interval: Duration::from_secs(10),
            history: 20_000,
            timing: Timing::default(),
            scrape_targets: None,
        }
    }
}

/// A running simulated cluster. Dropping it stops the server.
pub struct Sim {
    addr: SocketAddr,
    api: Arc<Api>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    controllers: JoinHandle<()>,
}

impl Sim {
    /// Binds, fills the cluster (namespaces, nodes) and serves in the background.
    /// Call from inside a tokio runtime.
    pub async fn start(config: SimConfig) -> std::io::Result<Sim> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let addresses = Addresses::claim(config.scenario.cluster.pod_network)?;
        let store = Store::with_history(config.history);
        let scenario = Arc::new(config.scenario.clone());
        bootstrap::populate(&store, &config.scenario.cluster, addr, &addresses);
        let api = Arc::new(Api {
            store,
            server: addr.to_string(),
            bookmark_interval: config.bookmark_interval,
            faults: config.scenario.api.clone(),
            logs: Default::default(),
            allocation: Default::default(),
            network: Network::new(config.scrape_targets.clone(), scenario.clone()),
            addresses,
            requests: Default::default(),
        });
        let controllers = controllers::spawn(api.clone(), config.timing.clone(), scenario);
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(api.clone());
        let task = tokio::spawn(async move {
            // As Go's net/http, which kube-apiserver is: no Nagle delay on
            // small writes (a port-forward's frames would wait on ACKs).
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Sim {
            addr,
            api,
            stop: Some(stop),
            task: Some(task),
            controllers,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn api(&self) -> &Arc<Api> {
        &self.api
    }

    pub fn kubeconfig(&self) -> Value {
        kubeconfig::kubeconfig(&self.url())
    }

    pub fn write_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(&self.kubeconfig()).unwrap_or_default();
        std::fs::write(path, text)
    }

    /// Stops accepting requests. Open watches end when the runtime stops.
    pub async fn shutdown(mut self) {
        self.controllers.abort();
        self.api.network.stop();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.controllers.abort();
        self.api.network.stop();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
