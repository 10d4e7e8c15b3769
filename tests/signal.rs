//! Ctrl-C stops a run promptly with exit code 5.

use crate::support::Test;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn interrupt_after_start(playbook: &str, marker: &str) -> (i32, Duration, String) {
    signal_after_start(playbook, marker, libc::SIGINT)
}

fn signal_after_start(playbook: &str, marker: &str, signal: i32) -> (i32, Duration, String) {
    let t = Test::new()
        .playbook(playbook)
        .args(["play", "playbook.rhai"]);
    let mut child = t
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start orion");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while !seen.contains(marker) {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "orion ended early:\n{seen}"
        );
        seen.push_str(&line);
    }
    std::thread::sleep(Duration::from_millis(100));
    let sent = Instant::now();
    crate::support::process::signal(child.id(), signal);
    let status = child.wait().expect("wait");
    let took = sent.elapsed();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    (status.code().unwrap_or(-1), took, seen + rest.as_str())
}

#[test]
fn sigint_during_sleep_exits_5_promptly() {
    let (code, took, stderr) =
        interrupt_after_start("step(\"wait\", || sleep(\"30s\"));\n", "sleeping 30.0s");
    assert_eq!(code, 5, "{stderr}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(
        stderr.contains("cancelled by the operator (Ctrl-C)"),
        "{stderr}"
    );
    assert!(stderr.contains("wait  cancelled"), "{stderr}");
}

#[test]
fn sigint_stops_a_busy_loop() {
    let (code, took, stderr) = interrupt_after_start(
        "info(\"spinning\");\nlet n = 0;\nloop { n += 1; }\n",
        "spinning",
    );
    assert_eq!(code, 5, "{stderr}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn sigterm_cancels_like_ctrl_c() {
    let (code, took, stderr) = signal_after_start(
        "step(\"wait\", || sleep(\"30s\"));\n",
        "sleeping 30.0s",
        libc::SIGTERM,
    );
    assert_eq!(code, 5, "{stderr}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}
