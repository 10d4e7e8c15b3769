//! Assembles the Rhai engine in one place — limits, sandbox, module resolution,
//! cancellation — and turns Rhai's errors into diagnostics.

pub mod assemble;
pub mod diagnose;
pub mod imports;
pub mod limits;
pub mod memory;
pub mod nesting;
pub mod reference;
pub mod resolver;
pub mod sources;
pub mod stack;
pub mod stdlib;
pub mod suggest;
pub mod watch;
