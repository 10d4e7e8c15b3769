//! The shipped playbooks (staging, production, blue-green) run by the orion
//! binary against a simulated cluster behaving as the shipped scenario files
//! say, from a copy of playbooks/ (journals land beside its orion.toml).

use crate::support::servers::{Postgres, Redis, WebhookServer};
use crate::support::shipped::{cluster, play, playbooks, versions_behind};
use orion_sim::testing::KubectlCluster;

const NS: &str = "shop-staging";

/// The images of a namespace's Deployments: "name=image" lines, sorted.
fn images(c: &KubectlCluster, ns: &str) -> String {
    c.ok(&[
        "get", "deployments", "-n", ns, "-o",
        "jsonpath={range .items[*]}{.metadata.name}={.spec.template.spec.containers[0].image}{\"\\n\"}{end}",
    ])
}

#[test]
fn staging_deploys_the_platform_then_a_crash_looping_version_exits_2_with_the_diagnosis_and_is_rolled_back(
) {
    let c = cluster("bad", "");
    let dir = playbooks(&c);
    let (code, stderr) = play(&c, &dir, "staging.rhai", &["--env", "sim"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "postgres accepts logins and queries skipped: the simulated cluster runs no PostgreSQL"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("tests: 10 passed, 0 failed, 6 skipped"),
        "{stderr}"
    );
    let before = images(&c, NS);
    assert!(
        before.contains("notification=registry.example.com/shop/notification:1.4.2"),
        "{before}"
    );

    let slack = WebhookServer::start(false);
    let hook = format!(
        "slack_url={}",
        slack.url("/services/T0/B0/token-in-the-path")
    );
    let (code, stderr) = play(
        &c,
        &dir,
        "staging.rhai",
        &["--env", "sim", "--set", "version=1.5.0", "--set", &hook],
    );
    assert_eq!(code, 2, "{stderr}");
    let texts: Vec<String> = slack
        .received("/services/")
        .iter()
        .map(|r| r.body["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("fail")) && texts.iter().any(|t| t.contains("undone")),
        "Slack heard of the failure and the rollback: {texts:?}"
    );
    assert!(!stderr.contains("token-in-the-path"), "{stderr}");
    assert!(
        stderr.contains("Deployment notification failed to roll out")
            && stderr.contains("CrashLoopBackOff")
            && stderr.contains("exiting with code 1"),
        "the diagnosis names the pod, why and its log:\n{stderr}"
    );
    assert!(
        stderr
            .contains("Roll it back to what ran before? yes (no terminal to ask at: the default)"),
        "{stderr}"
    );
    assert!(stderr.contains("the run's changes are undone"), "{stderr}");
    assert_eq!(images(&c, NS), before);

    // --skip-tests, --dry-run: nothing changes, the smoke step is skipped.
    let (code, stderr) = play(
        &c,
        &dir,
        "staging.rhai",
        &[
            "--env",
            "sim",
            "--set",
            "version=1.5.1",
            "--dry-run",
            "--skip-tests",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("(dry run) step smoke skipped"), "{stderr}");
    assert!(
        stderr.contains("registry.example.com/shop/auth:1.5.1"),
        "the dry run shows the change:\n{stderr}"
    );
    assert_eq!(images(&c, NS), before);
}

/// playbooks/ for production on the simulated cluster: its guards, on the
/// cluster's context, at any hour, with secrets that are not placeholders.
fn production_playbooks(c: &KubectlCluster) -> std::path::PathBuf {
    let dir = playbooks(c);
    std::fs::write(
        dir.join("platform/overlays/production/secrets.env"),
        "POSTGRES_USER=shop\nPOSTGRES_DB=shop\nPOSTGRES_PASSWORD=pg-from-the-vault\nREDIS_PASSWORD=redis-from-the-vault\n",
    )
    .unwrap();
    let config = dir.join("orion.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("context = \"production-*\"", "context = \"orion-sim\"");
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("windows"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&config, text).unwrap();
    dir
}

#[test]
fn production_without_approval_exits_5_and_changes_nothing() {
    let c = cluster("good", "");
    let dir = production_playbooks(&c);
    // A namespace must exist: without it the run stops before anything.
    let (code, stderr) = play(
        &c,
        &dir,
        "production.rhai",
        &["--env", "production", "--set", "version=1.5.0"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("namespace shop does not exist"), "{stderr}");
    c.ok(&["create", "namespace", "shop"]);
    let before = c.ok(&["get", "all,secrets,configmaps", "-n", "shop", "-o", "name"]);
    let (code, stderr) = play(
        &c,
        &dir,
        "production.rhai",
        &["--env", "production", "--set", "version=1.5.0"],
    );
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.contains("needs approval and there is no terminal"),
        "{stderr}"
    );
    assert!(
        stderr.contains("registry.example.com/shop/gateway:1.5.0"),
        "the changes were shown:\n{stderr}"
    );
    assert!(!stderr.contains("pg-from-the-vault"), "{stderr}");
    assert_eq!(
        c.ok(&["get", "all,secrets,configmaps", "-n", "shop", "-o", "name"]),
        before
    );
    // Approved, it deploys and verifies.
    let (code, stderr) = play(
        &c,
        &dir,
        "production.rhai",
        &[
            "--env",
            "production",
            "--set",
            "version=1.5.0",
            "--yes",
            "--approver",
            "ci",
            "--skip-tests",
        ],
    );
    // (its smoke tests need PostgreSQL and Redis, which tests/smoke.rs starts)
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("approved by ci"), "{stderr}");
    assert!(
        stderr.contains("error rate: 0 of 200 requests failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("postgres accepts logins and queries skipped: --skip-tests"),
        "{stderr}"
    );
    assert!(images(&c, "shop").contains("gateway=registry.example.com/shop/gateway:1.5.0"));
}

#[test]
fn production_reads_the_services_logs_and_always_runs_the_comprehensive_tests() {
    // 1.5.0 starts saying it cannot reach its payment provider: 3 ERROR lines a pod.
    // The platform's PostgreSQL and Redis forward to real servers.
    let (pg, redis) = (Postgres::start(), Redis::start());
    let c = cluster(
        "good",
        &format!("[[image]]\nmatch = \"registry.example.com/shop/*:1.5.0\"\nstart_logs = [\"ERROR cannot reach the payment provider\", \"ERROR retrying\", \"ERROR giving up\"]\n\n[[image]]\nmatch = \"postgres:*\"\nupstream = \"127.0.0.1:{}\"\n\n[[image]]\nmatch = \"redis:*\"\nupstream = \"127.0.0.1:{}\"\n", pg.port, redis.port),
    );
    let dir = production_playbooks(&c);
    c.ok(&["create", "namespace", "shop"]);
    let approved = [
        "--env",
        "production",
        "--yes",
        "--approver",
        "ci",
        "--set",
        "db_password=s3cret-pw",
        "--set",
        "redis_password=r3dis-pw",
    ];
    let (code, stderr) = play(
        &c,
        &dir,
        "production.rhai",
        &[&approved[..], &["--set", "version=1.5.0", "--skip-tests"]].concat(),
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("ERROR lines in the services' logs of the last 5 minutes (more than 10)"),
        "{stderr}"
    );
    assert!(stderr.contains("the run's changes are undone"), "{stderr}");

    // On the isolated pod network, as from a laptop: the sampled error rate
    // and the smoke tests go through port-forwards.
    let (code, stderr) = play(
        &c,
        &dir,
        "production.rhai",
        &[&approved[..], &["--set", "version=1.4.2"]].concat(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("reached through port-forwards over the API server (reach = auto: orion runs outside the cluster)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ERROR lines in the services' logs of the last 5 minutes: 0"),
        "{stderr}"
    );
    assert!(
        stderr.contains("gateway answers within 300ms") && !stderr.contains("comprehensive only"),
        "the response-time tests ran without --comprehensive:\n{stderr}"
    );
}

const BLUE: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: gateway-blue, namespace: shop-staging, labels: {app: gateway, track: blue}}
spec:
  replicas: 2
  selector: {matchLabels: {app: gateway, track: blue}}
  template:
    metadata: {labels: {app: gateway, track: blue, tier: service}}
    spec:
      containers:
        - name: gateway
          image: registry.example.com/shop/gateway:1.4.2
          ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: gateway, namespace: shop-staging}
spec:
  selector: {app: gateway, track: blue}
  ports: [{name: http, port: 8080, targetPort: 8080}]
"#;

#[test]
fn blue_green_switches_then_switches_back_when_the_new_version_fails() {
    // 1.6.0 is healthy for its first 1.5 s, then its health endpoint answers 503.
    // On the isolated pod network, as from a laptop beside a real cluster:
    // the idle track's pods are checked through forwards (`k8s::pod_url`).
    let c = cluster("good", "[[image]]\nmatch = \"registry.example.com/shop/gateway:1.6.0\"\n[[image.phase]]\nafter = \"1500ms\"\nunhealthy = true\n");
    let dir = playbooks(&c);
    c.ok(&["create", "namespace", NS]);
    let file = c.file("blue.yaml", BLUE);
    c.ok(&["apply", "-f", &file]);
    c.ok(&[
        "rollout",
        "status",
        "deployment/gateway-blue",
        "-n",
        NS,
        "--timeout=30s",
    ]);
    let args = [
        "--env",
        "sim",
        "--set",
        "keep=1s",
        "--set",
        "interval=300ms",
    ];
    let (code, stderr) = play(
        &c,
        &dir,
        "blue-green.rhai",
        &[&args[..], &["--set", "version=1.5.0"]].concat(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("traffic on green"), "{stderr}");
    assert!(
        stderr.contains(
            "verified service/gateway by its endpoints: they hold only ready pods of green"
        ),
        "{stderr}"
    );
    let selector = || {
        c.ok(&[
            "get",
            "service",
            "gateway",
            "-n",
            NS,
            "-o",
            "jsonpath={.spec.selector.track}",
        ])
    };
    assert_eq!(selector(), "green");
    let seen = versions_behind(&c, NS, "gateway", 40);
    assert_eq!(seen.get("1.5.0"), Some(&40), "{seen:?}");

    // Now green is live; 1.6.0 goes to blue, fails while green is kept, and
    // traffic goes straight back to green.
    let (code, stderr) = play(
        &c,
        &dir,
        "blue-green.rhai",
        &[
            "--env",
            "sim",
            "--set",
            "keep=5s",
            "--set",
            "interval=300ms",
            "--set",
            "version=1.6.0",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("switched back to green"), "{stderr}");
    assert_eq!(selector(), "green");
    let seen = versions_behind(&c, NS, "gateway", 40);
    assert_eq!(seen.get("1.5.0"), Some(&40), "{seen:?}");
}

#[test]
fn staging_failing_before_any_change_asks_nothing_about_rolling_back() {
    let c = cluster("good", "");
    let dir = playbooks(&c);
    std::fs::write(
        dir.join("platform/overlays/sim/secrets.env"),
        "POSTGRES_USER=shop\nPOSTGRES_DB=shop\nPOSTGRES_PASSWORD=CHANGE_ME\nREDIS_PASSWORD=redis\n",
    )
    .unwrap();
    let (code, stderr) = play(&c, &dir, "staging.rhai", &["--env", "sim"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("POSTGRES_PASSWORD"), "{stderr}");
    assert!(
        !stderr.contains("Roll it back"),
        "nothing to roll back:\n{stderr}"
    );
}
