//! Error messages are product: exact stderr for each kind of failure.

use crate::support::Test;

#[test]
fn syntax_error_points_at_the_column() {
    Test::new()
        .playbook("let x = 1;\nlet y = ;\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(1)
        .stderr(
            "run playbook.rhai
error: syntax error: Unexpected ';'
 --> playbook.rhai:2:9
  |
2 | let y = ;
  |         ^
run failed in <t> (exit 1)
",
        );
}

#[test]
fn runtime_error_inside_imported_module_shows_the_call_chain() {
    Test::new()
        .file(
            "lib/deploy.rhai",
            "fn check(name) {\n    if name == \"\" {\n        fail(\"empty service name\");\n    }\n}\n\nfn all(names) {\n    for n in names { check(n); }\n}\n",
        )
        .playbook("import \"lib/deploy\" as deploy;\n\ndeploy::all([\"auth\", \"\"]);\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2)
        .stderr(
            "run playbook.rhai
error: empty service name
 --> lib/deploy.rhai:3:9
  |
3 |         fail(\"empty service name\");
  |         ^
  = in `check`, called from lib/deploy.rhai:8:22
  = in `all`, called from playbook.rhai:3:9
run failed in <t> (exit 2)
",
        );
}

#[test]
fn error_in_a_module_body_names_the_import() {
    Test::new()
        .file("lib/broken.rhai", "let x = 1;\nundefined_helper(x);\n")
        .playbook("import \"lib/broken\" as b;\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2)
        .stderr(
            "run playbook.rhai
error: unknown function `undefined_helper(int)`
 --> lib/broken.rhai:2:1
  |
2 | undefined_helper(x);
  | ^
  = in module `lib/broken.rhai`, imported at playbook.rhai:1:8
run failed in <t> (exit 2)
",
        );
}

#[test]
fn syntax_error_in_a_module_stops_before_anything_runs() {
    Test::new()
        .file("lib/typo.rhai", "fn f( {\n}\n")
        .playbook("info(\"this must not run\");\nimport \"lib/typo\" as t;\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(1)
        .stderr(
            "run playbook.rhai
error: syntax error: Expecting ')' to close the parameters list of function 'f'
 --> lib/typo.rhai:1:7
  |
1 | fn f( {
  |       ^
  = in module `lib/typo.rhai`, imported at playbook.rhai:2:1
run failed in <t> (exit 1)
",
        );
}

#[test]
fn malformed_duration_is_an_error_at_the_call() {
    Test::new()
        .playbook("step(\"wait\", || {\n    sleep(\"5 minutes\");\n});\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2)
        .stderr(
            "run playbook.rhai
▶ wait
✗ wait failed <t>
error: malformed duration \"5 minutes\": unknown unit `minutes`
 --> playbook.rhai:2:5
  |
2 |     sleep(\"5 minutes\");
  |     ^
  = in a closure, called from playbook.rhai:1:1
  = hint: write a number and a unit (ms, s, m, h, d), e.g. \"500ms\", \"30s\", \"1h30m\"

  STEP  RESULT     DURATION
  wait  failed     <t>
        ↳ malformed duration \"5 minutes\": unknown unit `minutes`

run failed in <t> (exit 2)
",
        );
}

#[test]
fn unknown_function_suggests_the_close_one() {
    Test::new()
        .playbook("fn deploy_service(name) { info(name); }\n\ndeploy_servise(\"auth\");\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2)
        .stderr(
            "run playbook.rhai
error: unknown function `deploy_servise(string)`
 --> playbook.rhai:3:1
  |
3 | deploy_servise(\"auth\");
  | ^
  = hint: did you mean `deploy_service`?
run failed in <t> (exit 2)
",
        );
}

#[test]
fn unknown_namespaced_function_suggests_the_close_one() {
    Test::new()
        .playbook("let ns = target::namespce();\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2)
        .stderr(
            "run playbook.rhai
error: unknown function `target::namespce()`
 --> playbook.rhai:1:18
  |
1 | let ns = target::namespce();
  |                  ^
  = hint: did you mean `target::namespace`?
run failed in <t> (exit 2)
",
        );
}

#[test]
fn import_climbing_out_of_the_playbook_directory_is_refused() {
    let t = Test::new()
        .file("secret.rhai", "fn key() { \"s3cr3t\" }\n")
        .file(
            "deploy/playbook.rhai",
            "import \"../secret\" as s;\ninfo(s::key());\n",
        );
    t.args(["play", "deploy/playbook.rhai"])
        .run()
        .status(1)
        .stderr(
            "run deploy/playbook.rhai
error: import \"../secret\" is refused: it climbs out of the playbook's directory with \"..\"
 --> deploy/playbook.rhai:1:1
  |
1 | import \"../secret\" as s;
  | ^
  = hint: imports resolve relative to the playbook's directory and cannot leave it; move the module beside the playbook
run failed in <t> (exit 1)
",
        );
}

#[test]
fn absolute_import_is_refused() {
    Test::new()
        .playbook("import \"/etc/hostname\" as h;\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(1)
        .stderr(
            "run playbook.rhai
error: import \"/etc/hostname\" is refused: it is an absolute path
 --> playbook.rhai:1:1
  |
1 | import \"/etc/hostname\" as h;
  | ^
  = hint: imports resolve relative to the playbook's directory and cannot leave it; move the module beside the playbook
run failed in <t> (exit 1)
",
        );
}

#[test]
fn endless_loop_is_stopped_by_the_operations_limit() {
    Test::new()
        .file("orion.toml", "[limits]\nmax_operations = 20000\n")
        .playbook("let n = 0;\nwhile true {\n    n += 1;\n}\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2)
        .stderr(
            "run playbook.rhai
error: the playbook ran past its operations limit and was stopped (does it loop forever?)
 --> playbook.rhai:3:5
  |
3 |     n += 1;
  |     ^
  = hint: the limit is 20000 operations; raise `max_operations` under [limits] in orion.toml if the playbook really needs more
run failed in <t> (exit 2)
",
        );
}

#[test]
fn eval_is_disabled() {
    Test::new()
        .playbook("eval(\"1 + 1\");\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(1)
        .stderr(
            "run playbook.rhai
error: syntax error: reserved keyword 'eval' is disabled
 --> playbook.rhai:1:1
  |
1 | eval(\"1 + 1\");
  | ^
  = hint: `eval` is disabled in playbooks; write the code directly
run failed in <t> (exit 1)
",
        );
}

#[test]
fn invalid_orion_toml_is_a_preflight_error() {
    Test::new()
        .file("orion.toml", "[limits]\nmax_ops = 5\n")
        .playbook("info(1);\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(1);
}

#[test]
fn misspelt_variable_is_caught_before_running_with_a_suggestion() {
    Test::new()
        .playbook("let replicas = 3;\ninfo(\"started\");\ninfo(replcas);\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(1)
        .stderr(
            "run playbook.rhai
error: syntax error: Undefined variable: replcas
 --> playbook.rhai:3:6
  |
3 | info(replcas);
  |      ^
  = hint: did you mean `replicas`?
run failed in <t> (exit 1)
",
        );
}

#[test]
fn operator_on_wrong_types_says_so() {
    Test::new()
        .playbook("let n = \"3\" * 2;\n")
        .args(["play", "playbook.rhai"])
        .run()
        .status(2)
        .stderr(
            "run playbook.rhai
error: no operator `*` for string and int
 --> playbook.rhai:1:13
  |
1 | let n = \"3\" * 2;
  |             ^
run failed in <t> (exit 2)
",
        );
}
