//! The README's main command, `orion play playbooks/staging.rhai --sim`, on
//! the simulator's isolated pod network (the default: the smoke tests reach
//! the Services through port-forwards over the API server, as from a laptop
//! beside a real cluster) against the host pod network with `--reach direct`
//! (the smoke tests connect to ClusterIPs as they are). Target: isolated
//! within 10% of host.
//!
//!     cargo bench --bench pod_network
//!
//! Runs alternate between the two; prints the median and spread of each and
//! their ratio. Never fails on the figures.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 9;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One whole run of the staging playbook on a simulated cluster.
fn staging(extra: &[&str]) -> Duration {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_orion"))
        .arg("play")
        .arg(repo().join("playbooks/staging.rhai"))
        .arg("--sim")
        .args(extra)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("start orion");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "staging {extra:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn median(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    (times[0], times[times.len() / 2], times[times.len() - 1])
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host.toml");
    std::fs::write(&host, "[cluster]\npod_network = \"host\"\n").unwrap();
    let host = host.display().to_string();
    let host_args = ["--scenario", host.as_str(), "--reach", "direct"];
    // One of each first: the binary and the playbooks in the page cache.
    staging(&[]);
    staging(&host_args);
    let (mut isolated, mut direct) = (vec![], vec![]);
    for _ in 0..RUNS {
        isolated.push(staging(&[]));
        direct.push(staging(&host_args));
    }
    let (imin, imed, imax) = median(isolated);
    let (hmin, hmed, hmax) = median(direct);
    println!("staging.rhai --sim, {RUNS} runs each, alternating (min / median / max):");
    println!(
        "  isolated pod network, reach auto (port-forwards): {imin:.2?} / {imed:.2?} / {imax:.2?}"
    );
    println!(
        "  host pod network, --reach direct:                 {hmin:.2?} / {hmed:.2?} / {hmax:.2?}"
    );
    let ratio = imed.as_secs_f64() / hmed.as_secs_f64();
    println!(
        "  isolated / host (medians): {ratio:.3} ({:+.1}%; target within 10%)",
        (ratio - 1.0) * 100.0
    );
}
