//! Passwords and tokens in URLs and connection strings never reach stdout,
//! stderr or a file orion writes (the journal, a JUnit report), whatever
//! characters they hold — `/`, `#`, `?` and `@` included, which break URL
//! parsers. Every check runs against a closed port (127.0.0.1:1), so it
//! fails fast and says why; each password's every piece carries a marker
//! that must show nowhere.

use crate::support::Test;
use std::path::Path;
use std::process::Stdio;

/// In every piece of every password: if any piece shows, this does.
const MARK: &str = "Zq7";

/// Every printable ASCII character but letters, digits and space.
const SPECIALS: &str = r##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##;

/// Generated-looking passwords: each special character alone between two
/// marked pieces, all of them at once, and a few that fool URL parsers in
/// other ways (digits first read as a port, several `@`).
fn passwords() -> Vec<String> {
    let mut all: Vec<String> = SPECIALS
        .chars()
        .map(|c| format!("{MARK}a{c}{MARK}b"))
        .collect();
    all.push(format!("{MARK}a{SPECIALS}{MARK}b"));
    all.push(format!("4242/{MARK}a#{MARK}b?{MARK}c@{MARK}d"));
    all.push(format!("{MARK}a@{MARK}b:{MARK}c/{MARK}d"));
    all.push(format!("%40{MARK}a%2F{MARK}b"));
    all
}

/// `text` as the inside of a Rhai string literal.
fn rhai(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Calls that fail against a closed port (or on a URL they cannot parse),
/// each quoting a password or a token; `{pw}` is where it goes.
const CALLS: [&str; 9] = [
    r#"health::http("http://shop:{pw}@127.0.0.1:1/health", #{ timeout: "1s" })"#,
    r#"health::http("http://127.0.0.1:1/health?token={pw}&x=1", #{ timeout: "1s" })"#,
    r#"health::redis("redis://:{pw}@127.0.0.1:1/0", #{ timeout: "1s" })"#,
    r#"health::postgres("postgres://shop:{pw}@127.0.0.1:1/shop", #{ timeout: "1s" })"#,
    r#"health::postgres("host=127.0.0.1 port=1 user=shop password={pw} dbname=shop", #{ timeout: "1s" })"#,
    r#"metrics::prometheus("http://shop:{pw}@127.0.0.1:1", #{ timeout: "1s" }).value("up")"#,
    r#"metrics::prometheus("http://127.0.0.1:1/?token={pw}", #{ timeout: "1s" }).value("up")"#,
    r#"metrics::http_value("http://127.0.0.1:1/kpi?token={pw}", "orders.total", #{ timeout: "1s" })"#,
    r#"health::wait_healthy(#{ http: "http://shop:{pw}@127.0.0.1:1/", timeout: "1s" }, #{ timeout: "500ms", interval: "200ms" })"#,
];

/// A playbook that makes every call with `pw`, catching each and logging
/// what it caught, lists soft failures, fails a smoke test, and ends with
/// call number `uncaught` not caught.
fn playbook(pw: &str, uncaught: usize) -> String {
    let call = |i: usize| CALLS[i].replace("{pw}", &rhai(pw));
    let mut text = String::from("step(\"verify\", || {\n");
    for i in 0..CALLS.len() {
        text.push_str(&format!(
            "    try {{ {}; }} catch (e) {{ info(e); }}\n",
            call(i)
        ));
    }
    let pw = rhai(pw);
    text.push_str(&format!(
        "    info(health::all([#{{ http: \"http://shop:{pw}@127.0.0.1:1/\", timeout: \"1s\" }}, #{{ redis: \"redis://:{pw}@127.0.0.1:1\", timeout: \"1s\" }}], #{{ soft: true }}));\n}});\n"
    ));
    text.push_str(&format!(
        "smoke::test(\"reach the shop\", || {{ {}; }});\n",
        call(0)
    ));
    text.push_str(&format!(
        "step(\"deploy\", || {{\n    {};\n}});\n",
        call(uncaught)
    ));
    text
}

/// Runs `t`, keeping its directory: exit code, stdout and stderr.
fn run(t: &Test) -> (i32, String, String) {
    let out = t
        .command()
        .stdin(Stdio::null())
        .output()
        .expect("start orion");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file under `dir` orion wrote (all but the playbook), with its text.
fn written(dir: &Path) -> Vec<(String, String)> {
    let mut files = vec![];
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.file_name().is_some_and(|n| n != "playbook.rhai") {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                files.push((path.display().to_string(), text));
            }
        }
    }
    files
}

