//! `orion play`: what a playbook can do and what the operator sees.

use crate::support::Test;

#[test]
fn set_values_and_target_reach_the_script() {
    Test::new()
        .file("orion.toml", "[environments.staging]\n")
        .playbook(
            "fn where_to() { `${target::environment()}/${target::context()}/${target::namespace()}` }\ninfo(`${args.image} ${args.replicas} -> ${where_to()} dry=${target::dry_run()}`);\n",
        )
        .args([
            "play", "playbook.rhai", "--set", "image=web:1.4", "--set", "replicas=3", "--env", "staging",
            "--context", "kind-staging", "--namespace", "shop", "--dry-run",
        ])
        .run()
        .status(0)
        .stderr(
            "run playbook.rhai (env staging, context kind-staging, namespace shop, dry run)
info  web:1.4 3 -> staging/kind-staging/shop dry=true
run succeeded in <t> (exit 0)
",
        );
}

#[test]
fn an_unknown_environment_exits_1_naming_the_known_ones() {
    let out = Test::new()
        .file(
            "orion.toml",
            "[environments.staging]\n[environments.production]\n",
        )
        .playbook("info(1);\n")
        .args(["play", "playbook.rhai", "--env", "prod"])
        .run()
        .status(1);
    let err = out.stderr;
    assert!(err.contains("unknown environment \"prod\""), "{err}");
    assert!(err.contains("production, staging"), "{err}");
}

#[test]
fn unset_target_values_are_unit() {
    Test::new()
        .playbook("if target::namespace() != () { fail(\"expected ()\"); }\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(0);
}

#[test]
fn steps_are_timed_nested_and_summarised_in_start_order() {
    Test::new()
        .playbook(
            "let v = step(\"deploy\", || {\n    step(\"apply\", || 41);\n    step(\"wait\", || sleep(\"20ms\"));\n    42\n});\nif v != 42 { fail(\"step must return the closure's value\"); }\nlog(\"debug\", \"hidden without -v\");\nprint(\"printed\");\n",
        )
        .args(["play", "playbook.rhai"])
        .run()
        .status(0)
        .stderr(
            "run playbook.rhai
▶ deploy
  ▶ apply
  ✓ apply <t>
  ▶ wait
  ✓ wait <t>
✓ deploy <t>
info  printed

  STEP     RESULT     DURATION
  deploy   ok         <t>
    apply  ok         <t>
    wait   ok         <t>

run succeeded in <t> (exit 0)
",
        );
}

#[test]
fn quiet_shows_warnings_and_the_final_line_only() {
    Test::new()
        .playbook("step(\"a\", || info(\"chatty\"));\nwarn(\"careful\");\n")
        .args(["-q", "play", "playbook.rhai"])
        .run()
        .status(0)
        .stderr("warn  careful\nrun succeeded in <t> (exit 0)\n");
}

#[test]
fn verbose_shows_debug_logs_with_their_call_site() {
    let out = Test::new()
        .playbook("log(\"debug\", \"details\");\n")
        .args(["-v", "play", "playbook.rhai"])
        .run()
        .status(0);
    assert!(
        out.stderr.contains("debug details (playbook.rhai:1:1)"),
        "{}",
        out.stderr
    );
}

#[test]
fn fail_is_catchable_and_a_step_records_the_reason() {
    Test::new()
        .playbook(
            "let caught = \"\";\ntry { fail(\"first\"); } catch (e) { caught = e; }\nif caught != \"first\" { fail(`caught ${caught}`); }\nstep(\"verify\", || fail(\"health check failed\"));\n",
        )
        .args(["-q", "play", "playbook.rhai"])
        .run()
        .status(3)
        .stderr(
            "✗ verify failed <t>
error: health check failed
 --> playbook.rhai:4:19
  |
4 | step(\"verify\", || fail(\"health check failed\"));
  |                   ^
  = in a closure, called from playbook.rhai:4:1
run failed in <t> (exit 3)
",
        );
}

#[test]
fn stdlib_retry_retries_then_succeeds() {
    Test::new()
        .playbook(
            "import \"orion/retry\" as retry;\nlet tries = [];\nlet v = retry::times(3, \"10ms\", || { tries.push(1); if tries.len() < 3 { fail(\"not yet\"); } \"ready\" });\nif v != \"ready\" || tries.len() != 3 { fail(`got ${v} after ${tries.len()}`); }\n",
        )
        .args(["-q", "play", "playbook.rhai"])
        .run()
        .status(0)
        .stderr(
            "warn  attempt 1/3 failed: not yet; retrying in <t>
warn  attempt 2/3 failed: not yet; retrying in <t>
run succeeded in <t> (exit 0)
",
        );
}

#[test]
fn unknown_stdlib_module_lists_the_stdlib() {
    let out = Test::new()
        .playbook("import \"orion/nope\" as n;\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(1);
    assert!(
        out.stderr
            .contains("there is no stdlib module \"orion/nope\""),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "hint: the stdlib has: orion/blue_green, orion/canary, orion/retry, orion/rolling"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_arguments_are_explained() {
    let out = Test::new().args(["play", "missing.rhai"]).run().status(1);
    assert!(
        out.stderr
            .contains("error: cannot read playbook missing.rhai"),
        "{}",
        out.stderr
    );
    let out = Test::new()
        .playbook("1;")
        .args(["play", "playbook.rhai", "--set", "novalue"])
        .run()
        .status(1);
    assert!(
        out.stderr.contains("expected KEY=VALUE, got \"novalue\""),
        "{}",
        out.stderr
    );
    let out = Test::new()
        .playbook("log(\"loud\", \"x\");\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2);
    assert!(
        out.stderr.contains("unknown log level \"loud\""),
        "{}",
        out.stderr
    );
}

#[test]
fn exit_ends_the_playbook_successfully_and_refuses_a_value() {
    Test::new()
        .playbook("step(\"check\", || {\n    exit();\n});\nfail(\"not reached\");\n")
        .args(["-q", "play", "playbook.rhai"])
        .run()
        .status(0)
        .stderr("run succeeded in <t> (exit 0)\n");
    let out = Test::new()
        .playbook("exit(3);\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2);
    assert!(
        out.stderr.contains("exit(value) is not supported"),
        "{}",
        out.stderr
    );
}

#[test]
fn rhai_sleep_in_seconds_is_refused_for_one_that_ctrl_c_can_stop() {
    let out = Test::new()
        .playbook("sleep(5);\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2);
    assert!(
        out.stderr.contains("error: sleep(5) has no unit"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: durations are strings with a unit: sleep(\"5s\")"),
        "{}",
        out.stderr
    );
}

#[test]
fn known_function_with_wrong_arguments_shows_its_signature() {
    let out = Test::new()
        .playbook("step(1, || 2);\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2);
    assert!(
        out.stderr.contains(
            "hint: `step` takes other arguments: `step(name: string, body: closure) -> any`"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn sim_starts_a_cluster_for_the_run() {
    let out = Test::new()
        .playbook("info(`context ${target::context()}`);\n")
        .args(["play", "playbook.rhai", "--sim"])
        .run()
        .status(0);
    assert!(
        out.stderr
            .starts_with("simulated cluster on http://127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("info  context orion-sim\n"),
        "{}",
        out.stderr
    );
    let out = Test::new()
        .playbook("1;\n")
        .args(["play", "playbook.rhai", "--sim", "--context", "prod"])
        .run()
        .status(1);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
}
