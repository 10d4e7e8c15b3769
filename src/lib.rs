//! orion: deployment playbooks in Rhai, run by a host that enforces the guards.
//!
//! Data flows one way: `cli` → `engine` → `primitives` → (guard, drivers) → the
//! world. Embed it with [`Runtime`]; the `orion` binary is [`run`].

// A `Diagnostic` is built at most once per failed run or REPL input: passing it
// by value in `Result` costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod config;
pub mod drivers;
pub mod duration;
pub mod engine;
pub mod error;
pub mod exit_code;
pub mod guard;
pub mod mask;
pub mod outcome;
pub mod primitives;
pub mod report;
pub mod runtime;
pub mod session;

pub use cli::run;
pub use error::Error;
pub use exit_code::ExitCode;
pub use outcome::Outcome;
pub use report::diagnostic::Diagnostic;
pub use runtime::{Runtime, RuntimeBuilder};
pub use session::Session;
