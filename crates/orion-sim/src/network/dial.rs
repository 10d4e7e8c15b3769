//! How the simulator reaches a pod's port from inside the cluster — the one
//! place that knows. Port-forward, the API server's proxy and the Service
//! forwarders all connect through here. Today a pod listens on its own
//! loopback IP (or, for an image the scenario sends to a real server, that
//! server stands in for its container); if pods move to addresses the host
//! cannot reach, only this file changes.

use crate::scenario::Scenario;
use serde_json::Value;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpStream;

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

/// Opens a TCP connection to `address` (from `pod_address`, or an Endpoints
/// address), within `CONNECT_TIMEOUT`.
pub async fn connect(address: &str) -> Result<TcpStream, DialError> {
    let failed = |error| DialError {
        address: address.to_string(),
        error,
    };
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
        .await
        .map_err(|_| failed(std::io::ErrorKind::TimedOut.into()))?
        .map_err(failed)?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
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
        let e = connect(&addr).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("dial tcp {addr}: connect: connection refused")
        );
    }
}
