//! A simulated Kubernetes cluster: an API server that kubectl and kube-rs talk
//! to over HTTP, with the store and (later) controllers behind it. It stands
//! alone: nothing here imports the rest of orion.

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
pub mod protobuf;
pub mod resources;
pub mod scenario;
pub mod selector;
pub mod server;
pub mod services;
pub mod status;
pub mod store;
pub mod traffic;
pub mod validate;

pub use controllers::Timing;
pub use server::{Sim, SimConfig};
