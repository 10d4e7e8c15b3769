//! What a run records of itself and tells the world as it goes: its events
//! (every text masked on the way out), its steps (nesting, results, the
//! phase that failed) and its smoke tests — what the `Outcome` and JUnit are
//! made from.

use crate::mask;
use crate::primitives::phase::Phase;
use crate::report::event::{Event, Level};
use crate::report::sink::Sink;
use crate::report::step::{StepRecord, StepStatus};
use crate::report::test_record::TestRecord;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct RunRecord {
    sink: Arc<dyn Sink>,
    steps: Mutex<Vec<StepRecord>>,
    depth: AtomicUsize,
    /// The phase of the innermost step that failed with one, and its error's
    /// message: when the run ends with that error, the phase sets the exit code.
    failed_phase: Mutex<Option<(Phase, String)>>,
    /// The run's smoke tests so far.
    tests: Mutex<Vec<TestRecord>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl RunRecord {
    pub fn new(sink: Arc<dyn Sink>) -> RunRecord {
        RunRecord {
            sink,
            steps: Mutex::new(Vec::new()),
            depth: AtomicUsize::new(0),
            failed_phase: Mutex::new(None),
            tests: Mutex::new(Vec::new()),
        }
    }

    /// Where events go (for what posts in the background, the notifier).
    pub fn sink(&self) -> Arc<dyn Sink> {
        self.sink.clone()
    }

    /// Tells the sink, every text of `event` masked (`crate::mask`): no
    /// primitive has to remember it.
    pub fn emit(&self, event: Event) {
        self.sink.emit(&event.map_text(&mask::secrets));
    }

    /// Lines the drivers say while they wait (an API call with no answer
    /// yet), as warnings, masked like every event.
    pub fn notice(&self) -> crate::drivers::kube::calls::Notice {
        let sink = self.sink.clone();
        Arc::new(move |line: String| {
            let event = Event::Log {
                level: Level::Warn,
                message: line,
                at: None,
            };
            sink.emit(&event.map_text(&mask::secrets));
        })
    }

    pub fn log(&self, level: Level, message: impl Into<String>, at: Option<String>) {
        self.emit(Event::Log {
            level,
            message: message.into(),
            at,
        });
    }

    /// Enters a step: returns its slot in the summary and its depth (0 for top level).
    pub fn enter_step(&self, name: &str) -> (usize, usize) {
        let depth = self.depth.fetch_add(1, Ordering::SeqCst);
        let slot = {
            let mut steps = lock(&self.steps);
            steps.push(StepRecord {
                name: mask::secrets(name),
                depth,
                status: StepStatus::Running,
                duration: Default::default(),
                error: None,
            });
            steps.len() - 1
        };
        self.emit(Event::StepStarted {
            name: name.to_string(),
            depth,
        });
        (slot, depth)
    }

    /// Leaves a step: its record (masked) replaces the running one.
    pub fn leave_step(&self, slot: usize, record: StepRecord) {
        let record = record.map_text(&mask::secrets);
        self.depth.fetch_sub(1, Ordering::SeqCst);
        if let Some(s) = lock(&self.steps).get_mut(slot) {
            *s = record.clone();
        }
        self.emit(Event::StepFinished { step: record });
    }

    /// The innermost step running now, if any.
    pub fn current_step(&self) -> Option<String> {
        lock(&self.steps)
            .iter()
            .rev()
            .find(|s| s.status == StepStatus::Running)
            .map(|s| s.name.clone())
    }

    /// Steps so far, in the order they started.
    pub fn steps(&self) -> Vec<StepRecord> {
        lock(&self.steps).clone()
    }

    /// Forgets everything recorded (a new run on the same host).
    pub fn clear(&self) {
        lock(&self.steps).clear();
        self.depth.store(0, Ordering::SeqCst);
        *lock(&self.failed_phase) = None;
        lock(&self.tests).clear();
    }

    /// Records a smoke test's result (masked: JUnit is written from it) and
    /// tells the sink.
    pub fn add_test(&self, test: TestRecord) {
        let test = test.map_text(&mask::secrets);
        lock(&self.tests).push(test.clone());
        self.emit(Event::TestFinished { test });
    }

    /// The smoke tests so far.
    pub fn tests(&self) -> Vec<TestRecord> {
        lock(&self.tests).clone()
    }

    /// Notes that a step of `phase` failed with `error`. The innermost step
    /// counts: an outer one failing with the same error keeps its phase.
    pub fn phase_failed(&self, phase: Phase, error: &str) {
        let mut failed = lock(&self.failed_phase);
        if failed.as_ref().is_none_or(|(_, m)| m != error) {
            *failed = Some((phase, error.to_string()));
        }
    }

    /// The phase the run failed in, if it ended with the error a step of a
    /// phase failed with (not one a script caught and replaced).
    pub fn failed_phase(&self, error: &str) -> Option<Phase> {
        match &*lock(&self.failed_phase) {
            Some((phase, m)) if m == error => Some(*phase),
            _ => None,
        }
    }
}
