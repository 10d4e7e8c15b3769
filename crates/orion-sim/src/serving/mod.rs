//! Simulated pods' containers answering real HTTP: health, Prometheus
//! metrics, and ordinary requests with the latency, errors, phases and
//! crashes a scenario's `[[image]]` asks for.

pub mod behaviour;
pub mod rng;
pub mod server;
pub mod stats;

#[cfg(test)]
mod test_client;

pub use behaviour::Effective;
pub use rng::Rng;
pub use server::{serve, version_of, PodIdentity, PodServer};
pub use stats::PodStats;
