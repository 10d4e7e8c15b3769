//! The guards every change passes, from orion.toml's environments.

use crate::support::playbook_cluster::PlaybookCluster;

const CONFIG: &str = r#"
[environments.sim]
context = "orion-sim"
namespace = "shop"

[environments.production]
context = "prod-*"

[environments.big]
min_nodes = 5

[environments.strict]
require_existing_namespace = true
namespace = "missing"

[environments.open]
protected_namespaces = []
secret_placeholders = []
"#;

fn with_env(c: &PlaybookCluster, env: &str, script: &str) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orion.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let env = env.to_string();
    let (outcome, logs) = c.play_with(script, move |b| b.config_file(&config).environment(env));
    match outcome.error {
        None => Ok(logs),
        Some(e) => Err(format!(
            "{} [{}]\n{}",
            e.message,
            outcome.exit_code.code(),
            e.hint.unwrap_or_default()
        )),
    }
}

const CHANGE: &str = r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "c" }, data: #{ a: "1" } });"#;

#[test]
fn an_environment_picks_the_namespace_and_lets_changes_through() {
    let c = PlaybookCluster::start("");
    let logs = with_env(
        &c,
        "sim",
        &format!(r#"k8s::ensure_namespace("shop"); {CHANGE} info(k8s::context().namespace);"#),
    )
    .unwrap();
    assert!(logs.contains(&"shop".to_string()), "{logs:?}");
}

#[test]
fn unknown_environments_are_named_with_the_known_ones() {
    let c = PlaybookCluster::start("");
    let e = with_env(&c, "staging", "info(1);").unwrap_err();
    assert!(
        e.contains("unknown environment \"staging\" [1]"),
        "exit 1: {e}"
    );
    assert!(e.contains("big, open, production, sim, strict"), "{e}");
}

#[test]
fn the_wrong_cluster_is_refused_before_any_change_but_reads_work() {
    let c = PlaybookCluster::start("");
    let logs = with_env(&c, "production", "info(k8s::nodes().len());").unwrap();
    assert_eq!(logs, ["3"]);
    let e = with_env(&c, "production", CHANGE).unwrap_err();
    assert!(e.contains("the run targets context \"orion-sim\", but environment production is context \"prod-*\""), "{e}");
    assert!(e.contains("[1]"), "a refusal exits 1: {e}");
    // A script cannot catch a refusal and carry on.
    let e = with_env(
        &c,
        "production",
        &format!("try {{ {CHANGE} }} catch {{ info(\"caught\"); }} info(\"went on\");"),
    )
    .unwrap_err();
    assert!(
        e.contains("refusing to change anything") && e.contains("[1]"),
        "{e}"
    );
    let after = with_env(
        &c,
        "open",
        r#"info(`${k8s::get("configmap", "c") == ()}`);"#,
    )
    .unwrap();
    assert_eq!(after, ["true"], "nothing was changed");
}

#[test]
fn protected_namespaces_node_counts_and_missing_namespaces_are_refused() {
    let c = PlaybookCluster::start("");
    let in_kube_system = r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "c", namespace: "kube-system" } });"#;
    let e = with_env(&c, "sim", in_kube_system).unwrap_err();
    assert!(
        e.contains("refusing to change namespace kube-system: it is protected"),
        "{e}"
    );
    with_env(&c, "open", in_kube_system).expect("an environment may unprotect it");
    let e = with_env(&c, "big", CHANGE).unwrap_err();
    assert!(
        e.contains("3 nodes are ready and schedulable, environment big needs 5"),
        "{e}"
    );
    let e = with_env(&c, "strict", CHANGE).unwrap_err();
    assert!(
        e.contains("refusing to change namespace missing: it does not exist"),
        "{e}"
    );
}

