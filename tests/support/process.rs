//! Signals to processes the tests started, and who the tests run as: the
//! one place the tests call libc (so the one place `unsafe` is allowed).
#![allow(unsafe_code)]

/// Sends `signal` (libc::SIGINT, SIGTERM, ...) to process `pid`.
pub(crate) fn signal(pid: u32, signal: i32) {
    // SAFETY: plain kill(2); a pid that is gone is an error we ignore.
    unsafe { libc::kill(pid as i32, signal) };
}

/// Whether the tests run as root (PostgreSQL then runs as `postgres`).
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
