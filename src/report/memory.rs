//! A sink that keeps events in memory, for embedding orion and for tests.

use crate::report::event::Event;
use crate::report::sink::Sink;
use std::sync::Mutex;

#[derive(Default)]
pub struct Memory {
    events: Mutex<Vec<Event>>,
}

impl Memory {
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Sink for Memory {
    fn emit(&self, event: &Event) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event.clone());
    }
}
