//! Port-forwarding through the API server, as `kubectl port-forward` does:
//! a local port on 127.0.0.1 whose connections each reach a ready pod of
//! the target over the API server's `pods/portforward` (WebSocket). The
//! pod is chosen again for each new connection, so when it goes away new
//! connections go to another ready one. TCP is passed as bytes: HTTP,
//! PostgreSQL and Redis alike.

use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::retry::retry;
use crate::drivers::kube::Cluster;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// What a forward reaches, as kubectl writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Service(String),
    Deployment(String),
    Pod(String),
}

impl Target {
    /// `"svc/gateway"`, `"deploy/gateway"`, `"pod/gateway-7d9c-x2"`; a bare
    /// name is a Service.
    pub fn parse(text: &str) -> Result<Target, String> {
        let (kind, name) = text.split_once('/').unwrap_or(("svc", text));
        if name.is_empty() || name.contains('/') {
            return Err(format!(
                "\"{text}\" is not a forward target\nhint: \"svc/NAME\", \"deploy/NAME\" or \"pod/NAME\" (a bare name is a Service)"
            ));
        }
        let name = name.to_string();
        match kind.to_ascii_lowercase().as_str() {
            "svc" | "service" | "services" => Ok(Target::Service(name)),
            "deploy" | "deployment" | "deployments" => Ok(Target::Deployment(name)),
            "pod" | "pods" | "po" => Ok(Target::Pod(name)),
            other => Err(format!(
                "cannot forward to a {other}\nhint: \"svc/NAME\", \"deploy/NAME\" or \"pod/NAME\""
            )),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Target::Service(n) => format!("service/{n}"),
            Target::Deployment(n) => format!("deployment/{n}"),
            Target::Pod(n) => format!("pod/{n}"),
        }
    }
}

/// A port of the target: its number, or a port's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Port {
    Number(u16),
    Name(String),
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Port::Number(n) => write!(f, "{n}"),
            Port::Name(n) => f.write_str(n),
        }
    }
}

/// An open forward: connections to `local` reach the target until it is
/// dropped (or the token it was started with is cancelled).
pub struct Forward {
    pub local: SocketAddr,
    stop: CancellationToken,
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A run's (or REPL session's) forwards, one per target and port, open
/// until it ends.
#[derive(Default)]
pub struct Forwards {
    open: tokio::sync::Mutex<std::collections::HashMap<(String, Target, Port), Forward>>,
}

impl Forwards {
    /// The local address of the forward to `port` of `target` in `ns`,
    /// opened on first use.
    pub async fn address(
        &self,
        cluster: &Cluster,
        ns: &str,
        target: Target,
        port: Port,
        stop: CancellationToken,
    ) -> Result<SocketAddr, K8sError> {
        let key = (ns.to_string(), target.clone(), port.clone());
        let mut open = self.open.lock().await;
        // One closed by Ctrl-C (the REPL goes on) is opened again.
        if let Some(f) = open.get(&key).filter(|f| !f.stop.is_cancelled()) {
            return Ok(f.local);
        }
        let forward = self::open(cluster, ns, target, port, stop).await?;
        let local = forward.local;
        open.insert(key, forward);
        Ok(local)
    }

    /// Whether `local` is one of these forwards' local addresses.
    pub async fn serves(&self, local: SocketAddr) -> bool {
        self.open.lock().await.values().any(|f| f.local == local)
    }

    /// Closes every forward.
    pub async fn close(&self) {
        self.open.lock().await.clear();
    }
}

/// Opens a forward to `port` of `target` in `ns`: fails at once, naming
/// the selector, when there is no ready pod to reach.
pub async fn open(
    cluster: &Cluster,
    ns: &str,
    target: Target,
    port: Port,
    stop: CancellationToken,
) -> Result<Forward, K8sError> {
    let way = Way {
        cluster: cluster.clone(),
        ns: ns.to_string(),
        target,
        port,
    };
    way.pod_and_port().await?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| K8sError::new(format!("cannot listen on 127.0.0.1 for a forward: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| K8sError::new(format!("cannot listen on 127.0.0.1 for a forward: {e}")))?;
    let stop = stop.child_token();
    let stopped = stop.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stopped.cancelled() => return,
                accepted = listener.accept() => {
                    let Ok((conn, _)) = accepted else { continue };
                    let (way, stopped) = (way.clone(), stopped.clone());
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = stopped.cancelled() => {}
                            done = way.carry(conn) => {
                                if let Err(e) = done {
                                    tracing::warn!("forward to {}: {e}", way.target.label());
                                }
                            }
                        }
                    });
                }
            }
        }
    });
    Ok(Forward { local, stop })
}

/// How a connection reaches the target.
#[derive(Clone)]
struct Way {
    cluster: Cluster,
    ns: String,
    target: Target,
    port: Port,
}

impl Way {
    /// One connection, carried to a ready pod until either side closes.
    async fn carry(&self, mut conn: tokio::net::TcpStream) -> Result<(), K8sError> {
        // Small writes go out at once (no waiting on delayed acknowledgements).
        let _ = conn.set_nodelay(true);
        let (pod, port) = self.pod_and_port().await?;
        let pods: Api<Pod> = Api::namespaced(self.cluster.client.clone(), &self.ns);
        let what = format!("forwarding to port {port} of pod {pod}");
        let mut forwarder = pods
            .portforward(&pod, &[port])
            .await
            .map_err(|e| K8sError::from_kube(&what, e))?;
        let mut upstream = forwarder
            .take_stream(port)
            .ok_or_else(|| K8sError::new(format!("{what}: no stream")))?;
        if let Some(error) = forwarder.take_error(port) {
            let what = what.clone();
            tokio::spawn(async move {
                if let Some(e) = error.await {
                    tracing::debug!("{what}: {e}");
                }
            });
        }
        let copied = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await;
        drop(upstream);
        forwarder.abort();
        copied
            .map(|_| ())
            .map_err(|e| K8sError::new(format!("{what}: {e}")))
    }

