//! orion's promises, held by the trials that once broke them: a run ends
//! fully done or fully undone, exit 1 means nothing was changed, exit 5
//! means it was not approved, output paths are checked before anything
//! runs, a dry run needs no approval, and one namespace has one deploy lock
//! whatever the environment.

use crate::support::playbook_cluster::PlaybookCluster;
use crate::support::Test;

const CONFIG: &str = r#"
[environments.production]
approval = "required"

[environments.dev]
"#;

/// Runs `script` against `c` in environment `env` of `CONFIG`.
fn in_env(
    c: &PlaybookCluster,
    env: &str,
    script: &str,
    configure: impl FnOnce(orion::RuntimeBuilder) -> orion::RuntimeBuilder,
) -> (orion::Outcome, Vec<String>) {
    let config = c.dir().join("orion.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let env = env.to_string();
    c.play_with(script, move |b| {
        configure(b.config_file(&config).environment(env))
    })
}

fn exists(c: &PlaybookCluster, kind: &str, name: &str) -> bool {
    c.ok(&format!(
        r#"info(`${{k8s::get("{kind}", "{name}") != ()}}`);"#
    )) == ["true"]
}

#[test]
fn a_guard_refusal_after_a_change_undoes_the_run_and_is_not_exit_1() {
    let c = PlaybookCluster::start("");
    let (outcome, logs) = c.play(
        r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "first" }, data: #{ a: "1" } });
           k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "x", namespace: "kube-system" }, data: #{ a: "1" } });"#,
    );
    let error = outcome.error.unwrap();
    assert!(error.message.contains("namespace kube-system"), "{error:?}");
    assert_eq!(outcome.exit_code.code(), 2, "a change was made: {error:?}");
    assert!(
        logs.iter().any(|l| l == "the run's changes are undone"),
        "{logs:?}"
    );
    assert!(!exists(&c, "configmap", "first"), "`first` was undone");

    // Refused before any change, it stays exit 1.
    let (outcome, _) = c.play(
        r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "x", namespace: "kube-system" }, data: #{ a: "1" } });"#,
    );
    assert_eq!(outcome.exit_code.code(), 1);
}

#[test]
fn approval_asked_at_the_first_change_of_a_plan_without_a_terminal_is_exit_5() {
    let c = PlaybookCluster::start("");
    std::fs::write(
        c.dir().join("web.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: v}\n",
    )
    .unwrap();
    let (outcome, _) = in_env(
        &c,
        "production",
        r#"k8s::apply(k8s::manifests("web.yaml"));"#,
        |b| b,
    );
    let error = outcome.error.unwrap();
    assert_eq!(outcome.exit_code.code(), 5, "{error:?}");
    assert!(
        error
            .message
            .starts_with("environment production needs approval"),
        "not a manifest's error: {error:?}"
    );
    assert!(!exists(&c, "configmap", "a"));
}

#[test]
fn a_dry_run_needs_no_approval() {
    let c = PlaybookCluster::start("");
    let (outcome, logs) = in_env(
        &c,
        "production",
        r#"approve("deploy to production");
           k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "c" }, data: #{ a: "1" } });"#,
        |b| b.dry_run(true),
    );
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    assert!(
        logs.iter()
            .any(|l| l.starts_with("(dry run) would ask for approval:")),
        "{logs:?}"
    );
    assert!(!exists(&c, "configmap", "c"));
}

#[test]
fn one_namespace_has_one_deploy_lock_whatever_the_environment() {
    let c = PlaybookCluster::start("");
    // A live lease held by a run of environment dev.
    let now = "2099-01-01T00:00:00.000000Z";
    c.ok(&format!(
        r#"k8s::apply(#{{ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: #{{ name: "orion-deploy" }},
            spec: #{{ holderIdentity: "alice@build pid 1 run R env dev", leaseDurationSeconds: 3600,
                     acquireTime: "{now}", renewTime: "{now}" }} }});"#
    ));
    // A run of another environment (and one of none) waits for it.
    for env in [Some("production"), None] {
        let script = r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "c" }, data: #{ a: "1" } });"#;
        let wait = |b: orion::RuntimeBuilder| {
            b.lock_timeout(std::time::Duration::from_secs(1))
                .assume_yes(true)
                .approver("bob")
        };
        let (outcome, _) = match env {
            Some(e) => in_env(&c, e, script, wait),
            None => c.play_with(script, wait),
        };
        let error = outcome.error.unwrap();
        assert_eq!(outcome.exit_code.code(), 1, "{error:?}");
        assert!(
            error.message.contains("default/orion-deploy is held by")
                && error.message.contains("env dev"),
            "{error:?}"
        );
    }
    assert!(!exists(&c, "configmap", "c"));
}

#[test]
fn an_unwritable_junit_path_stops_the_run_before_it_starts() {
    let out = Test::new()
        .playbook(r#"info("ran");"#)
        .args([
            "play",
            "playbook.rhai",
            "--junit",
            "/nonexistent/dir/junit.xml",
        ])
        .run()
        .status(1);
    assert!(
        out.stderr
            .contains("cannot write the JUnit report /nonexistent/dir/junit.xml")
            && out.stderr.contains("nothing was run"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("ran"), "{}", out.stderr);
}

#[test]
fn the_shipped_playbooks_aimed_elsewhere_stop_in_pre_flight_with_exit_1() {
    for (playbook, says) in [
        ("staging.rhai", "staging.rhai deploys to staging"),
        ("production.rhai", "production.rhai deploys to production"),
    ] {
        let path = crate::support::repo().join("playbooks").join(playbook);
        let out = Test::new()
            .arg_list(["play".to_string(), path.display().to_string()])
            .run()
            .status(1);
        assert!(out.stderr.contains(says), "{}", out.stderr);
        assert!(
            out.stderr.contains("hint: ") && !out.stderr.contains("\\nhint"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_step_whose_smoke_tests_failed_is_failed_in_the_summary() {
    let out = Test::new()
        .playbook(
            r#"step("smoke", || {
                   smoke::test("a", || fail("down"));
                   smoke::test("b", || fail("down"));
                   smoke::test("c", || ());
               });
               info(`changes: ${target::changes()}`);"#,
        )
        .args(["play", "playbook.rhai"])
        .run()
        .status(4);
    assert!(
        out.stderr.contains("smoke  failed") && out.stderr.contains("2 smoke tests failed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("changes: 0"), "{}", out.stderr);
}
