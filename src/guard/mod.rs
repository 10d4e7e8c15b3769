//! The host's safety guards, which no playbook can skip: every change the
//! primitives make passes the one door, `Gate::pass` (door.rs).

pub mod approval;
pub mod change;
pub mod compensate;
pub mod door;
pub mod dry_made;
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

pub use change::Change;
pub use door::{Admission, Passed, Stopped};
pub use environment::Environment;
pub use gate::{Gate, Refusal};
pub use sandbox::Sandbox;
