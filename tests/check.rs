//! `orion check`: compile without running.

use crate::support::{repo, Test};

#[test]
fn every_playbook_and_stdlib_module_compiles() {
    let root = repo();
    let playbooks = root.join("playbooks");
    let stdlib = root.join("stdlib");
    let out = Test::new()
        .args([
            "check",
            playbooks.to_str().unwrap(),
            stdlib.to_str().unwrap(),
        ])
        .run()
        .status(0);
    assert!(out.stderr.contains(": no problems"), "{}", out.stderr);
}

#[test]
fn lists_every_error_and_runs_nothing() {
    let out = Test::new()
        .file("ok.rhai", "fail(\"check must not run this\");\n")
        .file("bad/one.rhai", "let x = ;\n")
        .file("bad/two.rhai", "import \"../../outside\" as o;\n")
        .file("bad/three.rhai", "import \"lib/missing\" as m;\n")
        .args(["check", "ok.rhai", "bad"])
        .run()
        .status(1);
    let e = &out.stderr;
    assert!(e.contains("--> bad/one.rhai:1:9"), "{e}");
    assert!(e.contains("climbs out of the playbook's directory"), "{e}");
    assert!(e.contains("cannot read module \"lib/missing\""), "{e}");
    assert!(e.contains("checked 4 files: 3 problems in 3 files"), "{e}");
    assert!(!e.contains("check must not run this"), "{e}");
}

#[test]
fn checks_imported_modules_too() {
    let out = Test::new()
        .file("lib/util.rhai", "fn f() {\n    let = 2;\n}\n")
        .file("lib/other.rhai", "let y = ;\n")
        .playbook("import \"lib/util\" as u;\nimport \"lib/other\" as o;\nu::f();\n")
        .args(["check", "playbook.rhai"])
        .run()
        .status(1);
    assert!(
        out.stderr.contains("--> lib/util.rhai:2:9"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("imported at playbook.rhai:1:1"),
        "{}",
        out.stderr
    );
    // The problems are in the two modules, not in the one file checked.
    assert!(
        out.stderr.contains("checked 1 file: 2 problems in 2 files"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_path_is_an_error() {
    let out = Test::new().args(["check", "nowhere"]).run().status(1);
    assert!(out.stderr.contains("cannot read nowhere"), "{}", out.stderr);
}
