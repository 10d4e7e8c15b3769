//! The sync→async bridge: the I/O runtime primitives' drivers run on, with
//! the operator's cancellation (Ctrl-C, SIGTERM) wired to every wait.

use crate::primitives::cancel::Cancel;
use std::future::Future;
use std::sync::Arc;

/// The operator cancelled while a primitive was waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

pub struct Io {
    pub cancel: Arc<Cancel>,
    tokio: tokio::runtime::Runtime,
}

impl Io {
    pub fn new() -> std::io::Result<Io> {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("orion-io")
            .enable_all()
            .build()?;
        Ok(Io {
            cancel: Default::default(),
            tokio,
        })
    }

    pub fn handle(&self) -> tokio::runtime::Handle {
        self.tokio.handle().clone()
    }

    /// Runs a future to completion on the I/O runtime, or stops early with
    /// `Interrupted` when the operator cancels. Never call from async code. Pass
    /// an `async` block, so timers and sockets are created inside the runtime.
    pub fn block_on<F: Future>(&self, fut: F) -> Result<F::Output, Interrupted> {
        let token = self.cancel.token();
        if token.is_cancelled() {
            return Err(Interrupted);
        }
        self.tokio.block_on(async move {
            tokio::select! {
                biased;
                _ = token.cancelled() => Err(Interrupted),
                out = fut => Ok(out),
            }
        })
    }

    /// Runs a future in the background on the I/O runtime (a monitor).
    pub fn spawn<F: Future<Output = ()> + Send + 'static>(&self, fut: F) {
        self.tokio.spawn(fut);
    }

    /// Runs a future to completion even after the operator cancelled: for
    /// cleanup that must happen (deleting a one-off pod). Bound it with its
    /// own timeout. Never call from async code.
    pub fn finish<F: Future>(&self, fut: F) -> F::Output {
        self.tokio.block_on(fut)
    }

    /// Turns SIGINT (Ctrl-C) and SIGTERM (a CI job cancelled) into a
    /// cancellation request. The handlers are in place when this returns
    /// (the line editor saves and restores whatever handler it finds).
    pub fn cancel_on_ctrl_c(&self) {
        use tokio::signal::unix::{signal, SignalKind};
        let registered = {
            let _in_runtime = self.tokio.enter();
            (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            )
        };
        let (Ok(mut int), Ok(mut term)) = registered else {
            tracing::warn!("cannot watch for Ctrl-C; it will end orion without clean-up");
            return;
        };
        let cancel = Arc::downgrade(&self.cancel);
        self.tokio.spawn(async move {
            loop {
                let name = tokio::select! {
                    Some(()) = int.recv() => "SIGINT",
                    Some(()) = term.recv() => "SIGTERM",
                    else => return,
                };
                let Some(cancel) = cancel.upgrade() else {
                    return;
                };
                tracing::debug!("{name}: stopping the script and any wait in flight");
                cancel.request();
            }
        });
    }
}