    /// A ready pod of the target and the port number on it.
    async fn pod_and_port(&self) -> Result<(String, u16), K8sError> {
        let client = self.cluster.client.clone();
        let (selector, port) = match &self.target {
            Target::Pod(name) => {
                let pods: Api<Pod> = Api::namespaced(client, &self.ns);
                let what = format!("reading pod {name}");
                let pod = retry(&what, || pods.get(name)).await?;
                if !ready(&pod) {
                    return Err(K8sError::new(format!(
                        "pod {name} is not ready, so nothing can be forwarded to it\nhint: k8s::pods() shows its state"
                    )));
                }
                let port = container_port(&pod, &self.port).ok_or_else(|| self.no_port(name))?;
                return Ok((name.clone(), port));
            }
            Target::Service(name) => {
                let services: Api<Service> = Api::namespaced(client, &self.ns);
                let what = format!("reading service {name}");
                let svc = retry(&what, || services.get(name)).await?;
                let spec = svc.spec.unwrap_or_default();
                let ports = spec.ports.unwrap_or_default();
                let found = ports.iter().find(|p| match &self.port {
                    Port::Number(n) => p.port == i32::from(*n),
                    Port::Name(n) => p.name.as_deref() == Some(n),
                });
                let Some(found) = found else {
                    let listed: Vec<String> = ports.iter().map(|p| p.port.to_string()).collect();
                    return Err(K8sError::new(format!(
                        "service {name} has no port {}\nhint: its ports: {}",
                        self.port,
                        listed.join(", ")
                    )));
                };
                use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
                let to = match &found.target_port {
                    Some(IntOrString::Int(n)) => Port::Number(*n as u16),
                    Some(IntOrString::String(s)) => Port::Name(s.clone()),
                    None => Port::Number(found.port as u16),
                };
                let selector = spec.selector.unwrap_or_default();
                if selector.is_empty() {
                    return Err(K8sError::new(format!(
                        "service {name} has no selector, so it has no pods to forward to"
                    )));
                }
                (selector, to)
            }
            Target::Deployment(name) => {
                let deployments: Api<Deployment> = Api::namespaced(client, &self.ns);
                let what = format!("reading deployment {name}");
                let d = retry(&what, || deployments.get(name)).await?;
                let selector = d
                    .spec
                    .and_then(|s| s.selector.match_labels)
                    .unwrap_or_default();
                (selector, self.port.clone())
            }
        };
        let query = selector_query(&selector);
        let pods: Api<Pod> = Api::namespaced(self.cluster.client.clone(), &self.ns);
        let lp = ListParams::default().labels(&query);
        let what = format!("listing the pods of {}", self.target.label());
        let list = retry(&what, || pods.list(&lp)).await?;
        let mut candidates: Vec<&Pod> = list.items.iter().filter(|p| ready(p)).collect();
        // Spread connections over the ready pods.
        candidates.sort_by_key(|_| rand_key());
        let chosen = candidates
            .into_iter()
            .find_map(|p| container_port(p, &port).map(|n| (p, n)));
        match chosen {
            Some((pod, n)) => Ok((pod.metadata.name.clone().unwrap_or_default(), n)),
            None => Err(K8sError::new(format!(
                "no ready pod of {} to forward to (selector {query}, port {})\nhint: k8s::pods(\"{query}\") shows them",
                self.target.label(),
                port
            ))),
        }
    }

    fn no_port(&self, pod: &str) -> K8sError {
        K8sError::new(format!(
            "pod {pod} has no port {}\nhint: a container port's number or name",
            self.port
        ))
    }
}

/// A pod that is Ready and not being deleted.
fn ready(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The port on `pod` that `port` names: a number as it is, a name looked
/// up among its containers' ports.
fn container_port(pod: &Pod, port: &Port) -> Option<u16> {
    match port {
        Port::Number(n) => Some(*n),
        Port::Name(name) => pod
            .spec
            .as_ref()?
            .containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| p.name.as_deref() == Some(name))
            .map(|p| p.container_port as u16),
    }
}

/// "app=gateway,tier=service".
fn selector_query(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A number that differs between calls, to spread connections over pods.
fn rand_key() -> u128 {
    uuid::Uuid::new_v4().as_u128()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_as_kubectl_writes_them() {
        assert_eq!(
            Target::parse("svc/gateway"),
            Ok(Target::Service("gateway".into()))
        );
        assert_eq!(
            Target::parse("gateway"),
            Ok(Target::Service("gateway".into()))
        );
        assert_eq!(
            Target::parse("deploy/gateway"),
            Ok(Target::Deployment("gateway".into()))
        );
        assert_eq!(
            Target::parse("pod/gateway-7d9c-x2"),
            Ok(Target::Pod("gateway-7d9c-x2".into()))
        );
        assert!(Target::parse("job/x")
            .unwrap_err()
            .contains("cannot forward to a job"));
        assert!(Target::parse("svc/").is_err());
        assert!(Target::parse("svc/a/b").is_err());
    }

    #[test]
    fn named_ports_are_found_in_the_containers() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]}
        }))
        .unwrap();
        assert_eq!(container_port(&pod, &Port::Name("http".into())), Some(8080));
        assert_eq!(container_port(&pod, &Port::Name("grpc".into())), None);
        assert_eq!(container_port(&pod, &Port::Number(9000)), Some(9000));
    }
}
