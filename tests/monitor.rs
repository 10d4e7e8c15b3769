//! Background monitors: a check that trips stops the current step, the run
//! fails into compensation, and the trigger is in the journal.

use crate::support::playbook_cluster::{PlaybookCluster, WEB};
use orion::guard::journal::{Journal, Record};
use orion::ExitCode;
use std::time::{Duration, Instant};

/// Healthy for 1.5 s after it starts, then its health endpoint answers 503.
const SOURING: &str = r#"
[[image]]
match = "shop/sour:*"
[[image.phase]]
after = "1500ms"
unhealthy = true
"#;

fn records(dir: &std::path::Path) -> Vec<Record> {
    let file = std::fs::read_dir(dir.join(".orion/journal"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    Journal::read_records(&file).unwrap()
}

#[test]
fn a_tripped_health_check_stops_the_step_and_the_run_is_undone() {
    // The check reaches the pod's IP from this machine: host pod network.
    let c = PlaybookCluster::start(&format!("[cluster]\npod_network = \"host\"\n{SOURING}"));
    let journals = tempfile::tempdir().unwrap();
    let here = journals.path().to_path_buf();
    let started = Instant::now();
    let (outcome, logs) = c.play_with(
        &format!(
            r#"{WEB}
step("deploy", || {{
    deploy("web", "shop/sour:2", 1);
    k8s::wait_rollout("web");
}});
let url = `http://${{k8s::pods("app=web")[0].ip}}:8080`;
step("verify", || {{
    monitor(#{{ name: "health", interval: "200ms",
               checks: [#{{ name: "web health", http: `${{url}}/health`, expect: 200, timeout: "1s" }}] }});
    sleep("60s");
    info("never reached");
}});
"#
        ),
        move |b| b.journal_dir(here),
    );
    assert_eq!(
        outcome.exit_code,
        ExitCode::VerificationFailed,
        "{:?} {logs:#?}",
        outcome.error
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the monitor did not stop the sleep"
    );
    let error = outcome.error.unwrap().message;
    assert!(
        error.contains("monitor health tripped: web health") && error.contains("503"),
        "{error}"
    );
    assert!(!logs.iter().any(|l| l.contains("never reached")));
    assert!(
        logs.iter()
            .any(|l| l.contains("the run's changes are undone")),
        "{logs:#?}"
    );
    assert!(c
        .fails(r#"if k8s::get("deployment", "web") == () { fail("gone") }"#)
        .contains("gone"));
    let trigger = records(journals.path())
        .into_iter()
        .find_map(|r| match r {
            Record::Trigger(t) => Some(t),
            _ => None,
        })
        .expect("a trigger record in the journal");
    assert_eq!(trigger.monitor, "health");
    assert_eq!(trigger.check, "web health");
    assert_eq!(trigger.step.as_deref(), Some("verify"));
    assert!(trigger.detail.contains("503"), "{trigger:?}");
}

#[test]
fn a_breach_shorter_than_its_window_does_not_trip_and_a_stopped_monitor_is_quiet() {
    // Errors on every request from 1.5 s: a 60 s window never fills before
    // the script stops the monitor, and the run succeeds. The check reaches
    // the pod's IP from this machine: host pod network.
    let c = PlaybookCluster::start(&format!("[cluster]\npod_network = \"host\"\n{SOURING}"));
    let logs = c.ok(&format!(
        r#"{WEB}
deploy("web", "shop/sour:2", 1);
k8s::wait_rollout("web");
let url = `http://${{k8s::pods("app=web")[0].ip}}:8080`;
let m = monitor(#{{ interval: "200ms", checks: [#{{ http: `${{url}}/health`, expect: 200, "for": "60s" }}] }});
sleep("2500ms");
m.stop();
sleep("500ms");
"#
    ));
    assert!(
        logs.iter()
            .any(|l| l.contains("breached") && l.contains("trips if it lasts 1m")),
        "{logs:#?}"
    );
}

#[test]
fn crash_looping_pods_trip_a_pods_check() {
    let c =
        PlaybookCluster::start("[[image]]\nmatch = \"shop/crash:*\"\ncrash_after = \"300ms\"\n");
    let (outcome, logs) = c.play(&format!(
        r#"{WEB}
deploy("web", "shop/crash:1", 1);
monitor(#{{ interval: "200ms", checks: [#{{ pods: "app=web", max_restarts: 1 }}] }});
sleep("60s");
"#
    ));
    assert_eq!(outcome.exit_code, ExitCode::DeployFailed, "{logs:#?}");
    let error = outcome.error.unwrap().message;
    assert!(error.contains("pods app=web"), "{error}");
}

#[test]
fn bad_monitor_options_are_named() {
    let c = PlaybookCluster::start("");
    let e = c.fails(
        r#"monitor(#{ checks: [#{ http: "http://127.0.0.1:1/", expect: 200 }], every: "1s" })"#,
    );
    assert!(
        e.contains("no option \"every\"") && e.contains("interval"),
        "{e}"
    );
    let e = c.fails(r#"monitor(#{ checks: [] })"#);
    assert!(e.contains("monitor needs checks"), "{e}");
    let e = c.fails(r#"monitor(#{ checks: [#{ pods: "app=x", restarts: 2 }] })"#);
    assert!(e.contains("no option \"restarts\""), "{e}");
}
