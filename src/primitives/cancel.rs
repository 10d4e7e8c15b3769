//! Operator cancellation (Ctrl-C): a flag the engine checks at every operation,
//! a token that cancels any wait in flight, and a second token for a second
//! Ctrl-C, which skips the clean-up (hooks and the undo) as well.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub struct Cancel {
    requested: AtomicBool,
    /// Requests since the last reset.
    count: AtomicUsize,
    token: Mutex<CancellationToken>,
    /// Cancelled by the second request: stop cleaning up too.
    abort: Mutex<CancellationToken>,
}

impl Cancel {
    pub fn request(&self) {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        self.requested.store(true, Ordering::SeqCst);
        lock(&self.token).cancel();
        if n >= 2 {
            lock(&self.abort).cancel();
        }
    }

    /// Stops the script as a request does, for a monitor that tripped: not
    /// the operator's Ctrl-C, so it does not count towards a second one.
    pub fn trip(&self) {
        self.requested.store(true, Ordering::SeqCst);
        lock(&self.token).cancel();
    }

    /// After a trip has stopped the script: clears it, so clean-up runs as
    /// after any failure. A Ctrl-C made meanwhile stays.
    pub fn clear_trip(&self) {
        if self.count.load(Ordering::SeqCst) == 0 {
            self.reset();
        }
    }

    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::Relaxed)
    }

    /// Whether a second request came: clean-up is to be skipped.
    pub fn is_aborted(&self) -> bool {
        lock(&self.abort).is_cancelled()
    }

    /// The token waits select on; cancelled when `request` is called.
    pub fn token(&self) -> CancellationToken {
        lock(&self.token).clone()
    }

    /// The token clean-up selects on; cancelled by the second request.
    pub fn abort_token(&self) -> CancellationToken {
        lock(&self.abort).clone()
    }

    /// Clears every request, so the REPL can go on after Ctrl-C.
    pub fn reset(&self) {
        for token in [&self.token, &self.abort] {
            let mut token = lock(token);
            if token.is_cancelled() {
                *token = CancellationToken::new();
            }
        }
        self.count.store(0, Ordering::SeqCst);
        self.requested.store(false, Ordering::SeqCst);
    }

    /// Lets clean-up code (on_failure hooks) run after a first request:
    /// returns whether one was made. A request from now on counts as the
    /// second and stops the clean-up; `resume` puts the first back.
    pub fn suspend(&self) -> bool {
        let was = self.requested.swap(false, Ordering::SeqCst);
        let mut token = lock(&self.token);
        if token.is_cancelled() && !self.is_aborted() {
            *token = CancellationToken::new();
        }
        was
    }

    /// Undoes `suspend`: when `was` is true the run is cancelled again.
    pub fn resume(&self, was: bool) {
        if was {
            self.requested.store(true, Ordering::SeqCst);
            lock(&self.token).cancel();
        }
    }
}

fn lock(token: &Mutex<CancellationToken>) -> std::sync::MutexGuard<'_, CancellationToken> {
    token.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::Cancel;

    #[test]
    fn request_cancels_token_and_reset_renews_it() {
        let c = Cancel::default();
        let t = c.token();
        assert!(!c.is_requested() && !t.is_cancelled());
        c.request();
        assert!(c.is_requested() && t.is_cancelled());
        c.reset();
        assert!(!c.is_requested() && !c.token().is_cancelled());
    }

    #[test]
    fn a_second_request_aborts_the_clean_up() {
        let c = Cancel::default();
        c.request();
        assert!(!c.is_aborted(), "the first only stops the script");
        let was = c.suspend();
        assert!(was && !c.is_requested() && !c.token().is_cancelled());
        c.request();
        assert!(c.is_aborted() && c.abort_token().is_cancelled());
        assert!(c.token().is_cancelled(), "the hooks stop too");
        c.resume(was);
        assert!(c.is_requested());
        c.reset();
        assert!(!c.is_aborted() && !c.abort_token().is_cancelled());
    }
}
