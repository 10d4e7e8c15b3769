//! What Rhai does not bound by itself, watched while a script runs: the
//! memory the run holds (a map filled by index, closures holding big
//! strings), how deeply its values nest, and the engine thread's stack.
//! Past a limit, the script stops with an error like any other limit's,
//! and the run fails into its undo instead of the process aborting.
//!
//! The checks ride on Rhai's hooks: `on_var` (every variable read) raises
//! the error where the script is; `on_progress` (every operation) paces the
//! memory reads and stops a script that would not reach `on_var` in time.

use crate::engine::limits::Limits;
use crate::engine::nesting::Scan;
use crate::engine::{memory, stack};
use rhai::{Dynamic, EvalAltResult, EvalContext, Position};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The innermost message of a run stopped for memory from `on_progress`.
pub const MEMORY_STOP: &str = "the playbook used more memory than `max_memory` allows";
/// The innermost message of a run stopped for stack from `on_progress`.
pub const STACK_STOP: &str = "the playbook nested calls deeper than orion's stack holds";

/// Operations between memory reads; fewer once half the allowance is used.
const MEMORY_EVERY: u64 = 256;
const MEMORY_EVERY_NEAR: u64 = 16;
/// Operations between nesting scans: as many as the last scan visited
/// values (a visit costs less than an operation), within these bounds. A
/// value deepens by one level per operation at most, so between scans it
/// grows by SCAN_EVERY_MAX levels at most: with `max_nesting`'s largest,
/// what the engine stack keeps for nested values holds them (`stack`).
const SCAN_EVERY_MIN: u64 = 1024;
const SCAN_EVERY_MAX: u64 = 16384;
/// Operations a script may go on, once over, before `on_progress` stops it.
const GRACE: u64 = 64;
/// Stack beyond the evaluation budget `on_progress` allows before stopping
/// a script that `on_var` has not stopped.
const STACK_GRACE: usize = 8 << 20;

pub struct Watch {
    max_memory: u64,
    max_nesting: usize,
    /// Resident bytes when the current evaluation began.
    baseline: AtomicU64,
    /// Operations so far (this watch's count: Rhai's restarts per call).
    ticks: AtomicU64,
    next_memory: AtomicU64,
    next_scan: AtomicU64,
    /// The tick memory was first seen over the allowance (0: it is not).
    over_since: AtomicU64,
}

impl Watch {
    pub fn new(limits: &Limits) -> Watch {
        let watch = Watch {
            max_memory: limits.max_memory,
            max_nesting: limits.max_nesting,
            baseline: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            next_memory: AtomicU64::new(0),
            next_scan: AtomicU64::new(0),
            over_since: AtomicU64::new(0),
        };
        watch.begin();
        watch
    }

    /// Measures memory from now on (a run's start, or a REPL input's).
    pub fn begin(&self) {
        self.baseline
            .store(memory::resident().unwrap_or(0), Relaxed);
        self.over_since.store(0, Relaxed);
        let now = self.ticks.load(Relaxed);
        self.next_memory.store(now + MEMORY_EVERY, Relaxed);
        self.next_scan.store(now + SCAN_EVERY_MIN, Relaxed);
    }

    /// Memory held beyond the baseline, read now.
    fn grown(&self) -> u64 {
        memory::resident()
            .unwrap_or(0)
            .saturating_sub(self.baseline.load(Relaxed))
    }

    /// At every operation: reads memory when due; stops the script when it
    /// is past a limit and `on_var` has not stopped it.
    pub fn on_progress(&self) -> Option<Dynamic> {
        let tick = self.ticks.fetch_add(1, Relaxed) + 1;
        if tick >= self.next_memory.load(Relaxed) {
            let grown = self.grown();
            let every = if grown > self.max_memory / 2 {
                MEMORY_EVERY_NEAR
            } else {
                MEMORY_EVERY
            };
            self.next_memory.store(tick + every, Relaxed);
            if grown <= self.max_memory {
                self.over_since.store(0, Relaxed);
            } else if self.over_since.load(Relaxed) == 0 {
                self.over_since.store(tick, Relaxed);
            }
        }
        let since = self.over_since.load(Relaxed);
        if since != 0 && tick > since + GRACE {
            return Some(Dynamic::from(MEMORY_STOP));
        }
        if stack::used().is_some_and(|used| used > stack::EVAL_BUDGET + STACK_GRACE) {
            return Some(Dynamic::from(STACK_STOP));
        }
        None
    }

    /// At every variable read: the error for a limit passed, raised where
    /// the script is.
    pub fn on_var(&self, context: &EvalContext) -> Result<(), Box<EvalAltResult>> {
        if stack::used().is_some_and(|used| used > stack::EVAL_BUDGET) {
            return Err(EvalAltResult::ErrorStackOverflow(Position::NONE).into());
        }
        if self.over_since.load(Relaxed) != 0 {
            // Read again: what was over may have been let go since.
            let grown = self.grown();
            if grown > self.max_memory {
                return Err(memory_error(grown));
            }
            self.over_since.store(0, Relaxed);
        }
        let tick = self.ticks.load(Relaxed);
        if tick >= self.next_scan.load(Relaxed) {
            let mut scan = Scan::new(self.max_nesting);
            let too_deep = context
                .scope()
                .iter_raw()
                .any(|(_, _, value)| scan.too_deep(value));
            if too_deep {
                return Err(
                    EvalAltResult::ErrorDataTooLarge(NESTING.into(), Position::NONE).into(),
                );
            }
            let every = (scan.visited as u64).clamp(SCAN_EVERY_MIN, SCAN_EVERY_MAX);
            self.next_scan.store(tick + every, Relaxed);
        }
        Ok(())
    }
}

/// What `ErrorDataTooLarge` names when values nest too deeply.
pub const NESTING: &str = "Nesting of values";
/// The start of what `ErrorDataTooLarge` names when memory is over.
pub const MEMORY: &str = "Memory in use";

fn memory_error(grown: u64) -> Box<EvalAltResult> {
    let what = format!("{MEMORY} ({} MiB more than at the start)", grown >> 20);
    EvalAltResult::ErrorDataTooLarge(what, Position::NONE).into()
}
