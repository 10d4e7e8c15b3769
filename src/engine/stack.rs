//! The engine's own thread. Rhai evaluates by recursion, and nested values
//! are cloned, printed and dropped by recursion too: the engine runs on a
//! thread with a large stack (reserved address space; only the pages used
//! are ever touched), and knows how much of it is used, so a script that
//! goes too deep fails with an error instead of aborting the process.

use std::cell::Cell;

/// The engine thread's stack: 512 MiB of address space.
pub const STACK_SIZE: usize = 512 << 20;

/// How much of the stack the script's own evaluation (nested calls and
/// expressions) may use: a simple recursive function takes ~35 KiB a call
/// in a debug build, several times less in a release build. The rest is
/// kept for the recursion Rhai does without counting operations: cloning,
/// comparing, printing and dropping nested values (up to ~10 KiB a level
/// of nesting in a debug build, ~5 KiB in a release build).
pub const EVAL_BUDGET: usize = 192 << 20;

thread_local! {
    /// Where the engine thread's stack started (0: not an engine thread).
    static BASE: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` on an engine thread with a large stack, and waits for it. On an
/// engine thread already, runs it in place.
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if BASE.get() != 0 {
        return f();
    }
    let mut f = Some(f);
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("orion-engine".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(s, || {
                BASE.set(here());
                f.take().map(|f| f())
            });
        match spawned {
            Ok(thread) => match thread.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(e) => {
                tracing::warn!("cannot start the engine thread ({e}); running on this one");
                None
            }
        }
    })
    .unwrap_or_else(|| f.take().map(|f| f()).expect("the engine thread ran it"))
}

/// Bytes of stack in use on this engine thread (None: not an engine thread).
pub fn used() -> Option<usize> {
    let base = BASE.get();
    (base != 0).then(|| base.saturating_sub(here()))
}

/// An address on the current stack frame.
#[inline(never)]
fn here() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}