/// Asserts no piece of a password shows in the output or the files.
fn assert_masked(what: &str, dir: &Path, stdout: &str, stderr: &str) {
    assert!(!stdout.contains(MARK), "{what}: stdout shows it:\n{stdout}");
    assert!(!stderr.contains(MARK), "{what}: stderr shows it:\n{stderr}");
    for (path, text) in written(dir) {
        assert!(!text.contains(MARK), "{what}: {path} shows it:\n{text}");
    }
}

/// Every password through every call, caught and logged, with a rotating
/// one uncaught, in `output` ("human" or "json").
fn every_password_in(output: &str, shift: usize) {
    for (i, pw) in passwords().into_iter().enumerate() {
        let uncaught = (i * 2 + shift) % CALLS.len();
        let t = Test::new().playbook(&playbook(&pw, uncaught)).args([
            "play",
            "playbook.rhai",
            "--output",
            output,
            "--junit",
            "report.xml",
        ]);
        let (status, stdout, stderr) = run(&t);
        let what = format!("{pw:?} ({output}, call {uncaught} uncaught)");
        assert_ne!(status, 0, "{what}: the run should fail\n{stdout}\n{stderr}");
        assert_masked(&what, t.path(), &stdout, &stderr);
        // The run got as far as the messages that quote the password.
        let all = format!("{stdout}{stderr}");
        assert!(all.contains("***"), "{what}: nothing masked?\n{all}");
        let report = std::fs::read_to_string(t.path().join("report.xml")).unwrap();
        assert!(report.contains("reach the shop"), "{what}: {report}");
    }
}

#[test]
fn passwords_never_show_in_human_output() {
    every_password_in("human", 0);
}

#[test]
fn passwords_never_show_in_json_output() {
    every_password_in("json", 1);
}

/// The password with every special character, with each call uncaught in
/// turn: the error's quoted source line holds it.
#[test]
fn every_uncaught_call_is_masked() {
    let pw = format!("{MARK}a{SPECIALS}{MARK}b");
    for uncaught in 0..CALLS.len() {
        for output in ["human", "json"] {
            let t = Test::new().playbook(&playbook(&pw, uncaught)).args([
                "play",
                "playbook.rhai",
                "--output",
                output,
            ]);
            let (status, stdout, stderr) = run(&t);
            let what = format!("call {uncaught} uncaught ({output})");
            assert_ne!(status, 0, "{what}\n{stdout}\n{stderr}");
            assert_masked(&what, t.path(), &stdout, &stderr);
            let error = if output == "json" { &stdout } else { &stderr };
            assert!(
                error.contains("\"event\":\"error\"") || error.contains("error: "),
                "{what}: no error reported\n{error}"
            );
        }
    }
}

/// A monitor check named after a URL with a password trips: the trigger in
/// the journal, the log and the error are masked.
#[test]
fn a_tripped_monitor_journals_its_trigger_masked() {
    for pw in [
        format!("{MARK}a{SPECIALS}{MARK}b"),
        format!("{MARK}a/{MARK}b#{MARK}c?{MARK}d@{MARK}e"),
    ] {
        let url = rhai(&format!("http://shop:{pw}@127.0.0.1:1/health?token={pw}"));
        let t = Test::new()
            .playbook(&format!(
                r#"step("verify", || {{
    monitor(#{{ interval: "100ms", checks: [
        #{{ name: "{url}", http: "{url}", expect: 200, timeout: "1s" }},
        #{{ http: "{url}", expect: 200, timeout: "1s" }},
    ] }});
    sleep("20s");
}});
"#
            ))
            .args(["play", "playbook.rhai", "--output", "json"]);
        let (status, stdout, stderr) = run(&t);
        assert_ne!(status, 0, "{stdout}\n{stderr}");
        assert_masked(&format!("monitor, {pw:?}"), t.path(), &stdout, &stderr);
        let journal: Vec<(String, String)> = written(t.path())
            .into_iter()
            .filter(|(path, _)| path.contains(".orion/journal/") && path.ends_with(".jsonl"))
            .collect();
        assert!(
            journal
                .iter()
                .any(|(_, text)| text.contains("\"record\":\"trigger\"") && text.contains("***")),
            "no masked trigger in the journal: {journal:?}\n{stdout}"
        );
    }
}
