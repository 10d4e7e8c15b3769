//! A simulated Kubernetes cluster: an API server that kubectl and kube-rs talk
//! to over HTTP, with its store, the controllers that make it behave like a cluster, and
//! pods that serve real HTTP. It stands alone: nothing here imports orion.

pub mod addresses;
pub mod api;
pub mod apply;
pub mod bootstrap;
pub mod controllers;
pub mod defaults;
pub mod kubeconfig;
pub mod logs;
pub mod meta;
pub mod network;
pub mod patch;
pub mod pod_network;
pub mod portforward;
pub mod protobuf;
pub mod resources;
pub mod scenario;
pub mod selector;
pub mod server;
pub mod services;
pub mod serving;
pub mod status;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validate;

pub use controllers::Timing;
pub use pod_network::PodNetwork;
pub use server::{Sim, SimConfig};
