//! Operator cancellation (Ctrl-C): a flag the engine checks at every operation,
//! and a token that cancels any wait in flight.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub struct Cancel {
    requested: AtomicBool,
    token: Mutex<CancellationToken>,
}

impl Cancel {
    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.lock().cancel();
    }

    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::Relaxed)
    }

    /// The token waits select on; cancelled when `request` is called.
    pub fn token(&self) -> CancellationToken {
        self.lock().clone()
    }

    /// Clears a previous request, so the REPL can go on after Ctrl-C.
    pub fn reset(&self) {
        let mut token = self.lock();
        if token.is_cancelled() {
            *token = CancellationToken::new();
        }
        self.requested.store(false, Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CancellationToken> {
        self.token.lock().unwrap_or_else(|e| e.into_inner())
    }
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
}
