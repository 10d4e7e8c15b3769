//! The Kubernetes driver: everything orion does to a cluster, through kube-rs
//! over HTTP — a real cluster from the kubeconfig, or the simulated one.
//! Primitives call in here; nothing here knows about Rhai.

pub mod calls;
pub mod connect;
pub mod diagnose;
pub mod error;
pub mod forward;
pub mod kinds;
pub mod logs;
pub mod manifests;
pub mod nodes;
pub mod objects;
pub mod reach;
pub mod retry;
pub mod rollout;
pub mod run_pod;
pub mod services;

pub use connect::{Cluster, ContextInfo};
pub use error::K8sError;
