//! Async Rust that talks to the world, knowing nothing of Rhai or the
//! command line: the Kubernetes API (`kube`), load balancers (`lb`), health
//! probes (`probe`), metrics sources (`metrics`), webhooks (`notify`), the
//! Docker Engine (`docker`), and the programs orion runs (`child`).

pub mod child;
pub mod docker;
pub mod kube;
pub mod lb;
pub mod metrics;
pub mod notify;
pub mod probe;
