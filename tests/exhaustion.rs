//! A playbook that exhausts memory or stack fails like any other: the error
//! with its hint, its changes undone, exit 2, history saying so, the deploy
//! lock released. It used to abort the process (SIGABRT, exit 134) with the
//! change in place. And a limit of 0 or past its range is refused up front.

use crate::support::shipped::orion;
use crate::support::Test;
use orion_sim::testing::KubectlCluster;

/// The change every playbook here makes before it exhausts something.
const FIRST: &str = r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "first" }, data: #{ a: "1" } });
"#;

/// Runs FIRST then `rest` with `limits` as orion.toml's [limits]; asserts
/// it failed into its undo (exit 2) and was recorded and unlocked as such.
/// Returns stderr.
fn exhausts(limits: &str, rest: &str) -> String {
    let c = KubectlCluster::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orion.toml"),
        format!("[limits]\n{limits}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("playbook.rhai"), format!("{FIRST}{rest}")).unwrap();
    let (code, _, err) = orion(dir.path(), &c, &["play", "playbook.rhai"]);
    assert_eq!(code, 2, "deploy failed, rolled back:\n{err}");
    assert!(err.contains("configmap/first: apply"), "{err}");
    assert!(err.contains("the run's changes are undone"), "{err}");
    let (found, _, said) = c.kubectl(&["get", "configmap", "first"]);
    assert_ne!(found, 0, "`first` was undone");
    assert!(said.contains("NotFound"), "{said}");
    assert_eq!(
        c.ok(&["get", "leases", "-A", "-o", "name"]),
        "",
        "the deploy lock was released"
    );
    let (_, history, _) = orion(dir.path(), &c, &["history"]);
    let run = history
        .lines()
        .find(|l| l.contains("configmap/first"))
        .unwrap_or_else(|| panic!("{history}"));
    assert!(run.contains("failed (exit 2)"), "{run}");
    err
}

/// The error block of stderr: from "error:" to its hint.
fn error_block(stderr: &str) -> String {
    let from = stderr.find("error: ").unwrap_or_else(|| panic!("{stderr}"));
    let block = &stderr[from..];
    let to = block.find("\n  = hint: ").map_or(block.len(), |i| {
        i + block[i + 1..].find('\n').map_or(block.len() - i, |j| j + 1)
    });
    block[..to].to_string()
}

/// A map filled by index assignment: Rhai checks the item assigned, never
/// the map's size, so only `max_memory` stops it.
#[test]
fn a_map_filled_by_index_assignment_stops_at_max_memory_and_is_undone() {
    let err = exhausts(
        "max_memory = 268_435_456",
        r#"let s = "x"; for j in 0..23 { s += s; }
let m = #{};
for i in 0..1000000 { m["k" + i] = s + i; }
"#,
    );
    let block = error_block(&err);
    assert!(
        block.starts_with("error: Memory in use (") && block.contains(" exceeds its size limit\n"),
        "{block}"
    );
    assert!(
        block.contains("--> playbook.rhai:4:") && block.ends_with("  = hint: a run may hold 256 MiB more than orion did when it started (`max_memory` under [limits] in orion.toml); does the playbook keep adding to a map, an array or a list of closures?"),
        "{block}"
    );
}

/// Closures, each holding its own 8 MB string: an array counts them as
/// one item each, whatever they captured.
#[test]
fn closures_capturing_big_strings_stop_at_max_memory_and_are_undone() {
    let err = exhausts(
        "max_memory = 268_435_456",
        r#"let s = "x"; for j in 0..23 { s += s; }
let fs = [];
loop { let t = s + "y"; fs.push(|| t.len); }
"#,
    );
    let block = error_block(&err);
    assert!(block.starts_with("error: Memory in use ("), "{block}");
    assert!(block.contains("--> playbook.rhai:4:"), "{block}");
    assert!(block.contains("`max_memory` under [limits]"), "{block}");
}

/// Arrays 50,000 deep, and closures each capturing the one before: cloned,
/// printed or dropped, they took more stack than any thread has.
#[test]
fn values_nested_50000_deep_stop_at_max_nesting_and_are_undone() {
    let hint = "  = hint: values may nest 1000 levels deep (arrays and maps inside each other, variables captured by closures); the limit is `max_nesting` under [limits] in orion.toml";
    let err = exhausts(
        "",
        r#"let a = [];
for i in 0..50000 { a = [a]; }
print(a);
"#,
    );
    assert_eq!(
        error_block(&err),
        format!(
            "error: Nesting of values exceeds its size limit
 --> playbook.rhai:3:26
  |
3 | for i in 0..50000 {{ a = [a]; }}
  |                          ^
{hint}"
        )
    );
    let err = exhausts(
        "",
        r#"let f = || 0;
for i in 0..50000 { let g = f; f = || g.call() + 1; }
f = ();
"#,
    );
    let block = error_block(&err);
    assert!(
        block.starts_with("error: Nesting of values exceeds its size limit\n --> playbook.rhai:3:"),
        "{block}"
    );
    assert!(block.ends_with(hint), "{block}");
}

/// 3,000 nested calls is within range: the recursion stops at the limit.
#[test]
fn max_call_levels_3000_stops_endless_recursion_and_is_undone() {
    let err = exhausts(
        "max_call_levels = 3000",
        "fn f(n) { 1 + f(n + 1) }\nf(0);\n",
    );
    assert_eq!(
        error_block(&err),
        "error: too many nested function calls (call depth limit)
 --> playbook.rhai:3:1
  |
3 | f(0);
  | ^
  = hint: calls may nest 3000 deep (`max_call_levels` under [limits] in orion.toml), less when each takes much stack; is a function calling itself without end?"
    );
}

/// 0 never means "unlimited", and a limit past what the process can hold
/// is refused: before anything runs, so nothing is changed (exit 1).
#[test]
fn a_limit_of_0_or_out_of_range_is_refused_before_anything_runs() {
    for (limit, said) in [
        (
            "max_call_levels = 0",
            "[limits] max_call_levels = 0 is out of range (0 does not mean unlimited)
  = hint: max_call_levels takes 1 to 10_000 (default 64)",
        ),
        (
            "max_memory = 0",
            "[limits] max_memory = 0 is out of range (0 does not mean unlimited)
  = hint: max_memory takes 16_777_216 to 1_099_511_627_776 (default 2_147_483_648)",
        ),
        (
            "max_nesting = 100000",
            "[limits] max_nesting = 100000 is out of range
  = hint: max_nesting takes 1 to 5_000 (default 1_000)",
        ),
    ] {
        let test = Test::new()
            .file("orion.toml", &format!("[limits]\n{limit}\n"))
            .playbook(FIRST);
        let config = test.path().join("orion.toml");
        let out = test.args(["play", "playbook.rhai"]).run().status(1);
        assert_eq!(
            out.stderr,
            format!(
                "run playbook.rhai\nerror: invalid {}: {said}\nrun failed in <t> (exit 1)\n",
                config.display()
            )
        );
    }
}
