//! The monitors of a run, and what happens when a check trips: the trigger
//! goes in the journal, the error is logged, and the script is stopped.

use super::checks::Watch;
use super::reading::Reading;
use crate::guard::journal::TriggerRecord;
use crate::primitives::host::Host;
use crate::report::event::Level;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The run's monitors and the trigger that failed it, if one did.
#[derive(Default)]
pub struct Monitors {
    running: Mutex<Vec<CancellationToken>>,
    tripped: Mutex<Option<String>>,
}

impl Monitors {
    /// A stop token for a new monitor.
    pub fn add(&self) -> CancellationToken {
        let token = CancellationToken::new();
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(token.clone());
        token
    }

    /// Stops every monitor (the run is over, or is being undone).
    pub fn stop_all(&self) {
        for t in self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            t.cancel();
        }
    }

    /// Stops every monitor and forgets the trigger: a new run starts.
    pub fn reset(&self) {
        self.stop_all();
        *self.tripped.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The trigger's message, when a check tripped.
    pub fn tripped(&self) -> Option<String> {
        self.tripped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records the trigger; false when another check tripped first.
    fn set(&self, message: &str) -> bool {
        let mut slot = self.tripped.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            return false;
        }
        *slot = Some(message.to_string());
        true
    }
}

/// A check tripped: journal, log, stop the script.
pub(super) fn trip(h: &Host, monitor: &str, check: &str, r: &Reading, lasted: Duration) {
    let over = if lasted.is_zero() {
        String::new()
    } else {
        format!(" for {}", crate::duration::format(lasted))
    };
    let message = format!(
        "monitor {monitor} tripped: {check}: {}{over} (allowed: {})",
        r.detail, r.threshold
    );
    if !h.monitors.set(&message) {
        return;
    }
    h.monitors.stop_all();
    if let Some(journal) = &h.gate().journal {
        let record = TriggerRecord {
            seq: 0,
            at: jiff::Timestamp::now().to_string(),
            run: journal.run.clone(),
            monitor: monitor.to_string(),
            check: check.to_string(),
            value: r.value,
            threshold: r.threshold.clone(),
            detail: r.detail.clone(),
            breached_ms: lasted.as_millis() as u64,
            step: h.current_step(),
        };
        if let Err(e) = journal.append_trigger(record) {
            h.log(
                Level::Warn,
                format!(
                    "the trigger could not be written to {}: {e}",
                    journal.path.display()
                ),
                None,
            );
        }
    }
    h.log(Level::Error, message, None);
    h.io.cancel.trip();
}

/// Logs when a breach starts (with how long it may last) and when it ends.
pub(super) fn note(h: &Host, monitor: &str, w: &Watch, r: &Reading) {
    if w.breaching.swap(r.breached, Ordering::SeqCst) == r.breached {
        return;
    }
    let message = if r.breached {
        format!(
            "monitor {monitor}: {} breached: {} (allowed: {}); trips if it lasts {}",
            w.name,
            r.detail,
            r.threshold,
            crate::duration::format(w.window)
        )
    } else {
        format!("monitor {monitor}: {} is fine again: {}", w.name, r.detail)
    };
    h.log(
        if r.breached { Level::Warn } else { Level::Info },
        message,
        None,
    );
}
