//! `--output json`: one parseable event per line, ending with the exit code.

use crate::support::Test;
use serde_json::Value;

fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn successful_run_streams_events() {
    let out = Test::new()
        .playbook("step(\"build\", || { info(`image ${args.image}`); });\nwarn(\"done\");\n")
        .args([
            "play",
            "playbook.rhai",
            "-o",
            "json",
            "--set",
            "image=web:3",
        ])
        .run()
        .status(0);
    let ev = events(&out.stdout);
    let kinds: Vec<&str> = ev.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "run_started",
            "step_started",
            "log",
            "step_finished",
            "log",
            "run_finished"
        ]
    );
    assert!(ev
        .iter()
        .all(|e| e["ts"].as_str().is_some_and(|t| t.ends_with('Z'))));
    assert_eq!(ev[2]["message"], "image web:3");
    assert_eq!(ev[2]["level"], "info");
    assert_eq!(ev[3]["status"], "ok");
    assert_eq!(ev[4]["level"], "warn");
    assert_eq!(ev[5]["exit_code"], 0);
    assert_eq!(ev[5]["steps"][0]["name"], "build");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn failed_run_carries_error_position_and_exit_code() {
    let out = Test::new()
        .playbook("step(\"verify\", || {\n    fail(\"endpoint down\");\n});\n")
        .args(["play", "playbook.rhai", "--output", "json"])
        .run()
        .status(3); // a failed verify step: exit 3
    let ev = events(&out.stdout);
    let error = ev
        .iter()
        .find(|e| e["event"] == "error")
        .expect("error event");
    assert_eq!(error["message"], "endpoint down");
    assert_eq!(error["location"]["file"], "playbook.rhai");
    assert_eq!(error["location"]["line"], 2);
    assert_eq!(error["location"]["column"], 5);
    let last = ev.last().unwrap();
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["exit_code"], 3);
    assert_eq!(last["status"], "failed");
    assert_eq!(last["steps"][0]["status"], "failed");
    assert_eq!(last["steps"][0]["error"], "endpoint down");
}

#[test]
fn syntax_error_still_ends_with_run_finished() {
    let out = Test::new()
        .playbook("let = 1;\n")
        .args(["play", "playbook.rhai", "-o", "json"])
        .run()
        .status(1);
    let ev = events(&out.stdout);
    assert_eq!(ev[1]["kind"], "syntax");
    assert_eq!(ev.last().unwrap()["exit_code"], 1);
}

#[test]
fn each_smoke_test_is_an_event_and_failures_end_the_run_with_4() {
    let out = Test::new()
        .playbook(
            "smoke::test(\"passes\", || 1);\nsmoke::test(\"fails\", #{ service: \"auth\" }, || fail(\"down\"));\nsmoke::test(\"deep\", #{ tags: [\"comprehensive\"] }, || 1);\n",
        )
        .args(["play", "playbook.rhai", "--output", "json"])
        .run()
        .status(4);
    let ev = events(&out.stdout);
    let tests: Vec<(String, String)> = ev
        .iter()
        .filter(|e| e["event"] == "test_finished")
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        tests,
        [
            ("passes".into(), "passed".into()),
            ("fails".into(), "failed".into()),
            ("deep".into(), "skipped".into())
        ]
    );
    let failed = ev.iter().find(|e| e["name"] == "fails").unwrap();
    assert_eq!(
        (failed["reason"].as_str(), failed["service"].as_str()),
        (Some("down"), Some("auth"))
    );
    let last = ev.last().unwrap();
    assert_eq!(last["exit_code"], 4);
    assert_eq!(last["tests"].as_array().unwrap().len(), 3);
}
