//! The host's safety guards, which no playbook can skip: every change the
//! primitives make passes `Gate::check` first.

pub mod approval;
pub mod compensate;
pub mod environment;
pub mod gate;
pub mod journal;
pub mod lock;
pub mod placeholders;
pub mod programs;
pub mod sandbox;
pub mod summary;
pub mod untrusted;
pub mod window;

pub use environment::Environment;
pub use gate::{Gate, Refusal};
pub use sandbox::Sandbox;
