//! playbooks/smoke.rhai on the simulated cluster, with the platform's
//! PostgreSQL and Redis Services forwarding to real servers: green, then red
//! when a service turns unhealthy; the JUnit report parsed.

use crate::support::servers::{Postgres, Redis};
use crate::support::{repo, ORION};
use orion_sim::scenario::Scenario;
use orion_sim::testing::KubectlCluster;
use std::process::Command;

const NS: &str = "shop-staging";

fn smoke(c: &KubectlCluster, extra: &[&str]) -> (i32, String, roxmltree::Document<'static>) {
    let junit = c.dir.path().join("smoke.xml");
    let out = Command::new(ORION)
        .arg("play")
        .arg(repo().join("playbooks/smoke.rhai"))
        .args([
            "--env",
            "staging",
            "--set",
            "db_password=s3cret-pw",
            "--set",
            "redis_password=r3dis-pw",
        ])
        .arg("--junit")
        .arg(&junit)
        .args(extra)
        .env("KUBECONFIG", &c.kubeconfig)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let xml = std::fs::read_to_string(&junit)
        .unwrap_or_else(|e| panic!("no JUnit report ({e}):\n{stderr}"));
    let xml: &'static str = Box::leak(xml.into_boxed_str());
    let doc =
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("JUnit is not XML: {e}\n{xml}"));
    (out.status.code().unwrap_or(-1), stderr, doc)
}

/// (name, "passed" | "failed" | "skipped") of each testcase.
fn cases(doc: &roxmltree::Document) -> Vec<(String, &'static str)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| {
            let status = if n.children().any(|c| c.has_tag_name("failure")) {
                "failed"
            } else if n.children().any(|c| c.has_tag_name("skipped")) {
                "skipped"
            } else {
                "passed"
            };
            (n.attribute("name").unwrap().to_string(), status)
        })
        .collect()
}

fn count(cases: &[(String, &str)], status: &str) -> usize {
    cases.iter().filter(|(_, s)| *s == status).count()
}

#[test]
fn the_smoke_playbook_is_green_on_a_healthy_platform_and_red_naming_what_failed() {
    let pg = Postgres::start();
    let redis = Redis::start();
    let scenario = format!(
        "[[image]]\nmatch = \"postgres:*\"\nupstream = \"127.0.0.1:{}\"\n\n[[image]]\nmatch = \"redis:*\"\nupstream = \"127.0.0.1:{}\"\n\n[[image]]\nmatch = \"*:sick\"\nunhealthy = true\n",
        pg.port, redis.port
    );
    let c = KubectlCluster::start_with(|config, _| {
        config.scenario = Scenario::parse(&scenario).unwrap()
    });
    c.ok(&["create", "namespace", NS]);
    let overlay = repo().join("playbooks/platform/overlays/staging");
    c.ok(&["apply", "-k", &overlay.display().to_string()]);
    for w in [
        "deployment/auth",
        "deployment/gateway",
        "deployment/notification",
        "deployment/user",
        "deployment/redis",
        "statefulset/postgres",
    ] {
        c.ok(&["rollout", "status", "-n", NS, w, "--timeout=60s"]);
    }

    let (code, stderr, doc) = smoke(&c, &[]);
    assert_eq!(code, 0, "{stderr}");
    let all = cases(&doc);
    assert_eq!(
        (
            count(&all, "passed"),
            count(&all, "failed"),
            count(&all, "skipped")
        ),
        (12, 0, 4),
        "{all:?}\n{stderr}"
    );
    assert!(
        stderr.contains("tests: 12 passed, 0 failed, 4 skipped"),
        "{stderr}"
    );
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("16"));
    assert!(
        !stderr.contains("s3cret-pw") && !stderr.contains("r3dis-pw"),
        "{stderr}"
    );

    // --service auth --comprehensive: auth's response times too, other services skipped.
    let (code, stderr, doc) = smoke(&c, &["--service", "auth", "--comprehensive"]);
    assert_eq!(code, 0, "{stderr}");
    let all = cases(&doc);
    assert!(
        all.contains(&("auth answers within 500ms".to_string(), "passed")),
        "{all:?}"
    );
    assert!(
        all.contains(&("user is healthy".to_string(), "skipped")),
        "{all:?}"
    );
    assert!(
        all.contains(&("postgres accepts logins and queries".to_string(), "passed")),
        "{all:?}"
    );

    // auth turns unhealthy: red, naming the tests and why.
    c.ok(&[
        "set",
        "image",
        "-n",
        NS,
        "deployment/auth",
        "auth=registry.example.com/shop/auth:sick",
    ]);
    c.ok(&[
        "rollout",
        "status",
        "-n",
        NS,
        "deployment/auth",
        "--timeout=60s",
    ]);
    let (code, stderr, doc) = smoke(&c, &[]);
    assert_eq!(code, 4, "{stderr}");
    let all = cases(&doc);
    assert!(
        all.contains(&("auth is healthy".to_string(), "failed")),
        "{all:?}"
    );
    assert!(
        all.contains(&("gateway is healthy".to_string(), "passed")),
        "{all:?}"
    );
    assert!(
        stderr.contains("smoke test") && stderr.contains("auth is healthy: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("expected status 200-299, got 503"),
        "{stderr}"
    );
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(
        failure.attribute("message").unwrap().contains("got 503"),
        "{failure:?}"
    );
}
