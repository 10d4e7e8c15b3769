//! The REPL, through piped stdin and through a pseudo-terminal.

use crate::support::{Test, ORION};

#[test]
fn multi_line_function_and_values_persist() {
    let out = Test::new()
        .stdin("fn add(a, b) {\n    a + b\n}\nlet x = add(40, 2);\nx\nlet m = #{\n  a: 1,\n  b: [\n    \"two\"\n  ]\n};\nm.b[0]\nlet s = `first\nsecond`;\ns.len()\n")
        .args(["repl"])
        .run()
        .status(0);
    assert_eq!(out.stdout, "=> 42\n=> \"two\"\n=> 12\n");
}

#[test]
fn an_error_keeps_what_was_defined() {
    let out = Test::new()
        .stdin("let kept = 7;\nfn twice(n) { n * 2 }\nlet lost = 1; no_such_fn(kept);\ntwice(kept)\nlost\nlet y = ;\nkept\n")
        .args(["repl"])
        .run()
        .status(0);
    // `lost` ran before the failing call, so it is defined too.
    assert_eq!(out.stdout, "=> 14\n=> 1\n=> 7\n");
    assert!(
        out.stderr
            .contains("error: unknown function `no_such_fn(int)`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("error: syntax error: Unexpected ';'"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unterminated_plain_string_is_an_error_not_a_continuation() {
    let out = Test::new()
        .stdin("let s = \"open\n7\n")
        .args(["repl"])
        .run()
        .status(0);
    assert_eq!(out.stdout, "=> 7\n");
    assert!(
        out.stderr.contains("Open string is not terminated"),
        "{}",
        out.stderr
    );
}

#[test]
fn commands_vars_load_and_quit() {
    let out = Test::new()
        .file(
            "lib.rhai",
            "fn greet(name) { `hello ${name}` }\nlet loaded = true;\n",
        )
        .stdin(":help\n:load lib.rhai\ngreet(\"ops\")\n:vars\n:bogus\nimport \"orion/retry\" as retry;\nretry::times(2, \"1ms\", || 5)\n:quit\nlet never = 1;\n")
        .args(["repl", "--set", "image=web:2"])
        .run()
        .status(0);
    assert!(out.stdout.contains(":load FILE"), "{}", out.stdout);
    assert!(out.stdout.contains("=> \"hello ops\""), "{}", out.stdout);
    // An import stays available on the following lines.
    assert!(out.stdout.contains("=> 5\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("let loaded: bool = true"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("const args: map = #{\"image\": \"web:2\"}"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("never"), "{}", out.stdout);
    assert!(
        out.stderr.contains("unknown command :bogus"),
        "{}",
        out.stderr
    );
}

/// A fresh, empty prompt (a prompt redrawn with text on it does not match), so
/// keys are not typed while the previous line is still being evaluated.
const EMPTY_PROMPT: &str = "orion> \r";

/// Types keys without Enter (rexpect buffers `send` until a flush).
fn type_keys(p: &mut rexpect::session::PtySession, keys: &str) {
    p.send(keys).unwrap();
    p.flush().unwrap();
}

#[test]
fn terminal_session_completes_and_keeps_history() {
    let t = Test::new();
    let mut cmd = std::process::Command::new(ORION);
    cmd.arg("repl")
        .current_dir(t.path())
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env("XDG_DATA_HOME", t.path().join(".data"));
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).expect("spawn orion repl");
    p.exp_string(EMPTY_PROMPT).unwrap();
    p.send_line("let deployment_count = 3;").unwrap();
    p.exp_string(EMPTY_PROMPT).unwrap();
    // A variable in scope.
    type_keys(&mut p, "deployment_c\t");
    p.exp_string("deployment_count").unwrap();
    p.send_line("").unwrap();
    p.exp_string("=> 3").unwrap();
    p.exp_string(EMPTY_PROMPT).unwrap();
    // A namespace, then a function inside it.
    type_keys(&mut p, "targ\t");
    p.exp_string("target::").unwrap();
    type_keys(&mut p, "dry\t");
    p.exp_string("dry_run").unwrap();
    p.send_line("()").unwrap();
    p.exp_string("=> false").unwrap();
    p.exp_string(EMPTY_PROMPT).unwrap();
    // A multi-line function typed at the terminal: each line continues the input.
    p.send_line("fn triple(n) {").unwrap();
    p.exp_string("{\r\n").unwrap();
    p.send_line("  n * 3").unwrap();
    p.exp_string("n * 3\r\n").unwrap();
    p.send_line("}").unwrap();
    p.exp_string(EMPTY_PROMPT).unwrap();
    type_keys(&mut p, "tripl\t");
    p.exp_string("triple").unwrap();
    p.send_line("(5)").unwrap();
    p.exp_string("=> 15").unwrap();
    p.exp_string(EMPTY_PROMPT).unwrap();
    // Ctrl-C stops a running statement; the session goes on with what it had.
    p.send_line("sleep(\"30s\")").unwrap();
    p.exp_string("sleeping 30.0s").unwrap();
    let interrupted = std::time::Instant::now();
    p.send_control('c').unwrap();
    p.exp_string("cancelled by the operator (Ctrl-C)").unwrap();
    assert!(interrupted.elapsed() < std::time::Duration::from_secs(1));
    p.exp_string(EMPTY_PROMPT).unwrap();
    p.send_line("triple(deployment_count)").unwrap();
    p.exp_string("=> 9").unwrap();
    p.exp_string(EMPTY_PROMPT).unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
    let history =
        std::fs::read_to_string(t.path().join(".data/orion/repl_history")).expect("history file");
    assert!(history.contains("let deployment_count = 3;"), "{history}");
}
