//! Where events go. A run emits to one sink; the CLI picks console or JSON.

use crate::report::event::Event;

pub trait Sink: Send + Sync {
    fn emit(&self, event: &Event);
}

/// How much a person wants to see (`-q`, default, `-v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}
