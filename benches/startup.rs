//! Whole-process wall time and peak memory of `orion --version` and
//! `orion check playbooks/ stdlib/`, against the targets (< 10 ms, < 50 ms).
//!
//!     cargo bench --bench startup
//!
//! Prints figures; never fails on them (speed is measured, not asserted).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 30;

struct Figures {
    min: Duration,
    median: Duration,
    max_rss_kib: i64,
}

// The child is reaped by wait4, which also gives its peak memory.
#[allow(clippy::zombie_processes)]
fn measure(args: &[&str], dir: &Path) -> Figures {
    let mut times = Vec::with_capacity(RUNS);
    let mut max_rss_kib = 0;
    for _ in 0..RUNS + 2 {
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_orion"))
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start orion");
        let (pid, status, usage) = wait4(&child);
        let took = started.elapsed();
        assert!(
            pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "orion {args:?} failed"
        );
        times.push(took);
        max_rss_kib = max_rss_kib.max(usage.ru_maxrss);
    }
    times.drain(..2); // warm-up: page cache, first exec
    times.sort();
    Figures {
        min: times[0],
        median: times[times.len() / 2],
        max_rss_kib,
    }
}

fn report(name: &str, target: Duration, f: &Figures) {
    let verdict = if f.median < target { "meets" } else { "MISSES" };
    println!(
        "{name:<34} median {:>7.2} ms  min {:>7.2} ms  peak RSS {:>6.1} MiB  target < {} ms: {verdict}",
        f.median.as_secs_f64() * 1e3,
        f.min.as_secs_f64() * 1e3,
        f.max_rss_kib as f64 / 1024.0,
        target.as_millis(),
    );
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("{RUNS} runs each, after 2 warm-up runs");
    report(
        "orion --version",
        Duration::from_millis(10),
        &measure(&["--version"], root),
    );
    report(
        "orion check playbooks/ stdlib/",
        Duration::from_millis(50),
        &measure(&["check", "playbooks/", "stdlib/"], root),
    );
}

/// Waits for `child`: (pid, wait status, its resource usage). The one place
/// this benchmark needs `unsafe`.
#[allow(unsafe_code)]
fn wait4(child: &std::process::Child) -> (i32, i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    (pid, status, usage)
}
