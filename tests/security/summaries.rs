//! Run summaries in the cluster are data, never instructions: a summary
//! planted by anyone who may write a ConfigMap cannot make `orion rollback`
//! run a program, write a file, or change an object unseen and unapproved;
//! `--last` prefers this machine's journal; each change's record (and a
//! Secret's prior values) lives in that change's own namespace.

use orion_sim::testing::KubectlCluster;
use std::path::Path;

/// Runs orion in `dir` against `c`: (exit code, stdout and stderr together).
fn orion(dir: &Path, c: &KubectlCluster, args: &[&str]) -> (i32, String) {
    let (code, out, err) = crate::support::shipped::orion(dir, c, args);
    (code, format!("{out}{err}"))
}

const PLANTED_RUN: &str = "20991231T235959Z-ffffff";

/// A ConfigMap shaped like a run summary, written by someone who may only
/// write ConfigMaps in `default`: an nginx record whose prior runs a shell,
/// a Deployment it claims the run created (undoing deletes it), a
/// RoleBinding and a Deployment of another namespace.
fn planted(marker: &Path) -> String {
    let record =
        |seq: u32, api: &str, kind: &str, ns: &str, name: &str, prior: serde_json::Value| {
            serde_json::json!({
                "record": "change", "seq": seq, "at": "2099-12-31T23:59:59Z", "run": PLANTED_RUN,
                "environment": null, "context": "orion-sim", "api_version": api, "kind": kind,
                "namespace": ns, "name": name, "summary": "apply", "prior": prior,
                "step": null, "approver": null
            })
            .to_string()
        };
    let lines = [
        record(
            1,
            "orion.dev/nginx",
            "Upstream",
            &marker.with_file_name("up.conf").display().to_string(),
            "web",
            serde_json::json!({
                "content": "x", "binary": "/bin/sh",
                "conf": format!("id > {}", marker.display()),
            }),
        ),
        record(
            2,
            "apps/v1",
            "Deployment",
            "default",
            "web",
            serde_json::Value::Null,
        ),
        record(
            3,
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            "default",
            "admin",
            serde_json::json!({"kind": "RoleBinding", "metadata": {"name": "admin", "namespace": "default"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "User", "name": "mallory"}]}),
        ),
        record(
            4,
            "apps/v1",
            "Deployment",
            "kube-system",
            "coredns",
            serde_json::Value::Null,
        ),
    ];
    let object = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("orion-run-{}", PLANTED_RUN.to_ascii_lowercase()), "namespace": "default",
                     "labels": {"app.kubernetes.io/managed-by": "orion", "orion.dev/run": PLANTED_RUN}},
        "data": {"run": PLANTED_RUN, "environment": "", "context": "orion-sim", "status": "succeeded\u{1b}]0;owned\u{7}\u{1b}[2J",
                 "updated": "2099-12-31T23:59:59Z", "complete": "true", "journal.jsonl": lines.join("\n")}
    });
    object.to_string()
}

const WEB: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "shop/web:1"}]}
"#;

