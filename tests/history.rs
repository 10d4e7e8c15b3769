//! Runs summarised in the cluster: `orion history` and `orion rollback`
//! from a machine that has none of the run's journal.

use crate::support::shipped::orion;
use orion_sim::testing::KubectlCluster;

const BEFORE: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: old-s3cret-value}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "shop/web:1"}]}
"#;

const DEPLOY: &str = r#"
k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "safe" } });
k8s::apply(#{ apiVersion: "v1", kind: "Secret", metadata: #{ name: "db" }, stringData: #{ password: "new-s3cret-value" } });
k8s::set_image("web", "shop/web:2");
k8s::wait_rollout("web");
"#;

#[test]
fn another_machine_lists_and_undoes_a_run_from_its_summary_in_the_cluster() {
    let c = KubectlCluster::start();
    let before = c.file("before.yaml", BEFORE);
    c.ok(&["apply", "-f", &before]);
    c.ok(&["rollout", "status", "deployment/web", "--timeout=30s"]);

    // The deploy, on "this" machine.
    let here = tempfile::tempdir().unwrap();
    std::fs::write(here.path().join("deploy.rhai"), DEPLOY).unwrap();
    let (code, _, err) = orion(here.path(), &c, &["play", "deploy.rhai"]);
    assert_eq!(code, 0, "{err}");

    // The summary shows what changed, and no Secret value.
    let summaries = c.ok(&[
        "get",
        "configmaps",
        "-l",
        "app.kubernetes.io/managed-by=orion",
        "-o",
        "json",
    ]);
    assert!(
        summaries.contains("secret/db") || summaries.contains("\\\"name\\\":\\\"db\\\""),
        "{summaries}"
    );
    for value in [
        "old-s3cret-value",
        "b2xkLXMzY3JldC12YWx1ZQ",
        "new-s3cret-value",
    ] {
        assert!(!summaries.contains(value), "{value} in {summaries}");
    }

    // Another machine: no journal at all, the same cluster.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, listed, err) = orion(elsewhere.path(), &c, &["history"]);
    assert_eq!(code, 0, "{err}");
    let line = listed
        .lines()
        .find(|l| l.contains("configmap/settings: apply"))
        .unwrap_or_else(|| panic!("{listed}\n{err}"));
    assert!(
        line.contains("succeeded") && line.contains("cluster") && line.contains("orion-sim"),
        "{line}"
    );
    assert!(
        line.split_whitespace().any(|w| w == "3"),
        "three changes: {line}"
    );

    // From the cluster's summary, the plan is shown and must be approved.
    let (code, _, said) = orion(elsewhere.path(), &c, &["rollback", "--last"]);
    assert_eq!(code, 5, "{said}");
    for shown in [
        "configmap/settings in default: back to the summary's copy: keys mode",
        "secret/db in default: back to the summary's copy: keys password",
        "deployment/web in default: back to the summary's copy: images shop/web:1",
    ] {
        assert!(said.contains(shown), "{shown}: {said}");
    }
    let (code, _, said) = orion(
        elsewhere.path(),
        &c,
        &["rollback", "--last", "--yes", "--approver", "bob"],
    );
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("from its summaries default/orion-run-"),
        "{said}"
    );
    assert!(!said.contains("old-s3cret-value"), "{said}");
    let get = |what: &[&str]| c.ok(what);
    assert_eq!(
        get(&[
            "get",
            "configmap",
            "settings",
            "-o",
            "jsonpath={.data.mode}"
        ]),
        "fast"
    );
    assert_eq!(
        get(&["get", "secret", "db", "-o", "jsonpath={.data.password}"]),
        "b2xkLXMzY3JldC12YWx1ZQ==",
        "the Secret's old value is back"
    );
    assert_eq!(
        get(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}"
        ]),
        "shop/web:1"
    );
    let (_, listed, _) = orion(elsewhere.path(), &c, &["history"]);
    assert!(
        listed.contains("rolled back by orion rollback, approved by bob"),
        "{listed}"
    );

    // Where the journal is, it is still the source (and says both).
    let (_, listed, _) = orion(here.path(), &c, &["history"]);
    assert!(listed.contains(" both "), "{listed}");
    let (_, listed, err) = orion(here.path(), &c, &["history", "--local"]);
    assert!(listed.contains(" journal "), "{listed}\n{err}");
}

#[test]
fn a_failed_run_s_summary_says_it_was_undone() {
    let c = KubectlCluster::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deploy.rhai"),
        r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "c" }, data: #{ a: "1" } });
        fail("the canary failed");"#,
    )
    .unwrap();
    let (code, _, err) = orion(dir.path(), &c, &["play", "deploy.rhai"]);
    assert_eq!(code, 2, "{err}");
    let status = c.ok(&[
        "get",
        "configmaps",
        "-l",
        "app.kubernetes.io/managed-by=orion",
        "-o",
        "jsonpath={.items[0].data.status}",
    ]);
    assert_eq!(status, "failed (exit 2), undone");
}
