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

#[test]
fn a_kubeconfig_that_does_not_parse_is_named_with_why() {
    let t = Test::new()
        .file("broken-kubeconfig", "this: [is not a kubeconfig\n")
        .playbook("info(k8s::context().name);");
    let path = t.path().join("broken-kubeconfig").display().to_string();
    let out = t
        .env("KUBECONFIG", &path)
        .args(["play", "playbook.rhai"])
        .run()
        .status(2);
    assert!(
        out.stderr
            .contains(&format!("cannot read the kubeconfig KUBECONFIG={path}")),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("no kubeconfig found"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_ca_file_that_is_not_pem_is_refused_where_the_check_is_written() {
    let out = Test::new()
        .file("ca.pem", "not a certificate\n")
        .playbook(r#"health::http("https://127.0.0.1:1/", #{ ca_file: "ca.pem" });"#)
        .args(["play", "playbook.rhai"])
        .run()
        .status(2);
    assert!(
        out.stderr.contains(
            "ca_file: the CA file ./ca.pem is not a PEM certificate: no BEGIN CERTIFICATE block"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_script_too_long_for_right_positions_is_refused() {
    let long = "let x = 1;\n".repeat(70_000);
    let out = Test::new()
        .playbook(&long)
        .args(["play", "playbook.rhai"])
        .run()
        .status(1);
    assert!(
        out.stderr
            .contains("playbook.rhai has 70000 lines; orion reads scripts of at most 65535 lines"),
        "{}",
        out.stderr
    );
    let out = Test::new()
        .file("lib/long.rhai", &long)
        .playbook("import \"lib/long\" as l;")
        .args(["check", "playbook.rhai"])
        .run()
        .status(1);
    assert!(out.stderr.contains("has 70000 lines"), "{}", out.stderr);
}

#[test]
fn an_import_refused_as_it_runs_is_exit_1_like_one_written_in_the_playbook() {
    for script in [
        "import \"../outside\" as o;",
        "let p = \"../outside\"; import p as o;",
    ] {
        let out = Test::new()
            .playbook(script)
            .args(["play", "playbook.rhai"])
            .run();
        assert_eq!(out.status, 1, "{script}: {}", out.stderr);
        assert!(
            out.stderr.contains("climbs out"),
            "{script}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_deploy_lock_not_free_in_time_fails_the_step_it_is_not_cancelled() {
    let c = PlaybookCluster::start("");
    let now = "2099-01-01T00:00:00.000000Z";
    c.ok(&format!(
        r#"k8s::apply(#{{ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: #{{ name: "orion-deploy" }},
            spec: #{{ holderIdentity: "alice@build pid 1 run R", leaseDurationSeconds: 3600,
                     acquireTime: "{now}", renewTime: "{now}" }} }});"#
    ));
    let (outcome, _) = c.play_with(
        r#"step("deploy", || k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "c" }, data: #{ a: "1" } }));"#,
        |b| b.lock_timeout(std::time::Duration::from_secs(1)),
    );
    assert_eq!(outcome.exit_code.code(), 1);
    assert_eq!(
        outcome.steps[0].status,
        orion::report::step::StepStatus::Failed,
        "{:?}",
        outcome.steps
    );
}

#[test]
fn rolling_back_an_older_run_over_a_newer_one_is_refused_unless_forced() {
    use crate::support::shipped::orion;
    let c = orion_sim::testing::KubectlCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let apply = |value: &str| {
        std::fs::write(
            dir.path().join("deploy.rhai"),
            format!(r#"k8s::apply(#{{ apiVersion: "v1", kind: "ConfigMap", metadata: #{{ name: "c" }}, data: #{{ v: "{value}" }} }});"#),
        )
        .unwrap();
        let (code, _, err) = orion(dir.path(), &c, &["play", "deploy.rhai"]);
        assert_eq!(code, 0, "{err}");
    };
    // The runs with a journal here, oldest first.
    let runs = || {
        let mut r: Vec<String> = std::fs::read_dir(dir.path().join(".orion/journal"))
            .unwrap()
            .flatten()
            .map(|f| f.path().file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        r.sort();
        r
    };
    apply("1");
    apply("2");
    let runs_now = runs();
    let (older, newer) = (&runs_now[0], &runs_now[1]);

    let (code, _, said) = orion(dir.path(), &c, &["rollback", "--run", older]);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains("configmap/c in default (changed since the run)")
            && said.contains(&format!("changed by the newer runs: {newer}"))
            && said.contains("nothing was undone"),
        "{said}"
    );
    let value = || c.ok(&["get", "configmap", "c", "-o", "jsonpath={.data.v}"]);
    assert_eq!(value(), "2", "the newer run's change stays");

    // --force undoes it anyway.
    let (code, _, said) = orion(dir.path(), &c, &["rollback", "--run", older, "--force"]);
    assert_eq!(code, 0, "{said}");
    assert_ne!(
        c.kubectl(&["get", "configmap", "c"]).0,
        0,
        "created by the older run"
    );

    // Made again twice; the newer run undone first, the older has nothing in its way.
    apply("3");
    apply("4");
    let latest = runs().split_off(2);
    let (code, _, said) = orion(dir.path(), &c, &["rollback", "--run", &latest[1]]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(value(), "3");
    let (code, _, said) = orion(dir.path(), &c, &["rollback", "--run", &latest[0]]);
    assert_eq!(code, 0, "{said}");
    assert_ne!(
        c.kubectl(&["get", "configmap", "c"]).0,
        0,
        "created by the older run"
    );
}

#[test]
fn a_dry_run_on_a_fresh_namespace_runs_through_and_changes_nothing() {
    use crate::support::shipped::{cluster, play, playbooks};
    let c = cluster("good", "");
    let dir = playbooks(&c);
    let (code, said) = play(&c, &dir, "staging.rhai", &["--env", "sim", "--dry-run"]);
    assert_eq!(code, 0, "{said}");
    for line in [
        "(dry run) namespace shop-staging exists only in this dry run",
        "(dry run) would wait for deployment/gateway to roll out: it exists only in this dry run",
        "(dry run) step verify skipped",
        "(dry run) step smoke skipped",
        "registry.example.com/shop/gateway:1.4.2",
    ] {
        assert!(said.contains(line), "{line}:\n{said}");
    }
    assert_ne!(
        c.kubectl(&["get", "namespace", "shop-staging"]).0,
        0,
        "the namespace was not made"
    );
    assert_eq!(
        c.ok(&["get", "leases", "-A", "-o", "name"]),
        "",
        "a dry run takes no deploy lock"
    );
}

/// Runs `orion play deploy.rhai` in `dir` against the proxy, freezing it
/// once `ready` says so; gives (exit code, stderr).
fn play_until_the_api_hangs(
    c: &orion_sim::testing::KubectlCluster,
    dir: &std::path::Path,
    script: &str,
    ready: impl Fn() -> bool,
) -> (i32, String) {
    use orion_sim::testing::ApiProxy;
    use std::time::{Duration, Instant};
    let proxy = ApiProxy::start(&c.kubeconfig, dir);
    std::fs::write(
        dir.join("orion.toml"),
        "[api]\nconnect_timeout = \"1s\"\nrequest_timeout = \"2s\"\nretry_for = \"4s\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("deploy.rhai"), script).unwrap();
    let mut child = std::process::Command::new(crate::support::ORION)
        .args(["play", "deploy.rhai"])
        .current_dir(dir)
        .env("KUBECONFIG", &proxy.kubeconfig)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < until, "the run never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    proxy.freeze();
    // A guard against a hang, not a measure of speed (benches/api_death.rs is).
    let until = Instant::now() + Duration::from_secs(180);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > until {
            let _ = child.kill();
            panic!("orion still running 3 minutes after the API server stopped answering");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_api_server_that_stops_answering_mid_run_ends_it_with_exit_6_and_what_is_left() {
    let c = orion_sim::testing::KubectlCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "first" }, data: #{ a: "1" } });
sleep("1s");
k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "second" }, data: #{ a: "1" } });
"#;
    let made = || c.kubectl(&["get", "configmap", "first"]).0 == 0;
    let (code, said) = play_until_the_api_hangs(&c, dir.path(), script, made);
    assert_eq!(code, 6, "{said}");
    assert!(
        said.contains("waiting for the API server") || said.contains("trying again"),
        "a long wait says so:\n{said}"
    );
    assert!(
        said.contains("configmap/first") && said.contains("no answer from the API server"),
        "{said}"
    );
    assert!(
        !said.contains(" ERROR ") && !said.contains("kube_client"),
        "no library log lines by default:\n{said}"
    );
}

#[test]
fn an_api_server_that_never_answers_stops_the_run_in_pre_flight_saying_so() {
    let c = orion_sim::testing::KubectlCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
step("pre-flight", || { info(`${k8s::pods("app=web").len()} pods`); });
k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "first" }, data: #{ a: "1" } });
"#;
    let (code, said) = play_until_the_api_hangs(&c, dir.path(), script, || true);
    assert_eq!(code, 1, "{said}");
    assert!(
        (said.contains("waiting for the API server") || said.contains("trying again"))
            && said.contains("no answer from the API server"),
        "{said}"
    );
    assert!(!said.contains(" ERROR "), "{said}");
}

#[test]
fn writes_through_api_errors_and_throttling_retry_within_a_time_and_say_nothing_raw() {
    use crate::support::shipped::orion;
    let scenario = orion_sim::scenario::Scenario::parse(
        "[api]\nerror_rate = 0.3\nthrottle_rate = 0.2\nretry_after = \"1s\"\n",
    )
    .unwrap();
    let c = orion_sim::testing::KubectlCluster::start_with(|config, _| config.scenario = scenario);
    let dir = tempfile::tempdir().unwrap();
    // A generous budget: what is tested is that failing tries are retried
    // for a time and stay off the console.
    std::fs::write(dir.path().join("orion.toml"), "[api]\nretry_for = \"2m\"\n").unwrap();
    std::fs::write(
        dir.path().join("deploy.rhai"),
        r#"
for i in 0..6 {
    k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: `c${i}` }, data: #{ v: "1" } });
}
"#,
    )
    .unwrap();
    let (code, _, said) = orion(dir.path(), &c, &["play", "deploy.rhai"]);
    assert_eq!(code, 0, "{said}");
    assert!(
        !said.contains("failed with status") && !said.contains(" ERROR "),
        "no library log lines on the console:\n{said}"
    );
}