#[test]
fn dry_run_shows_what_would_change_and_leaves_every_object_as_it_was() {
    let c = PlaybookCluster::start("");
    c.ok(r#"
        k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "fast" } });
        k8s::apply(#{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{ name: "web" },
            spec: #{ replicas: 2, selector: #{ matchLabels: #{ app: "web" } },
              template: #{ metadata: #{ labels: #{ app: "web" } }, spec: #{ containers: [#{ name: "web", image: "shop/web:1" }] } } } });
        k8s::wait_rollout("web");
    "#);
    let snapshot = r#"
        for kind in ["deployments", "replicasets", "configmaps", "services", "namespaces", "secrets"] {
            print(`${kind}: ${k8s::list(kind, "")}`);
        }
    "#;
    let before = c.ok(snapshot);
    let (outcome, logs) = c.play_with(
        r#"
        k8s::set_image("web", "shop/web:2");
        k8s::scale("web", 5);
        k8s::restart("web");
        k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "safe" } });
        k8s::apply(#{ apiVersion: "v1", kind: "Secret", metadata: #{ name: "db" }, stringData: #{ password: "hunter2" } });
        k8s::ensure_namespace("shop");
        k8s::delete("configmap", "settings");
        "#,
        |b| b.dry_run(true),
    );
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    let text = logs.join("\n");
    assert!(
        text.contains("~ spec.template.spec.containers[0].image: \"shop/web:1\" → \"shop/web:2\""),
        "{text}"
    );
    assert!(text.contains("~ spec.replicas: 2 → 5"), "{text}");
    assert!(text.contains("~ data.mode: \"fast\" → \"safe\""), "{text}");
    assert!(
        text.contains("(dry run) configmap/settings:\n  would be deleted"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains("aHVudGVyMg"),
        "no secret value shows: {text}"
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let after = c.ok(snapshot);
    assert_eq!(before, after, "a dry run changes nothing");
}

const APPROVAL: &str = "[environments.prod]\ncontext = \"orion-sim\"\napproval = \"required\"\n";

fn in_prod(
    c: &PlaybookCluster,
    script: &str,
    flags: impl FnOnce(orion::RuntimeBuilder) -> orion::RuntimeBuilder,
) -> (orion::Outcome, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orion.toml");
    std::fs::write(&config, APPROVAL).unwrap();
    c.play_with(script, move |b| {
        flags(b.config_file(&config).environment("prod"))
    })
}

#[test]
fn approval_is_asked_once_before_the_first_change() {
    let c = PlaybookCluster::start("");
    let two_changes = format!("{CHANGE} k8s::apply(#{{ apiVersion: \"v1\", kind: \"ConfigMap\", metadata: #{{ name: \"d\" }} }});");
    // No terminal and no --yes: the run stops before changing anything (exit 5).
    let (outcome, _) = in_prod(&c, &two_changes, |b| b);
    let e = outcome.error.unwrap();
    assert_eq!(outcome.exit_code.code(), 5);
    assert!(
        e.message
            .contains("needs approval and there is no terminal"),
        "{}",
        e.message
    );
    assert_eq!(
        c.ok(r#"info(`${k8s::get("configmap", "c") == ()}`);"#),
        ["true"]
    );
    // --yes needs a name for the record.
    let (outcome, _) = in_prod(&c, &two_changes, |b| b.assume_yes(true));
    assert_eq!(outcome.exit_code.code(), 5);
    assert!(outcome
        .error
        .unwrap()
        .hint
        .unwrap_or_default()
        .contains("--approver NAME"));
    // --yes --approver: approved once, for the whole run, and journaled
    // before the first change with what was shown.
    let journals = tempfile::tempdir().unwrap();
    let here = journals.path().to_path_buf();
    let (outcome, logs) = in_prod(&c, &two_changes, |b| {
        b.assume_yes(true).approver("alice").journal_dir(here)
    });
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    let approvals: Vec<&String> = logs
        .iter()
        .filter(|l| l.starts_with("approved by alice (--yes)"))
        .collect();
    assert_eq!(approvals.len(), 1, "{logs:?}");
    let file = std::fs::read_dir(journals.path().join(".orion/journal"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let records = orion::guard::journal::Journal::read_records(&file).unwrap();
    let orion::guard::journal::Record::Approval(a) = &records[0] else {
        panic!("the approval comes first: {records:?}")
    };
    assert_eq!((a.by.as_str(), a.how.as_str()), ("alice", "--yes"));
    assert_eq!(a.environment.as_deref(), Some("prod"));
    assert!(
        a.shown.contains("first change: configmap/c: apply"),
        "{}",
        a.shown
    );
    assert!(a.at.parse::<jiff::Timestamp>().is_ok(), "{}", a.at);
    let changes = records
        .iter()
        .filter(|r| matches!(r, orion::guard::journal::Record::Change(_)))
        .count();
    assert_eq!(changes, 2, "then the two changes: {records:?}");
    // A dry run changes nothing, so it needs no approval.
    let (outcome, _) = in_prod(&c, CHANGE, |b| b.dry_run(true));
    assert!(outcome.succeeded(), "{:?}", outcome.error);
}

#[test]
fn a_script_can_ask_for_approval_anywhere() {
    let c = PlaybookCluster::start("");
    let (outcome, _) = c.play_with(
        r#"approve("migrate the orders table?"); info("migrating");"#,
        |b| b,
    );
    assert_eq!(outcome.exit_code.code(), 5, "{:?}", outcome.error);
    let (outcome, logs) = c.play_with(
        r#"approve("migrate the orders table?"); info("migrating");"#,
        |b| b.assume_yes(true).approver("bob"),
    );
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    assert!(
        logs.iter().any(|l| l.starts_with("approved by bob")),
        "{logs:?}"
    );
    assert!(logs.contains(&"migrating".to_string()));
}

#[test]
fn at_a_terminal_the_operator_types_the_environment_name() {
    let t = crate::support::Test::new()
        .file("orion.toml", APPROVAL)
        .playbook(&format!("{CHANGE}\ninfo(\"changed\");\n"));
    for (typed, succeeds) in [("prod", true), ("yes", false)] {
        let mut cmd = std::process::Command::new(crate::support::ORION);
        cmd.args(["play", "playbook.rhai", "--sim", "--env", "prod"])
            .current_dir(t.path())
            .env("NO_COLOR", "1")
            .env("TERM", "xterm");
        let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn orion play");
        p.exp_string("Approval needed for environment prod:")
            .unwrap();
        p.exp_string("first change: configmap/c: apply").unwrap();
        p.exp_string("Type \"prod\" to approve").unwrap();
        p.send_line(typed).unwrap();
        p.flush().unwrap();
        if succeeds {
            p.exp_string("changed").unwrap();
            p.exp_string("(exit 0)").unwrap();
        } else {
            p.exp_string("was not given; nothing was changed").unwrap();
            p.exp_string("(exit 5)").unwrap();
        }
    }
}

#[test]
fn freezes_and_closed_windows_refuse_and_say_when_changes_can_go() {
    let c = PlaybookCluster::start("");
    let tomorrow = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .tomorrow()
        .unwrap()
        .strftime("%a")
        .to_string()
        .to_lowercase();
    let config = format!(
        "[environments.frozen]\nfreeze = true\nfreeze_reason = \"end of year\"\n\
         [environments.closed]\nwindows = [{{ days = [\"{tomorrow}\"], hours = \"00:00-24:00\", timezone = \"UTC\" }}]\n\
         [environments.open]\nwindows = [{{ days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"], hours = \"00:00-24:00\" }}]\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orion.toml");
    std::fs::write(&path, config).unwrap();
    let run = |env: &str| {
        let (p, e) = (path.clone(), env.to_string());
        c.play_with(CHANGE, move |b| b.config_file(&p).environment(e))
    };
    let (outcome, _) = run("frozen");
    let e = outcome.error.unwrap();
    assert_eq!(outcome.exit_code.code(), 1);
    assert!(
        e.message
            .contains("environment frozen is frozen (end of year)"),
        "{}",
        e.message
    );
    let (outcome, _) = run("closed");
    let e = outcome.error.unwrap();
    assert!(
        e.message
            .contains("outside the deploy windows; the next opens"),
        "{}",
        e.message
    );
    assert!(e.message.contains("00:00 UTC"), "{}", e.message);
    let (outcome, _) = run("open");
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    // A mistaken window is caught when orion.toml is read.
    std::fs::write(
        &path,
        "[environments.bad]\nwindows = [{ days = [\"monday\"], hours = \"09:00-17:00\" }]\n",
    )
    .unwrap();
    let (outcome, _) = run("bad");
    let e = outcome.error.unwrap();
    assert!(
        e.message
            .contains("environments.bad.windows[0]: \"monday\" is not a day"),
        "{}",
        e.message
    );
}

#[test]
fn a_second_run_waits_for_the_deploy_lock_and_names_its_holder() {
    let c = std::sync::Arc::new(PlaybookCluster::start(""));
    let first = {
        let c = c.clone();
        std::thread::spawn(move || {
            c.play(&format!(
                r#"{CHANGE} info("holding"); sleep("2s"); info("done");"#
            ))
        })
    };
    // Wait until the first run holds the lock.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let logs = c.ok(r#"info(`${k8s::get("lease", "orion-deploy") != ()}`);"#);
        if logs == ["true"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first run never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (outcome, waiting) = c.play_with(CHANGE, |b| {
        b.lock_timeout(std::time::Duration::from_millis(500))
    });
    // While it waits it says who holds the lock and until when.
    assert!(
        waiting.iter().any(|l| l
            .starts_with("waiting up to 500ms for the deploy lock default/orion-deploy:")
            && l.contains(" holds it (until ")),
        "{waiting:?}"
    );
    let e = outcome.error.unwrap();
    assert_eq!(outcome.exit_code.code(), 1, "{}", e.message);
    assert!(
        e.message
            .contains("the deploy lock default/orion-deploy is held by"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains(" pid ") && e.message.contains(" run "),
        "names the holder: {}",
        e.message
    );
    let (outcome, logs) = first.join().unwrap();
    assert!(
        outcome.succeeded() && logs.contains(&"done".to_string()),
        "{:?}",
        outcome.error
    );
    // Released at the end: the next run takes it at once.
    let logs = c.ok(r#"info(`${k8s::get("lease", "orion-deploy") == ()}`);"#);
    assert_eq!(logs, ["true"], "released");
    c.ok(CHANGE);
}

#[test]
fn a_lock_whose_holder_died_is_taken_over_once_expired() {
    let c = PlaybookCluster::start("");
    // A lease left by a run of environment "open" that was killed long ago.
    c.ok(r#"k8s::apply(#{ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: #{ name: "orion-deploy" },
        spec: #{ holderIdentity: "ghost@gone pid 1 run dead", leaseDurationSeconds: 15,
                 acquireTime: "2026-01-01T00:00:00.000000Z", renewTime: "2026-01-01T00:00:00.000000Z" } });"#);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orion.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let (outcome, _) = c.play_with(CHANGE, move |b| {
        b.config_file(&config)
            .environment("open")
            .lock_timeout(std::time::Duration::from_secs(2))
    });
    assert!(outcome.succeeded(), "{:?}", outcome.error);
}

#[test]
fn every_change_is_journaled_with_what_it_replaced_and_secrets_stay_out_of_the_output() {
    let c = PlaybookCluster::start("");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orion.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let secret = r#"k8s::apply(#{ apiVersion: "v1", kind: "Secret", metadata: #{ name: "db" }, stringData: #{ password: "hunter2" } });"#;
    let script = format!(
        r#"step("config", || {{ {CHANGE} }}); k8s::apply(#{{ apiVersion: "v1", kind: "ConfigMap", metadata: #{{ name: "c" }}, data: #{{ a: "2" }} }}); {secret}"#
    );
    let (outcome, logs) = c.play_with(&script, {
        let config = config.clone();
        let here = dir.path().to_path_buf();
        move |b| b.config_file(&config).environment("open").journal_dir(here)
    });
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    let journals: Vec<_> = std::fs::read_dir(dir.path().join(".orion/journal"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(journals.len(), 1, "one journal per run");
    let entries = orion::guard::journal::Journal::read(&journals[0].path()).unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(
        (entries[0].kind.as_str(), entries[0].prior.is_none()),
        ("ConfigMap", true)
    );
    assert_eq!(entries[0].step.as_deref(), Some("config"));
    assert_eq!(
        entries[1].prior.as_ref().unwrap()["data"]["a"],
        "1",
        "the state it replaced"
    );
    assert_eq!(entries[2].kind, "Secret");
    assert!(entries
        .iter()
        .all(|e| e.environment.as_deref() == Some("open") && e.context == "orion-sim"));
    let shown = logs.join("\n");
    assert!(
        !shown.contains("hunter2") && !shown.contains("aHVudGVyMg"),
        "{shown}"
    );
}

#[test]
fn a_failed_run_is_undone_image_config_and_replicas() {
    let c = PlaybookCluster::start("");
    c.ok(r#"
        k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "fast" } });
        k8s::apply(#{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{ name: "web" },
            spec: #{ replicas: 2, selector: #{ matchLabels: #{ app: "web" } },
              template: #{ metadata: #{ labels: #{ app: "web" } }, spec: #{ containers: [#{ name: "web", image: "shop/web:1" }] } } } });
        k8s::wait_rollout("web");
    "#);
    let (outcome, logs) = c.play(
        r#"
        k8s::set_image("web", "shop/web:2");
        k8s::scale("web", 4);
        k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "safe" } });
        k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "extra" }, data: #{ fresh: "yes" } });
        k8s::wait_rollout("web");
        fail("the smoke test failed");
        "#,
    );
    assert_eq!(outcome.exit_code.code(), 2, "{:?}", outcome.error);
    assert!(
        logs.iter()
            .any(|l| l == "the run failed; undoing its 4 changes"),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l == "undone: configmap/extra in default (deleted)"),
        "{logs:?}"
    );
    assert!(
        logs.iter().any(|l| l == "the run's changes are undone"),
        "{logs:?}"
    );
    let after = c.ok(r#"
        let d = k8s::get("deployment", "web");
        info(`${d.spec.template.spec.containers[0].image} ${d.spec.replicas}`);
        info(k8s::get("configmap", "settings").data.mode);
        info(`${k8s::get("configmap", "extra") == ()}`);
        info(`${k8s::pods("app=web").filter(|p| !p.terminating && p.ready).map(|p| p.containers[0].image)}`);
    "#);
    assert_eq!(after[0], "shop/web:1 2", "{after:?}");
    assert_eq!(after[1], "fast");
    assert_eq!(after[2], "true");
    assert_eq!(
        after[3], r#"["shop/web:1", "shop/web:1"]"#,
        "the rollout back finished"
    );
}

