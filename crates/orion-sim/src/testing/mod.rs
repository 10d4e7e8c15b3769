//! What tests of the simulated cluster — its own, and orion's — drive it
//! with: a cluster that real `kubectl` talks to, a bare HTTP client, ports,
//! a real Prometheus, a proxy that makes its API server hang. Built only
//! with the `testing` feature.

mod api_proxy;
mod cluster;
pub mod http;
mod servers;

pub use api_proxy::ApiProxy;
pub use cluster::{fast, host_network, KubectlCluster};
pub use servers::{free_port, wait_for_port, Prometheus};

/// A Deployment of `replicas` pods of `image`, labelled `labels` (YAML
/// flow-map body: `app: web`), with container port 8080 named `http`.
pub fn deployment(name: &str, image: &str, replicas: u32, labels: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{{labels}}}}}
  template:
    metadata: {{labels: {{{labels}}}}}
    spec:
      containers:
      - name: app
        image: {image}
        ports: [{{name: http, containerPort: 8080}}]
"
    )
}
