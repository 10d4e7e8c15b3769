//! `notify::` against real local webhook servers: start, success, failure, rollback;
//! slow or dead webhooks never hold up the run or its undo; no secret in a body or log.

use crate::support::playbook_cluster::PlaybookCluster;
use crate::support::servers::{free_port, OddServer, WebhookServer};
use orion::Outcome;
use serde_json::json;
use std::time::Duration;

const CONFIG: &str = "[environments.sim]\ncontext = \"orion-sim\"\nnamespace = \"shop\"\n";
const PASSWORD: &str = "hunter2-s3cret-value";
const HEADER: &str = "Bearer hdr-t0ken-9f8e7d";

/// A simulated cluster with namespace shop.
fn cluster() -> PlaybookCluster {
    let c = PlaybookCluster::start("");
    c.ok(r#"k8s::ensure_namespace("shop");"#);
    c
}

/// Runs `script` in environment `sim` (namespace shop).
fn play(c: &PlaybookCluster, script: &str) -> (Outcome, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orion.toml");
    std::fs::write(&config, CONFIG).unwrap();
    c.play_with(script, move |b| b.config_file(&config).environment("sim"))
}

const CHANGE: &str = r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "new" } });"#;

fn events(bodies: &[crate::support::servers::Received]) -> Vec<String> {
    let event =
        |r: &crate::support::servers::Received| format!("{} {}", r.body["event"], r.body["status"]);
    bodies.iter().map(|r| event(r).replace('"', "")).collect()
}

/// Nothing secret in any body or log line.
fn no_secrets(server: &WebhookServer, logs: &[String], secrets: &[&str]) {
    let bodies = server.received("/").into_iter().map(|r| r.body.to_string());
    for text in bodies.chain(logs.iter().cloned()) {
        for s in secrets {
            assert!(!text.contains(s), "{s:?} leaked into {text}");
        }
    }
}