#[test]
fn auto_rollback_off_leaves_a_failed_run_s_changes() {
    let c = PlaybookCluster::start("");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orion.toml");
    std::fs::write(&config, "[environments.keep]\nauto_rollback = false\n").unwrap();
    let (outcome, logs) = c.play_with(&format!("{CHANGE} fail(\"stop\");"), move |b| {
        b.config_file(&config).environment("keep")
    });
    assert_eq!(outcome.exit_code.code(), 2);
    assert!(
        logs.iter()
            .any(|l| l.contains("auto_rollback is off, so they stay")),
        "{logs:?}"
    );
    assert_eq!(
        c.ok(r#"info(`${k8s::get("configmap", "c") != ()}`);"#),
        ["true"]
    );
}

#[test]
fn after_a_sigkill_rollback_last_restores_from_the_journal_alone() {
    let c = orion_sim::testing::KubectlCluster::start();
    let settings = c.file(
        "settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: fast}\n",
    );
    c.ok(&["apply", "-f", &settings]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deploy.rhai"),
        r#"
        k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "safe" } });
        k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "extra" }, data: #{ fresh: "yes" } });
        sleep("60s");
        "#,
    )
    .unwrap();
    let mut child = std::process::Command::new(crate::support::ORION)
        .args(["play", "deploy.rhai"])
        .current_dir(dir.path())
        .env("KUBECONFIG", &c.kubeconfig)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let journal = dir.path().join(".orion/journal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let lines: usize = std::fs::read_dir(&journal)
            .into_iter()
            .flatten()
            .flatten()
            .map(|f| {
                std::fs::read_to_string(f.path())
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| l.contains(r#""record":"change""#))
                    .count()
            })
            .sum();
        let extra = c.kubectl(&["get", "configmap", "extra"]).0 == 0;
        if lines == 2 && extra {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never made its changes"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL: no chance to undo anything itself
    child.wait().unwrap();
    assert_eq!(
        c.ok(&[
            "get",
            "configmap",
            "settings",
            "-o",
            "jsonpath={.data.mode}"
        ]),
        "safe"
    );

    let history = std::process::Command::new(crate::support::ORION)
        .arg("history")
        .current_dir(dir.path())
        .env("KUBECONFIG", &c.kubeconfig)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&history.stdout).into_owned();
    assert!(
        listed.contains("orion-sim") && listed.contains("configmap/settings: apply"),
        "{listed}"
    );
    // Its summary still says "running", but its process is gone.
    assert!(listed.contains("incomplete (process gone)"), "{listed}");

    let rollback = std::process::Command::new(crate::support::ORION)
        .args(["rollback", "--last"])
        .current_dir(dir.path())
        .env("KUBECONFIG", &c.kubeconfig)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&rollback.stderr).into_owned();
    assert_eq!(rollback.status.code(), Some(0), "{said}");
    assert!(
        said.contains("configmap/extra in default (deleted)"),
        "{said}"
    );
    // The killed run's own deploy lock is taken over at once, not waited for.
    assert!(!said.contains("waiting up to"), "{said}");
    assert_eq!(
        c.ok(&[
            "get",
            "configmap",
            "settings",
            "-o",
            "jsonpath={.data.mode}"
        ]),
        "fast"
    );
    assert_ne!(
        c.kubectl(&["get", "configmap", "extra"]).0,
        0,
        "the created one is gone"
    );
}

