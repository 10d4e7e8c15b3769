//! The text of every playbook and module compiled in a run, by source name, so a
//! diagnostic can quote the line an error points at.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The most lines a playbook or module may have: Rhai counts lines in 16
/// bits, so positions past this would point at the wrong line.
pub const MAX_LINES: usize = u16::MAX as usize;

/// Refuses a script too long for positions to be right, saying so.
pub fn check_length(name: &str, text: &str) -> Result<(), String> {
    let lines = text.lines().count();
    if lines <= MAX_LINES {
        return Ok(());
    }
    Err(format!(
        "{name} has {lines} lines; orion reads scripts of at most {MAX_LINES} lines (positions past that would be wrong)\nhint: split it into modules and import them"
    ))
}

#[derive(Default)]
pub struct Sources {
    texts: Mutex<HashMap<String, Arc<str>>>,
}

impl Sources {
    pub fn insert(&self, name: &str, text: &str) {
        self.lock().insert(name.to_string(), Arc::from(text));
    }

    pub fn text(&self, name: &str) -> Option<Arc<str>> {
        self.lock().get(name).cloned()
    }

    /// Line `line` (1-based) of source `name`, if known.
    pub fn line(&self, name: &str, line: usize) -> Option<String> {
        let text = self.lock().get(name).cloned()?;
        text.lines().nth(line.checked_sub(1)?).map(str::to_string)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<str>>> {
        self.texts.lock().unwrap_or_else(|e| e.into_inner())
    }
}
