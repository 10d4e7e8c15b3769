//! The `k8s::` primitives against the simulated cluster, through kube-rs,
//! as a playbook calls them.

use crate::support::playbook_cluster::{PlaybookCluster, WEB};
use std::time::{Duration, Instant};

#[test]
fn context_nodes_and_namespaces() {
    let c = PlaybookCluster::start("");
    let logs = c.ok(r#"
        let ctx = k8s::context();
        info(`${ctx.name} ${ctx.namespace}`);
        k8s::require_context("orion-sim");
        k8s::require_nodes(3);
        info(`${k8s::nodes().len()} nodes, first ready: ${k8s::nodes()[0].ready}`);
        info(k8s::ensure_namespace("shop"));
        info(k8s::ensure_namespace("shop"));
        info(`${k8s::namespace_exists("shop")} ${k8s::namespace_exists("nope")}`);
        "#);
    assert!(logs.contains(&"orion-sim default".to_string()), "{logs:?}");
    assert!(
        logs.contains(&"3 nodes, first ready: true".to_string()),
        "{logs:?}"
    );
    assert!(logs.contains(&"created".to_string()) && logs.contains(&"exists".to_string()));
    assert!(logs.contains(&"true false".to_string()), "{logs:?}");

    let e = c.fails(r#"k8s::require_context("prod-*");"#);
    assert!(e.contains("not one matching \"prod-*\""), "{e}");
    let e = c.fails("k8s::require_nodes(5);");
    assert!(
        e.contains("3 of 3 nodes are ready and schedulable; 5 are required"),
        "{e}"
    );
    let e = c.fails(r#"k8s::get("widgets", "x");"#);
    assert!(
        e.contains("no kind \"widgets\"") && e.contains("deployments"),
        "{e}"
    );
}

#[test]
fn a_wrong_context_is_named_with_the_ones_there_are() {
    let c = PlaybookCluster::start("");
    let (outcome, _) = c.play_with("k8s::context();", |b| b.context("production"));
    let e = outcome.error.unwrap();
    assert!(
        e.message.contains("no context \"production\""),
        "{}",
        e.message
    );
    assert!(e.hint.unwrap_or_default().contains("orion-sim"));
}

#[test]
fn set_image_waits_for_the_rollout_and_undo_returns_the_previous_image() {
    let c = PlaybookCluster::start("");
    let logs = c.ok(&format!(
        r#"{WEB}
        deploy("web", "shop/web:1", 3);
        let r = k8s::wait_rollout("web", #{{ timeout: "30s" }});
        info(`ready ${{r.ready}}/${{r.desired}}`);
        k8s::set_image("web", "shop/web:2");
        k8s::wait_rollout("deployment/web");
        let images = k8s::pods("app=web").filter(|p| !p.terminating).map(|p| p.containers[0].image);
        info(`after set_image: ${{images}}`);
        info(`history: ${{k8s::history("web").map(|h| h.revision)}}`);
        let back = k8s::rollout_undo("web");
        info(`undo to ${{back.revision}}`);
        k8s::wait_rollout("web");
        info(`image now ${{k8s::get("deployment", "web").spec.template.spec.containers[0].image}}`);
        k8s::scale("web", 1);
        k8s::wait_rollout("web");
        info(`pods after scale: ${{k8s::pods("app=web").filter(|p| !p.terminating).len()}}`);
        "#
    ));
    let has = |s: &str| logs.iter().any(|l| l.contains(s));
    assert!(has("ready 3/3"), "{logs:?}");
    assert!(
        has(r#"after set_image: ["shop/web:2", "shop/web:2", "shop/web:2"]"#),
        "{logs:?}"
    );
    assert!(has("history: [1, 2]"), "{logs:?}");
    assert!(has("undo to 1"), "{logs:?}");
    assert!(has("image now shop/web:1"), "{logs:?}");
    assert!(has("pods after scale: 1"), "{logs:?}");
    assert!(
        has("deployment/web: set image web=shop/web:2"),
        "every write is logged: {logs:?}"
    );
}

#[test]
fn a_crashing_image_fails_the_rollout_within_seconds_with_the_diagnosis() {
    let c =
        PlaybookCluster::start("[[image]]\nmatch = \"shop/web:bad\"\ncrash_after = \"100ms\"\n");
    c.ok(&format!(
        "{WEB}\ndeploy(\"web\", \"shop/web:1\", 2); k8s::wait_rollout(\"web\");"
    ));
    let started = Instant::now();
    let e = c.fails(
        r#"k8s::set_image("web", "shop/web:bad"); k8s::wait_rollout("web", #{ timeout: "2m", max_restarts: 1 });"#,
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(e.contains("failed to roll out"), "{e}");
    assert!(e.contains("CrashLoopBackOff"), "{e}");
    assert!(e.contains("restarts"), "{e}");
    assert!(
        e.contains("event BackOff"),
        "the pod's events are shown: {e}"
    );
    assert!(e.contains("log web:"), "the last log lines are shown: {e}");
}

#[test]
fn an_image_that_cannot_be_pulled_fails_fast() {
    let c = PlaybookCluster::start("[[image]]\nmatch = \"shop/web:missing\"\npull_error = true\n");
    c.ok(&format!(
        "{WEB}\ndeploy(\"web\", \"shop/web:1\", 1); k8s::wait_rollout(\"web\");"
    ));
    let e = c.fails(r#"k8s::set_image("web", "shop/web:missing"); k8s::wait_rollout("web", #{ timeout: "1m" });"#);
    assert!(e.contains("ImagePullBackOff"), "{e}");
}

#[test]
fn a_rollout_that_never_gets_ready_times_out_and_says_why() {
    let c = PlaybookCluster::start("[[image]]\nmatch = \"shop/web:slow\"\nnever_ready = true\n");
    let e = c.fails(&format!(
        "{WEB}\ndeploy(\"web\", \"shop/web:slow\", 1); k8s::wait_rollout(\"web\", #{{ timeout: \"1s\" }});"
    ));
    assert!(e.contains("did not roll out within 1s"), "{e}");
    assert!(e.contains("Running, not ready"), "{e}");
}

#[test]
fn dry_run_changes_nothing() {
    let c = PlaybookCluster::start("");
    c.ok(&format!(
        "{WEB}\ndeploy(\"web\", \"shop/web:1\", 1); k8s::wait_rollout(\"web\");"
    ));
    let (outcome, logs) = c.play_with(r#"k8s::set_image("web", "shop/web:2");"#, |b| {
        b.dry_run(true)
    });
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    assert!(
        logs.iter()
            .any(|l| l.starts_with("(dry run) deployment/web: set image")),
        "{logs:?}"
    );
    let logs =
        c.ok(r#"info(k8s::get("deployment", "web").spec.template.spec.containers[0].image);"#);
    assert!(logs.contains(&"shop/web:1".to_string()), "{logs:?}");
}

#[test]
fn a_rollout_is_reported_right_through_api_errors_and_dropped_watches() {
    let c = PlaybookCluster::start(
        "[api]\nerror_rate = 0.1\nthrottle_rate = 0.05\nretry_after = \"1s\"\nwatch_close_every = \"2s\"\n[[image]]\nmatch = \"shop/web:*\"\nstart_delay = \"2500ms\"\n",
    );
    let logs = c.ok(&format!(
        r#"{WEB}
        deploy("web", "shop/web:1", 4);
        let r = k8s::wait_rollout("web", #{{ timeout: "60s" }});
        info(`done: ${{r.available}}/${{r.desired}} available after ${{r.seconds}}s`);
        info(`pods ready: ${{k8s::pods("app=web").filter(|p| p.ready).len()}}`);
        "#
    ));
    assert!(
        logs.iter()
            .any(|l| l.starts_with("done: 4/4 available after")),
        "{logs:?}"
    );
    assert!(logs.contains(&"pods ready: 4".to_string()), "{logs:?}");
}

const BASE_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: shop/web:1.0, ports: [{containerPort: 8080}]}]
";

/// A kustomize base and a staging overlay that renames into a namespace and bumps replicas.
fn overlay(dir: &std::path::Path) -> std::path::PathBuf {
    let base = dir.join("base");
    let staging = dir.join("overlays/staging");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(base.join("deployment.yaml"), BASE_DEPLOYMENT).unwrap();
    std::fs::write(
        base.join("service.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n",
    )
    .unwrap();
    std::fs::write(
        base.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: s3cret}\n",
    )
    .unwrap();
    std::fs::write(
        base.join("kustomization.yaml"),
        "resources: [deployment.yaml, service.yaml, secret.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        staging.join("kustomization.yaml"),
        "namespace: staging\nresources: [namespace.yaml, ../../base]\nreplicas: [{name: web, count: 3}]\nimages: [{name: shop/web, newTag: '1.1'}]\n",
    )
    .unwrap();
    std::fs::write(
        staging.join("namespace.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: staging}\n",
    )
    .unwrap();
    staging
}

#[test]
fn a_kustomize_overlay_applies_in_order_and_again_unchanged() {
    let c = PlaybookCluster::start("");
    let staging = overlay(c.dir());
    let logs = c.ok(&format!(
        r#"
        let plan = k8s::kustomize("{dir}");
        info(`${{plan.len()}} objects, images ${{plan.images()}}`);
        let first = k8s::apply(plan);
        info(`first: ${{first.map(|r| r.kind + "/" + r.name + "=" + r.result)}}`);
        let again = k8s::apply(plan);
        info(`again: ${{again.map(|r| r.result)}}`);
        info(`deployments: ${{plan.filter("deployment").len()}}`);
        info(`sources: ${{plan.objects().map(|o| o.kind + "@" + o.source.contains("kustomize"))}}`);
        "#,
        dir = staging.display()
    ));
    let has = |s: &str| logs.iter().any(|l| l.contains(s));
    assert!(has(r#"4 objects, images ["shop/web:1.1"]"#), "{logs:?}");
    assert!(
        has(
            r#"first: ["Namespace/staging=created", "Secret/db=created", "Service/web=created", "Deployment/web=created"]"#
        ),
        "namespace first, workloads last: {logs:?}"
    );
    assert!(
        has(r#"again: ["unchanged", "unchanged", "unchanged", "unchanged"]"#),
        "{logs:?}"
    );
    assert!(has("deployments: 1"), "{logs:?}");
    assert!(
        has(r#"sources: ["Namespace@true", "Secret@true", "Service@true", "Deployment@true"]"#),
        "kustomize's order: {logs:?}"
    );
}

#[test]
fn diff_shows_what_would_change_and_masks_secrets() {
    let c = PlaybookCluster::start("");
    let staging = overlay(c.dir());
    c.ok(&format!(
        r#"k8s::apply(k8s::kustomize("{}"));"#,
        staging.display()
    ));
    std::fs::write(
        staging.join("kustomization.yaml"),
        "namespace: staging\nresources: [namespace.yaml, ../../base]\nreplicas: [{name: web, count: 5}]\nimages: [{name: shop/web, newTag: '1.2'}]\n",
    )
    .unwrap();
    std::fs::write(
        c.dir().join("base/secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: n3w-s3cret}\n",
    )
    .unwrap();
    let logs = c.ok(&format!(
        r#"info(k8s::kustomize("{}").diff());"#,
        staging.display()
    ));
    let text = logs.join("\n");
    assert!(text.contains("deployment/web (configured)"), "{text}");
    assert!(text.contains("~ spec.replicas: 3 → 5"), "{text}");
    assert!(
        text.contains(
            r#"~ spec.template.spec.containers[0].image: "shop/web:1.1" → "shop/web:1.2""#
        ),
        "{text}"
    );
    assert!(
        text.contains("secret/db (configured)") && text.contains("~ data.password: (changed)"),
        "{text}"
    );
    assert!(text.contains("service/web (unchanged)"), "{text}");
    assert!(
        !text.contains("n3w-s3cret") && !text.contains("bjN3LXMzY3JldA"),
        "secret values never show: {text}"
    );
    // The dry run changed nothing.
    let logs = c.ok(r#"info(k8s::list("deployment", "").len()); "#);
    assert_eq!(logs, ["0"], "the default namespace is untouched");
}

#[test]
fn an_invalid_manifest_names_its_file_and_field() {
    let c = PlaybookCluster::start("");
    let file = c.dir().join("web.yaml");
    std::fs::write(
        &file,
        BASE_DEPLOYMENT.replace("replicas: 2", "replicas: -1"),
    )
    .unwrap();
    let e = c.fails(&format!(
        r#"k8s::apply(k8s::manifests("{}"));"#,
        file.display()
    ));
    assert!(e.contains("web.yaml, document 1"), "{e}");
    assert!(e.contains("spec.replicas"), "{e}");
    let bad = c.dir().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n").unwrap();
    // A relative path starts at the playbook's directory.
    let e = c.fails(r#"k8s::manifests("bad.yaml");"#);
    assert!(
        e.contains("bad.yaml, document 1: the ConfigMap has no metadata.name"),
        "{e}"
    );
}

#[test]
fn pre_checks_services_and_logs() {
    let c =
        PlaybookCluster::start("[[image]]\nmatch = \"shop/web:broken\"\ncrash_after = \"50ms\"\n");
    let logs = c.ok(&format!(
        r#"{WEB}
        k8s::require_tools(["sh"]);
        deploy("web", "shop/web:1", 2);
        deploy("api", "shop/web:1", 1);
        k8s::apply(#{{ apiVersion: "v1", kind: "Service", metadata: #{{ name: "web" }},
            spec: #{{ type: "LoadBalancer", selector: #{{ app: "web" }}, ports: [#{{ port: 80, targetPort: 8080 }}] }} }});
        k8s::apply(#{{ apiVersion: "v1", kind: "Service", metadata: #{{ name: "api" }},
            spec: #{{ selector: #{{ app: "api" }}, ports: [#{{ port: 8080 }}] }} }});
        let all = k8s::wait_all(["web", "deployment/api"], #{{ timeout: "30s" }});
        info(`waited for ${{all.map(|r| r.name)}}`);
        k8s::require_healthy(["web", "api"]);
        info(`web endpoints: ${{k8s::endpoints("web").ready.len()}}`);
        info(`api url: ${{k8s::service_url("api", 8080)}}`);
        info(`started lines: ${{k8s::count_log_matches("app=web", "started from image", "5m")}}`);
        "#
    ));
    let has = |s: &str| logs.iter().any(|l| l.contains(s));
    assert!(has(r#"waited for ["web", "api"]"#), "{logs:?}");
    assert!(has("web endpoints: 2"), "{logs:?}");
    assert!(
        has("api url: http://127."),
        "a ClusterIP on loopback: {logs:?}"
    );
    assert!(has("started lines: 2"), "{logs:?}");
    let lb = c.ok(r#"info(k8s::service_url("web", 80));"#);
    assert!(
        lb[0].starts_with("http://127.11"),
        "the LoadBalancer address: {lb:?}"
    );

    let e = c.fails(r#"k8s::require_tools(["sh", "no-such-tool-here"]);"#);
    assert!(
        e.contains("not installed (or not on PATH): no-such-tool-here"),
        "{e}"
    );
    let e = c.fails(r#"k8s::service_url("api", 81);"#);
    assert!(e.contains("has no port 81") && e.contains("8080"), "{e}");
    let e = c.fails(r#"k8s::set_image("api", "shop/web:broken"); sleep("1s"); k8s::require_healthy(["web", "api", "nope"]);"#);
    assert!(
        e.contains("api: pod") && e.contains("CrashLoopBackOff"),
        "{e}"
    );
    assert!(e.contains("nope: not found"), "{e}");
}

#[test]
fn run_pod_returns_the_exit_code_and_log_and_always_cleans_up() {
    let c = PlaybookCluster::start(
        "[[image]]\nmatch = \"shop/migrate:ok\"\nexit_after = \"300ms\"\n[[image]]\nmatch = \"shop/migrate:bad\"\nexit_after = \"300ms\"\nexit_code = 3\n",
    );
    let logs = c.ok(r#"
        let ok = k8s::run_pod("shop/migrate:ok", ["migrate", "--up"], #{ timeout: "30s" });
        info(`ok: ${ok.phase} ${ok.exit_code}`);
        info(`log has start: ${ok.logs.contains("started from image shop/migrate:ok")}`);
        let bad = k8s::run_pod("shop/migrate:bad", ["migrate"]);
        info(`bad: ${bad.phase} ${bad.exit_code}`);
        "#);
    let has = |s: &str| logs.iter().any(|l| l.contains(s));
    assert!(has("ok: Succeeded 0"), "{logs:?}");
    assert!(has("log has start: true"), "{logs:?}");
    assert!(has("bad: Failed 3"), "{logs:?}");

    // An image that never finishes: the wait times out and the pod is deleted.
    let e = c.fails(r#"k8s::run_pod("shop/server:1", ["serve"], #{ timeout: "1s" });"#);
    assert!(
        e.contains("did not finish within 1s") && e.contains("it was deleted"),
        "{e}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = c.ok(r#"info(`${k8s::pods("app.kubernetes.io/managed-by=orion").len()}`);"#);
        if left == ["0"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "one-off pods left behind: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn statefulsets_roll_out_and_go_back_through_controller_revisions() {
    let c = PlaybookCluster::start("");
    let logs = c.ok(r#"
        fn db(image) {
            #{ apiVersion: "apps/v1", kind: "StatefulSet", metadata: #{ name: "db" },
               spec: #{ replicas: 2, serviceName: "db", selector: #{ matchLabels: #{ app: "db" } },
                 template: #{ metadata: #{ labels: #{ app: "db" } },
                   spec: #{ containers: [#{ name: "db", image: image }] } } } }
        }
        k8s::apply(db("shop/db:1"));
        k8s::wait_rollout("statefulset/db", #{ timeout: "30s" });
        k8s::set_image("statefulset/db", "shop/db:2");
        let r = k8s::wait_rollout("statefulset/db", #{ timeout: "30s" });
        info(`rolled: ${r.ready}/${r.desired}`);
        info(`history: ${k8s::history("statefulset/db").map(|h| h.images[0])}`);
        let back = k8s::rollout_undo("statefulset/db");
        info(`undo to ${back.revision}`);
        k8s::wait_rollout("statefulset/db", #{ timeout: "30s" });
        info(`image now ${k8s::get("statefulset", "db").spec.template.spec.containers[0].image}`);
        k8s::rollout_undo("statefulset/db", #{ to_revision: 2 });
        k8s::wait_rollout("statefulset/db", #{ timeout: "30s" });
        info(`to revision 2: ${k8s::get("statefulset", "db").spec.template.spec.containers[0].image}`);
        "#);
    let has = |s: &str| logs.iter().any(|l| l.contains(s));
    assert!(has("rolled: 2/2"), "{logs:?}");
    assert!(has(r#"history: ["shop/db:1", "shop/db:2"]"#), "{logs:?}");
    assert!(has("undo to 1"), "{logs:?}");
    assert!(has("image now shop/db:1"), "{logs:?}");
    assert!(has("to revision 2: shop/db:2"), "{logs:?}");
}

#[test]
fn restart_patch_delete_events_logs_and_daemonsets() {
    let c = PlaybookCluster::start("");
    let logs = c.ok(&format!(
        r#"{WEB}
        deploy("web", "shop/web:1", 1);
        k8s::wait_rollout("web");
        let before = k8s::pods("app=web")[0].name;
        k8s::restart("web");
        k8s::wait_rollout("web");
        let after = k8s::pods("app=web").filter(|p| !p.terminating)[0].name;
        info(`restarted: ${{before != after}}`);
        k8s::patch("deployment", "web", #{{ metadata: #{{ labels: #{{ tier: "front" }} }} }});
        info(`label: ${{k8s::get("deployment", "web").metadata.labels.tier}}`);
        info(`reasons: ${{k8s::events("pod", after).map(|e| e.reason)}}`);
        info(`log: ${{k8s::logs(after, #{{ tail: 1 }})}}`);
        k8s::apply(#{{ apiVersion: "apps/v1", kind: "DaemonSet", metadata: #{{ name: "agent" }},
            spec: #{{ selector: #{{ matchLabels: #{{ app: "agent" }} }},
              template: #{{ metadata: #{{ labels: #{{ app: "agent" }} }}, spec: #{{ containers: [#{{ name: "a", image: "shop/agent:1" }}] }} }} }} }});
        let ds = k8s::wait_rollout("daemonset/agent", #{{ timeout: "30s" }});
        info(`agents: ${{ds.available}}/${{ds.desired}}`);
        info(`deleted: ${{k8s::delete("deployment", "web") != ()}} again: ${{k8s::delete("deployment", "web") == ()}}`);
        "#
    ));
    let has = |s: &str| logs.iter().any(|l| l.contains(s));
    assert!(has("restarted: true"), "{logs:?}");
    assert!(has("label: front"), "{logs:?}");
    assert!(
        has(r#"reasons: ["Scheduled", "Pulled", "Created", "Started"]"#),
        "{logs:?}"
    );
    assert!(
        has("log: ") && has("started from image shop/web:1"),
        "{logs:?}"
    );
    assert!(has("agents: 3/3"), "{logs:?}");
    assert!(has("deleted: true again: true"), "{logs:?}");
}

#[test]
fn a_progress_deadline_fails_the_rollout() {
    let c = PlaybookCluster::start("[[image]]\nmatch = \"shop/web:stuck\"\nnever_ready = true\n");
    c.ok(&format!(
        "{WEB}\ndeploy(\"web\", \"shop/web:1\", 1); k8s::wait_rollout(\"web\");"
    ));
    let e = c.fails(
        r#"k8s::patch("deployment", "web", #{ spec: #{ progressDeadlineSeconds: 1 } });
           k8s::set_image("web", "shop/web:stuck");
           k8s::wait_rollout("web", #{ timeout: "1m" });"#,
    );
    assert!(e.contains("progress deadline exceeded"), "{e}");
}