#[test]
fn on_failure_hooks_run_before_the_undo_and_hold_keeps_the_changes() {
    let c = PlaybookCluster::start("");
    let (outcome, logs) = c.play(&format!(
        r#"on_failure(|| info("paging the on-call engineer"));
        on_failure(|| fail("a broken hook"));
        on_failure(|| info("the last hook still runs"));
        {CHANGE}
        fail("the canary failed");"#
    ));
    assert_eq!(outcome.exit_code.code(), 2);
    let at = |s: &str| {
        logs.iter()
            .position(|l| l.contains(s))
            .unwrap_or_else(|| panic!("{s}: {logs:?}"))
    };
    assert!(at("paging the on-call engineer") < at("an on_failure hook failed: a broken hook"));
    assert!(
        at("the last hook still runs") < at("undoing its 1 changes"),
        "hooks first: {logs:?}"
    );
    assert_eq!(
        c.ok(r#"info(`${k8s::get("configmap", "c") == ()}`);"#),
        ["true"],
        "undone"
    );

    let (outcome, logs) = c.play(&format!(r#"{CHANGE} hold(); fail("after the migration");"#));
    assert_eq!(outcome.exit_code.code(), 2);
    assert!(
        logs.iter()
            .any(|l| l.contains("the run failed after hold() at")
                && l.contains("its 1 changes stay")),
        "{logs:?}"
    );
    assert_eq!(
        c.ok(r#"info(`${k8s::get("configmap", "c") != ()}`);"#),
        ["true"],
        "kept"
    );
}

#[test]
fn two_concurrent_runs_against_one_namespace_never_interleave() {
    let c = std::sync::Arc::new(PlaybookCluster::start(""));
    let dir = tempfile::tempdir().unwrap();
    let run = |who: &'static str| {
        let c = c.clone();
        let here = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let script = format!(
                r#"for i in 0..4 {{
                    k8s::apply(#{{ apiVersion: "v1", kind: "ConfigMap", metadata: #{{ name: `{who}-${{i}}` }}, data: #{{ by: "{who}" }} }});
                    sleep("100ms");
                }}"#
            );
            c.play_with(&script, move |b| b.journal_dir(here))
        })
    };
    let (a, b) = (run("alpha"), run("beta"));
    for t in [a, b] {
        let (outcome, _) = t.join().unwrap();
        assert!(outcome.succeeded(), "{:?}", outcome.error);
    }
    // Each run's changes happened while it held the lock: one run's span of
    // journal times ends before the other's begins.
    let mut spans = vec![];
    for f in std::fs::read_dir(dir.path().join(".orion/journal"))
        .unwrap()
        .flatten()
    {
        let entries = orion::guard::journal::Journal::read(&f.path()).unwrap();
        assert_eq!(entries.len(), 4);
        let times: Vec<jiff::Timestamp> = entries.iter().map(|e| e.at.parse().unwrap()).collect();
        spans.push((times[0], times[3]));
    }
    spans.sort();
    assert_eq!(spans.len(), 2);
    assert!(spans[0].1 < spans[1].0, "interleaved: {spans:?}");
}