#[test]
fn a_planted_summary_runs_nothing_and_changes_nothing_unseen() {
    let c = KubectlCluster::start();
    c.ok(&["apply", "-f", &c.file("web.yaml", WEB)]);
    let here = tempfile::tempdir().unwrap();
    let marker = here.path().join("PWNED_BY_LAST");

    // This machine's own run, older than the planted one.
    std::fs::write(
        here.path().join("deploy.rhai"),
        r#"k8s::apply(#{ apiVersion: "v1", kind: "ConfigMap", metadata: #{ name: "settings" }, data: #{ mode: "safe" } });"#,
    )
    .unwrap();
    let (code, said) = orion(here.path(), &c, &["play", "deploy.rhai"]);
    assert_eq!(code, 0, "{said}");
    c.ok(&["apply", "-f", &c.file("planted.json", &planted(&marker))]);

    // What it says is printed as text: no escape sequence reaches the terminal.
    let (code, listed) = orion(here.path(), &c, &["history"]);
    assert_eq!(code, 0, "{listed}");
    assert!(listed.contains(PLANTED_RUN), "{listed}");
    assert!(
        !listed.contains('\u{1b}') && !listed.contains('\u{7}'),
        "{listed:?}"
    );

    // --last is this machine's run, and the newer one is only named.
    let (code, said) = orion(here.path(), &c, &["rollback", "--last"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("(journal "), "{said}");
    assert!(said.contains(&format!("newer run {PLANTED_RUN}")), "{said}");
    assert!(!marker.exists(), "the planted nginx record ran a shell");
    let (code, _, _) = c.kubectl(&["get", "configmap", "settings"]);
    assert_ne!(code, 0, "this machine's run was undone");

    // Asked for by name, without approval: the plan is shown, nothing runs.
    let (code, said) = orion(here.path(), &c, &["rollback", "--run", PLANTED_RUN]);
    assert_eq!(code, 5, "{said}");
    for shown in [
        "unverified: whoever may write ConfigMaps in default could have written them",
        "deployment/web in default: deleted (the run created it)",
        "upstream/web in",
        "left as it is: a change outside the cluster (orion.dev/nginx) is undone only from the journal of the machine that made it",
        "rolebinding/admin in default: left as it is: orion does not undo a RoleBinding",
        "deployment/coredns in kube-system: left as it is: the summary in namespace default speaks for its own namespace only",
        "needs approval and there is no terminal to ask at",
    ] {
        assert!(said.contains(shown), "{shown}: {said}");
    }
    c.ok(&["get", "deployment", "web"]);
    assert!(!marker.exists());

    // Approved: only what the summary may speak for is undone; the rest is
    // named as left (exit 6), and still nothing runs.
    let (code, said) = orion(
        here.path(),
        &c,
        &[
            "rollback",
            "--run",
            PLANTED_RUN,
            "--yes",
            "--approver",
            "alice",
        ],
    );
    assert_eq!(code, 6, "{said}");
    assert!(said.contains("approved by alice (--yes)"), "{said}");
    assert!(
        said.contains("deployment/web in default (deleted)"),
        "{said}"
    );
    assert!(!marker.exists(), "the planted nginx record ran a shell");
    let (code, _, _) = c.kubectl(&["get", "rolebinding", "admin"]);
    assert_ne!(code, 0, "the planted RoleBinding was created");
    assert!(!here.path().join("up.conf").exists(), "a file was written");
}

#[test]
fn each_namespace_keeps_its_own_summary_and_secret_priors() {
    let c = KubectlCluster::start();
    c.ok(&["create", "namespace", "sec"]);
    c.ok(&[
        "create",
        "secret",
        "generic",
        "db",
        "-n",
        "sec",
        "--from-literal=password=old-s3cret-value",
    ]);
    let here = tempfile::tempdir().unwrap();
    std::fs::write(
        here.path().join("deploy.rhai"),
        r#"k8s::ensure_namespace("fresh");
           k8s::apply(#{ apiVersion: "v1", kind: "Secret", metadata: #{ name: "db", namespace: "sec" },
                         stringData: #{ password: "new-s3cret-value" } });"#,
    )
    .unwrap();
    let (code, said) = orion(here.path(), &c, &["play", "deploy.rhai"]);
    assert_eq!(code, 0, "{said}");

    // Nothing of the Secret in default: no summary Secret, no record of it.
    let in_default = c.ok(&["get", "configmaps,secrets", "-n", "default", "-o", "json"]);
    for leak in [
        "old-s3cret-value",
        "b2xkLXMzY3JldC12YWx1ZQ",
        "secret/db",
        "\\\"name\\\":\\\"db\\\"",
    ] {
        assert!(
            !in_default.contains(leak),
            "{leak} in default: {in_default}"
        );
    }
    assert!(
        in_default.contains("namespace/fresh")
            || in_default.contains("\\\"kind\\\":\\\"Namespace\\\""),
        "{in_default}"
    );
    let in_sec = c.ok(&[
        "get",
        "secrets",
        "-n",
        "sec",
        "-l",
        "app.kubernetes.io/managed-by=orion",
        "-o",
        "name",
    ]);
    assert!(in_sec.contains("secret/orion-run-"), "{in_sec}");

    // history -n sec finds the run, and another machine undoes the Secret
    // from sec's summary (the namespace it created is left: cluster-wide).
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, listed) = orion(elsewhere.path(), &c, &["history", "-n", "sec"]);
    assert_eq!(code, 0, "{listed}");
    assert!(listed.contains("secret/db"), "{listed}");
    let (code, said) = orion(
        elsewhere.path(),
        &c,
        &["rollback", "--last", "--yes", "--approver", "bob"],
    );
    assert_eq!(code, 6, "{said}");
    assert!(said.contains("secret/db in sec (restored)"), "{said}");
    assert!(
        said.contains("namespace/fresh: left as it is: a cluster-wide object"),
        "{said}"
    );
    assert!(!said.contains("old-s3cret-value"), "{said}");
    assert_eq!(
        c.ok(&[
            "get",
            "secret",
            "db",
            "-n",
            "sec",
            "-o",
            "jsonpath={.data.password}"
        ]),
        "b2xkLXMzY3JldC12YWx1ZQ=="
    );
}
