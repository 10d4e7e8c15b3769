//! What a run tells the world: events, rendered for people (console) or machines
//! (JSON lines), diagnostics with source snippets, and the step summary.

pub mod clock;
pub mod console;
pub mod diagnostic;
pub mod event;
pub mod json;
pub mod junit;
pub mod memory;
pub mod printable;
pub mod sink;
pub mod step;
pub mod style;
pub mod summary;
pub mod test_record;