#[test]
fn the_phase_that_failed_picks_the_exit_code_and_the_run_is_undone() {
    let c = PlaybookCluster::start("");
    for (script, code) in [
        (
            format!(r#"step("deploy", || {{ {CHANGE} }}); step("verify", || fail("5% errors"));"#),
            3,
        ),
        (
            format!(r#"{CHANGE} step("smoke tests", || fail("login failed"));"#),
            4,
        ),
        (
            format!(
                r#"{CHANGE} step("checks", #{{ phase: "verify" }}, || step("inner", || fail("slow")));"#
            ),
            3,
        ),
        (
            format!(r#"step("pre-flight", || fail("2 nodes, need 3")); {CHANGE}"#),
            1,
        ),
        // A failure the script caught and replaced is the deploy's again.
        (
            format!(
                r#"{CHANGE} try {{ step("verify", || fail("flaky")); }} catch {{ fail("gave up"); }}"#
            ),
            2,
        ),
    ] {
        let (outcome, logs) = c.play(&script);
        assert_eq!(
            outcome.exit_code.code(),
            code,
            "{script}\n{:?}",
            outcome.error
        );
        if code != 1 {
            assert!(
                logs.iter().any(|l| l == "the run's changes are undone"),
                "{logs:?}"
            );
        }
        assert_eq!(
            c.ok(r#"info(`${k8s::get("configmap", "c") == ()}`);"#),
            ["true"],
            "{script}"
        );
    }
    let (outcome, _) = c.play(r#"step("x", #{ phase: "later" }, || 1);"#);
    assert!(outcome
        .error
        .unwrap()
        .message
        .contains("unknown phase \"later\""));
}

#[test]
fn a_secret_holding_a_placeholder_is_never_written() {
    let c = PlaybookCluster::start("");
    let apply = r#"k8s::apply(#{ apiVersion: "v1", kind: "Secret", metadata: #{ name: "api" }, stringData: #{ user: "shop", token: "CHANGE_ME" } });"#;
    let e = with_env(
        &c,
        "sim",
        &format!(r#"k8s::ensure_namespace("shop"); try {{ {apply} }} catch {{ info("caught"); }}"#),
    )
    .unwrap_err();
    assert!(
        // Refused after the namespace was created: exit 2, and the run is undone.
        e.contains("refusing to write secret/api: a key holds a placeholder, not a real value: token (matches \"*change_me*\") [2]"),
        "{e}"
    );
    assert!(!e.contains("CHANGE_ME"), "{e}");
    let gone = with_env(&c, "sim", r#"info(`${k8s::get("secret", "api") == ()}`);"#).unwrap();
    assert!(gone.contains(&"true".to_string()), "not written: {gone:?}");
    // An environment that lists no patterns lets it through.
    with_env(&c, "open", apply).unwrap();

    // The playbook's own pre-flight check of an env file.
    let env = c.dir().join("secrets.env");
    std::fs::write(&env, "DB_USER=shop\nDB_PASSWORD=<password>\n").unwrap();
    let (outcome, _) = c.play(&format!(
        r#"step("pre-flight", || secrets::assert_no_placeholders("{}"));"#,
        env.display()
    ));
    let error = outcome.error.unwrap().message;
    assert_eq!(outcome.exit_code.code(), 1, "{error}");
    assert!(
        error.contains("secrets.env:2: DB_PASSWORD (matches \"<*>\")"),
        "{error}"
    );
    assert!(!error.contains("<password>"), "{error}");
}
