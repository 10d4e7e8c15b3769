//! Port-forwarding as the kubelet serves it (`pods/{name}/portforward`): each
//! forwarded connection is one TCP connection to a port inside the pod,
//! carried over the protocol the client speaks — WebSocket channels
//! (`channel.rs`, what kube-rs speaks) or SPDY/3.1 streams (`spdy/`, what
//! kubectl speaks, on a plain HTTP upgrade or tunnelled through a WebSocket,
//! `tunnel.rs`). The API side (checks, negotiation, the 101) is
//! `api/portforward.rs`.

pub mod channel;
pub mod spdy;
pub mod tunnel;

use crate::network::dial::{DialError, Dialer};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Once one direction of a forwarded connection has ended, how long the other
/// gets to finish (containerd's `PortForward` gives it a second).
const GRACE: Duration = Duration::from_secs(1);

/// The pod a port-forward reaches, as its node knows it.
pub struct PodTarget {
    pod: Value,
    dialer: Arc<Dialer>,
    /// The pod sandbox's ID, as the container runtime names it in errors.
    sandbox: String,
}

impl PodTarget {
    pub fn new(pod: Value, dialer: Arc<Dialer>) -> PodTarget {
        let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
        let sandbox = sandbox_id(uid);
        PodTarget {
            pod,
            dialer,
            sandbox,
        }
    }

    /// One forwarded connection, as containerd's `PortForward`: connect to
    /// `port` inside the pod and copy both ways until both directions end (or
    /// one has, and the other had its grace). `Err` is what the kubelet writes
    /// on the error stream, worded as a real node's.
    pub async fn forward<S>(&self, port: u16, client: S) -> Result<(), String>
    where
        S: AsyncRead + AsyncWrite + Send,
    {
        let connected = match self.dialer.pod_address(&self.pod, port) {
            Some(address) => self.dialer.connect(&address).await,
            // The pod lost its IP since the request: its sandbox is gone.
            None => Err(DialError {
                address: format!("127.0.0.1:{port}"),
                error: std::io::ErrorKind::ConnectionRefused.into(),
            }),
        };
        match connected {
            Ok(pod) => {
                splice(client, pod).await;
                Ok(())
            }
            Err(e) => Err(self.error(port, &e)),
        }
    }

    /// containerd's words for a port nothing answers on, as `kubectl port-forward`
    /// prints them after "an error occurred forwarding L -> R: ". The pod's
    /// network has no IPv6 loopback (simulated pods listen on IPv4 only).
    fn error(&self, port: u16, e: &DialError) -> String {
        let sandbox = &self.sandbox;
        let netns = format!(
            "/var/run/netns/cni-{}-{}-{}-{}-{}",
            &sandbox[32..40],
            &sandbox[40..44],
            &sandbox[44..48],
            &sandbox[48..52],
            &sandbox[52..64]
        );
        format!(
            "error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"{netns}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: {} IPv6 dial tcp6: address localhost: no suitable address found ",
            e.cause()
        )
    }
}

/// A 64-hex-digit sandbox ID, the same for the same pod UID.
fn sandbox_id(uid: &str) -> String {
    (0u64..4)
        .map(|seed| {
            // FNV-1a, seeded per quarter.
            let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for b in uid.bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            format!("{h:016x}")
        })
        .collect()
}

/// Copies `client` ⇄ `pod`. Each side learns at once that the other has
/// finished sending (a FIN on the pod's socket, the end of the client's
/// stream); once one direction is done the other gets `GRACE`.
async fn splice<S>(client: S, pod: TcpStream)
where
    S: AsyncRead + AsyncWrite + Send,
{
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut pod_read, mut pod_write) = pod.into_split();
    let up = async {
        let _ = tokio::io::copy(&mut client_read, &mut pod_write).await;
        let _ = pod_write.shutdown().await;
    };
    let down = async {
        let _ = tokio::io::copy(&mut pod_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::pin!(up, down);
    tokio::select! {
        () = &mut up => { let _ = tokio::time::timeout(GRACE, down).await; }
        () = &mut down => { let _ = tokio::time::timeout(GRACE, up).await; }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn a_port_nothing_listens_on_is_reported_as_a_node_reports_it() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let pod = json!({
            "metadata": {"uid": "0b6c1e4e-2f4a-4f55-9a57-0d2f1b8f3c11"},
            "spec": {"containers": [{"name": "app", "image": "web:1"}]},
            "status": {"podIP": "127.0.0.1"},
        });
        let target = PodTarget::new(pod, Arc::default());
        let (client, _other) = tokio::io::duplex(64);
        let e = target.forward(port, client).await.unwrap_err();
        let sandbox = &target.sandbox;
        assert_eq!(sandbox.len(), 64);
        assert!(
            e.starts_with(&format!(
                "error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-"
            )),
            "{e}"
        );
        assert!(
            e.ends_with(&format!("\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6: address localhost: no suitable address found ")),
            "{e}"
        );
    }
}
