//! Async Rust that talks to the world, knowing nothing of Rhai or the
//! command line: the Kubernetes API (`kube`), load balancers (`lb`), health
//! probes (`probe`), metrics sources (`metrics`), webhooks (`notify`), the
//! Docker Engine (`docker`), AWS (`aws`), and the programs orion runs
//! (`child`).

pub mod aws;
pub mod child;
pub mod docker;
pub mod kube;
pub mod lb;
pub mod metrics;
pub mod notify;
pub mod probe;

/// An error and what caused it, down to the first cause ("... (Connect):
/// invalid peer certificate: UnknownIssuer").
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}
