//! Flags, help, version, completions and the generated reference.

use crate::support::Test;

#[test]
fn version_and_help() {
    let out = Test::new().args(["--version"]).run().status(0);
    assert_eq!(out.stdout, format!("orion {}\n", env!("CARGO_PKG_VERSION")));
    let out = Test::new().args(["--help"]).run().status(0);
    for word in [
        "play",
        "check",
        "repl",
        "doc",
        "completions",
        "Exit codes:",
        "5  cancelled by the operator",
    ] {
        assert!(out.stdout.contains(word), "missing {word}:\n{}", out.stdout);
    }
    for sub in ["play", "check", "repl", "doc", "completions"] {
        let out = Test::new().args([sub, "--help"]).run().status(0);
        assert!(out.stdout.contains("Usage: orion"), "{sub}: {}", out.stdout);
    }
    let out = Test::new().args(["play", "--help"]).run().status(0);
    for flag in [
        "--env",
        "--context",
        "--namespace",
        "--dry-run",
        "--yes",
        "--set",
        "--output",
    ] {
        assert!(out.stdout.contains(flag), "play --help lacks {flag}");
    }
}

#[test]
fn usage_errors_exit_1() {
    let out = Test::new().args(["play"]).run().status(1);
    assert!(out.stderr.contains("FILE"), "{}", out.stderr);
    Test::new().args(["deploy-everything"]).run().status(1);
    Test::new()
        .args(["play", "x.rhai", "--output", "yaml"])
        .run()
        .status(1);
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_orion()"),
        ("zsh", "#compdef orion"),
        ("fish", "complete -c orion"),
    ] {
        let out = Test::new().args(["completions", shell]).run().status(0);
        assert!(
            out.stdout.contains(marker),
            "{shell}: {}",
            &out.stdout[..200.min(out.stdout.len())]
        );
    }
}

#[test]
fn doc_lists_every_registered_function() {
    let out = Test::new()
        .args(["doc", "--format", "json"])
        .run()
        .status(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let sigs: Vec<&str> = v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["signature"].as_str().unwrap())
        .collect();
    for expected in [
        "sleep(duration: string)",
        "step(name: string, body: closure) -> any",
        "info(message: any)",
        "log(level: string, message: any)",
        "fail(message: any)",
        "target::namespace() -> any",
        "target::dry_run() -> bool",
    ] {
        assert!(sigs.contains(&expected), "{expected} not in {sigs:?}");
    }
    assert!(v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !f["doc"].as_str().unwrap().is_empty()));
    let stdlib: Vec<&str> = v["stdlib"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(
        stdlib,
        [
            "orion/blue_green",
            "orion/canary",
            "orion/retry",
            "orion/rolling"
        ]
    );
    let retry = v["stdlib_functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["signature"]
                .as_str()
                .unwrap_or_default()
                .starts_with("retry::")
        })
        .unwrap();
    assert_eq!(retry["signature"], "retry::times(attempts, pause, body)");
    assert!(retry["doc"]
        .as_str()
        .unwrap()
        .starts_with("Calls `body` up to `attempts` times"));
    let md = Test::new().args(["doc"]).run().status(0).stdout;
    assert!(md.contains("## `target::`"), "{md}");
    assert!(md.contains("### `orion/retry`"), "{md}");
    assert!(
        md.contains("| `sleep(duration: string)` | Pauses for a duration"),
        "{md}"
    );
}