#[test]
fn a_successful_run_posts_start_then_success_to_both_formats() {
    let c = cluster();
    let hooks = WebhookServer::start(false);
    let script = format!(
        r##"notify::webhook("{}", #{{ headers: #{{ Authorization: "{HEADER}" }} }});
        notify::slack("{}", #{{ channel: "#deploys", username: "orion" }});
        {CHANGE}"##,
        hooks.url("/generic/G3NTOKEN"),
        hooks.url("/services/T0/B0/SLACKTOKEN"),
    );
    let (outcome, logs) = play(&c, &script);
    assert!(outcome.succeeded(), "{:?}\n{logs:?}", outcome.error);
    let generic = hooks.received("/generic/");
    assert_eq!(
        events(&generic),
        ["start running", "success succeeded"],
        "{generic:?}"
    );
    let end = &generic[1].body;
    let fields = ["playbook", "environment", "namespace", "exit_code"].map(|k| end[k].clone());
    assert_eq!(
        fields,
        [json!("test.rhai"), json!("sim"), json!("shop"), json!(0)]
    );
    let (run, at) = (end["run"].as_str().unwrap(), end["at"].as_str().unwrap());
    assert!(
        !run.is_empty() && end["run"] == generic[0].body["run"] && at.ends_with('Z'),
        "{end}"
    );
    let authorization = format!("authorization: {HEADER}");
    assert!(generic[0].headers.contains(&authorization), "{generic:?}");
    let slack = hooks.received("/services/");
    assert_eq!(slack.len(), 2, "{slack:?}");
    let text = slack[1].body["text"].to_string();
    assert!(
        text.contains("test.rhai in sim/shop succeeded (exit 0)"),
        "{text}"
    );
    let fields = ["channel", "username"].map(|k| slack[1].body[k].clone());
    assert_eq!(fields, [json!("#deploys"), json!("orion")]);
    no_secrets(&hooks, &logs, &["G3NTOKEN", "SLACKTOKEN", "hdr-t0ken"]);
}

#[test]
fn a_failed_run_posts_failure_and_rollback_and_secret_values_stay_out() {
    let c = cluster();
    let hooks = WebhookServer::start(false);
    let script = format!(
        r#"notify::webhook("{}");
        notify::slack("{}", #{{ on: ["failure", "rollback"] }});
        {CHANGE}
        k8s::apply(#{{ apiVersion: "v1", kind: "Secret", metadata: #{{ name: "db" }}, stringData: #{{ password: "{PASSWORD}" }} }});
        info(`sent ${{notify::send(`the new password is {PASSWORD}`)}}`);
        fail(`the database refused {PASSWORD}`);"#,
        hooks.url("/generic/x"),
        hooks.url("/services/T/B/SLACKTOKEN"),
    );
    let (outcome, logs) = play(&c, &script);
    assert_eq!(outcome.exit_code.code(), 2, "{:?}\n{logs:?}", outcome.error);
    let generic = hooks.received("/generic/");
    assert_eq!(
        events(&generic),
        [
            "start running",
            "message running",
            "failure failed",
            "rollback rolling back",
            "rollback undone"
        ],
        "{generic:?}"
    );
    assert_eq!(generic[1].body["message"], "the new password is ***");
    assert_eq!(generic[2].body["message"], "the database refused ***");
    assert_eq!(generic[2].body["exit_code"], 2);
    let slack = hooks.received("/services/");
    let texts: Vec<String> = slack.iter().map(|r| r.body["text"].to_string()).collect();
    let ok = texts.len() == 4
        && texts[1].contains("failed (exit 2)")
        && texts[3].contains("rollback: undone");
    assert!(ok, "message, failure and the rollback's two: {texts:?}");
    no_secrets(
        &hooks,
        &logs,
        &[PASSWORD, "aHVudGVyMi1zM2NyZXQtdmFsdWU", "SLACKTOKEN"],
    );
    let (_, after) = play(
        &c,
        r#"info(`${k8s::get("secret", "db") == ()} ${k8s::get("configmap", "settings") == ()}`);"#,
    );
    assert_eq!(after, ["true true"], "the run's changes are undone");
}

#[test]
fn a_webhook_that_never_answers_does_not_hold_up_the_undo() {
    let c = cluster();
    let silent = WebhookServer::start(true);
    let script = format!(
        r#"notify::webhook("{}", #{{ timeout: "2s" }});
        {CHANGE}
        fail("verification failed");"#,
        silent.url("/hook/SILENTTOKEN"),
    );
    let (outcome, logs) = play(&c, &script);
    assert_eq!(outcome.exit_code.code(), 2, "{:?}\n{logs:?}", outcome.error);
    let undone = logs
        .iter()
        .position(|l| l == "the run's changes are undone");
    let undone = undone.unwrap_or_else(|| panic!("{logs:?}"));
    // Four posts to it (start, failure, the rollback's two): the run waited
    // for none of them, and at its end waits 2s (and a moment) for them.
    assert!(
        outcome.duration < Duration::from_secs(6),
        "{:?}\n{logs:?}",
        outcome.duration
    );
    let host = format!("http://127.0.0.1:{}", silent.port);
    let start = format!(
        "notification start to {host} not delivered: no answer within 2.0s; the run goes on"
    );
    let dropped = format!("3 notifications were still unanswered after 2.2s and dropped: failure to {host}, rollback to {host}, rollback to {host}");
    assert!(logs.contains(&start), "{start}\n{logs:?}");
    let at = logs.iter().position(|l| *l == dropped);
    let at = at.unwrap_or_else(|| panic!("{dropped}\n{logs:?}"));
    assert!(undone < at, "the undo waited for a post: {logs:?}");
    no_secrets(&silent, &logs, &["SILENTTOKEN", "/hook"]);
    let (_, after) = play(&c, r#"info(`${k8s::get("configmap", "settings") == ()}`);"#);
    assert_eq!(after, ["true"]);
}

#[test]
fn failed_posts_are_warnings_naming_only_scheme_and_host() {
    let c = cluster();
    let port = free_port();
    let (tls, plain) = (OddServer::start(true), OddServer::start(false));
    let script = format!(
        r#"notify::slack("http://user:pa55word@127.0.0.1:{port}/services/DEADTOKEN?key=QUERYTOKEN", #{{ timeout: "1s" }});
        notify::webhook("{}", #{{ on: ["success"] }});
        notify::webhook("{}", #{{ on: ["success"] }});
        {CHANGE}"#,
        tls.url("/ok"),
        plain.url("/redirect"),
    );
    let (outcome, logs) = play(&c, &script);
    assert!(
        outcome.succeeded(),
        "a notification never fails the run: {:?}",
        outcome.error
    );
    let warning = |prefix: String| {
        let found = logs.iter().find(|l| l.starts_with(&prefix));
        found
            .unwrap_or_else(|| panic!("{prefix}\n{logs:?}"))
            .to_lowercase()
    };
    let dead = warning(format!(
        "notification start to http://127.0.0.1:{port} not delivered: "
    ));
    assert!(dead.contains("refused"), "{dead}");
    let self_signed = warning(format!(
        "notification success to https://127.0.0.1:{} not delivered: ",
        tls.port
    ));
    assert!(
        self_signed.contains("certificate"),
        "TLS is verified: {self_signed}"
    );
    let moved = warning(format!(
        "notification success to http://127.0.0.1:{} not delivered: ",
        plain.port
    ));
    assert!(
        moved.contains("answered 302"),
        "redirects are not followed: {moved}"
    );
    for l in &logs {
        for s in [
            "DEADTOKEN",
            "QUERYTOKEN",
            "pa55word",
            "/services",
            "/redirect",
        ] {
            assert!(!l.contains(s), "{s} in {l}");
        }
    }
}

#[test]
fn options_are_checked_and_errors_name_the_known_ones() {
    let c = cluster();
    let e = c.fails(r##"notify::slack("https://hooks.example.com/services/SECRETPATH", #{ chanel: "#deploys" });"##);
    assert!(
        e.contains("notify::slack: unknown option \"chanel\"; the known options are channel, on, timeout, username"),
        "{e}"
    );
    let e = c.fails(r#"notify::webhook("https://hooks.example.com/x", #{ on: ["finish"] });"#);
    assert!(
        e.contains("unknown event \"finish\"; the events are start, success, failure, rollback"),
        "{e}"
    );
    let e = c.fails(r#"notify::webhook("hooks.example.com/SECRETPATH");"#);
    assert!(e.contains("not a URL") && !e.contains("SECRETPATH"), "{e}");
}

#[test]
fn an_error_on_the_line_of_a_webhook_url_shows_the_line_masked() {
    let out = crate::support::Test::new()
        .playbook(
            "notify::slack(\"https://hooks.example.com/services/T0/B0/XOXB-SECRET-PATH\", #{ chanel: \"#deploys\" });\n",
        )
        .args(["play", "playbook.rhai"])
        .run();
    assert!(
        out.stderr.contains("unknown option \"chanel\""),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("notify::slack(\""),
        "the line is quoted: {}",
        out.stderr
    );
    assert!(!out.stderr.contains("XOXB-SECRET-PATH"), "{}", out.stderr);
}
