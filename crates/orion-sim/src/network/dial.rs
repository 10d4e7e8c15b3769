//! How the simulator reaches a pod's port from inside the cluster — the one
//! place that knows. Port-forward, the API server's proxy and the Service
//! forwarders all connect through here. A pod's port is its IP and port (or,
//! for an image the scenario sends to a real server, that server stands in
//! for its container). Where that address is served depends on the pod
//! network (`pod_network.rs`): in host mode pods and Services listen on their
//! own loopback addresses; in isolated mode on loopback ports of the kernel's
//! choosing, which only the routes kept here know.

use crate::pod_network::PodNetwork;
use crate::scenario::Scenario;
use serde_json::Value;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// How long a connection to a pod may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where `port` of `pod` is served: the real server the scenario names for the
/// image of the container that declares the port (or of the first container,
/// if none does), else the pod's IP. `None` while the pod has no IP.
pub fn pod_address(pod: &Value, port: u16, scenario: &Scenario) -> Option<String> {
    let containers = pod["spec"]["containers"].as_array()?;
    let serving = containers
        .iter()
        .find(|c| {
            c["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["containerPort"].as_u64() == Some(u64::from(port)))
        })
        .or_else(|| containers.first())?;
    let image = serving["image"].as_str().unwrap_or_default();
    if let Some(upstream) = scenario
        .behaviour(image)
        .and_then(|b| b.upstream.as_deref())
    {
        return Some(upstream.to_string());
    }
    let ip: Ipv4Addr = pod["status"]["podIP"].as_str()?.parse().ok()?;
    Some(SocketAddr::from((ip, port)).to_string())
}

/// The simulator's view of its pod network: how images behave, whether the
/// host reaches pod and Service addresses, and where each one is served.
#[derive(Default)]
pub struct Dialer {
    scenario: Arc<Scenario>,
    network: PodNetwork,
    /// Pod and Service addresses (IP, port) to where they are listened on.
    routes: RwLock<HashMap<SocketAddr, SocketAddr>>,
}

impl Dialer {
    pub fn new(scenario: Arc<Scenario>) -> Dialer {
        Dialer {
            network: scenario.cluster.pod_network,
            scenario,
            routes: RwLock::default(),
        }
    }

    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    /// Where `port` of `pod` is, as the cluster names it (see `pod_address`).
    pub fn pod_address(&self, pod: &Value, port: u16) -> Option<String> {
        pod_address(pod, port, &self.scenario)
    }

    /// Whether `at` is a pod or Service address the host does not reach.
    fn hides(&self, at: SocketAddr) -> bool {
        matches!(at, SocketAddr::V4(v4) if self.network.hides(*v4.ip()))
    }

    /// A listening socket for the pod or Service address `at`: on `at`
    /// itself when the host may reach it, else on a free loopback port.
    /// Returns it and where it listens.
    pub(super) fn listen(&self, at: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
        let bind = if self.hides(at) {
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
        } else {
            at
        };
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(bind)?;
        let listener = socket.listen(1024)?;
        let local = listener.local_addr()?;
        Ok((listener, local))
    }

    /// Replaces the routes: each pod and Service address listened on, and where.
    pub(super) fn set_routes(&self, routes: HashMap<SocketAddr, SocketAddr>) {
        *self.routes.write().unwrap_or_else(PoisonError::into_inner) = routes;
    }

    /// Where the pod or Service address `at` is listened on, if it is.
    pub fn served_at(&self, at: SocketAddr) -> Option<SocketAddr> {
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        routes.get(&at).copied()
    }

    /// Opens a TCP connection to `address` (from `pod_address`, or an
    /// Endpoints address), within `CONNECT_TIMEOUT`. An address of the
    /// isolated pod network that nothing serves is refused, as by the pod.
    pub async fn connect(&self, address: &str) -> Result<TcpStream, DialError> {
        let failed = |error| DialError {
            address: address.to_string(),
            error,
        };
        let target = match address.parse::<SocketAddr>() {
            Ok(at) => match self.served_at(at) {
                Some(served) => served.to_string(),
                None if self.hides(at) => {
                    return Err(failed(std::io::ErrorKind::ConnectionRefused.into()));
                }
                None => address.to_string(),
            },
            Err(_) => address.to_string(),
        };
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&target))
            .await
            .map_err(|_| failed(std::io::ErrorKind::TimedOut.into()))?
            .map_err(failed)?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

/// A connection that could not be opened.
#[derive(Debug)]
pub struct DialError {
    pub address: String,
    pub error: std::io::Error,
}

impl DialError {
    /// What went wrong, as the end of Go's `net.OpError`: `connect: connection
    /// refused`, `i/o timeout`.
    pub fn cause(&self) -> String {
        if self.error.kind() == std::io::ErrorKind::TimedOut {
            return "i/o timeout".into();
        }
        let text = self.error.to_string();
        // Rust appends " (os error N)" to strerror's words; Go lowercases them.
        let words = text.split(" (os error").next().unwrap_or_default();
        let mut chars = words.chars();
        let lowered: String = chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default();
        format!("connect: {lowered}")
    }
}

/// As Go's HTTP transport says it: `dial tcp 10.244.1.5:8080: connect: connection refused`.
impl std::fmt::Display for DialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dial tcp {}: {}", self.address, self.cause())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_port_is_reached_on_the_pod_ip_or_the_scenarios_real_server() {
        let pod = json!({
            "spec": {"containers": [
                {"name": "web", "image": "web:1", "ports": [{"containerPort": 8080}]},
                {"name": "db", "image": "postgres:16", "ports": [{"containerPort": 5432}]},
            ]},
            "status": {"podIP": "127.244.0.7"},
        });
        let scenario =
            Scenario::parse("[[image]]\nmatch = \"postgres:*\"\nupstream = \"127.0.0.1:15432\"\n")
                .unwrap();
        assert_eq!(
            pod_address(&pod, 8080, &scenario).as_deref(),
            Some("127.244.0.7:8080")
        );
        assert_eq!(
            pod_address(&pod, 5432, &scenario).as_deref(),
            Some("127.0.0.1:15432")
        );
        assert_eq!(
            pod_address(&pod, 9999, &scenario).as_deref(),
            Some("127.244.0.7:9999"),
            "a port no container declares is still dialled on the pod"
        );
        let mut no_ip = pod.clone();
        no_ip["status"] = json!({});
        assert_eq!(pod_address(&no_ip, 8080, &scenario), None);
    }

    #[tokio::test]
    async fn a_refused_connection_is_worded_as_go_words_it() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        drop(listener);
        let e = Dialer::default().connect(&addr).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("dial tcp {addr}: connect: connection refused")
        );
    }

    #[tokio::test]
    async fn an_isolated_address_is_reached_through_its_route_or_refused() {
        let dialer = Dialer::default();
        let pod: SocketAddr = "10.244.1.5:8080".parse().unwrap();
        let (listener, local) = dialer.listen(pod).unwrap();
        assert!(local.ip().is_loopback() && local.port() != 8080, "{local}");
        let e = dialer.connect("10.244.1.5:8080").await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "dial tcp 10.244.1.5:8080: connect: connection refused",
            "no route yet: refused without trying the host's network"
        );
        dialer.set_routes(HashMap::from([(pod, local)]));
        let accepted = tokio::spawn(async move { listener.accept().await.is_ok() });
        dialer.connect("10.244.1.5:8080").await.unwrap();
        assert!(accepted.await.unwrap());
        let host = Dialer::new(Arc::new(
            Scenario::parse("[cluster]\npod_network = \"host\"\n").unwrap(),
        ));
        let lb: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let (_l, local) = host.listen(lb).unwrap();
        assert_eq!(local.ip(), lb.ip());
    }
}
