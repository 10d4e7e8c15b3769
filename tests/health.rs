//! health:: checks against real servers on loopback: an HTTP(S) server with
//! odd behaviour, PostgreSQL, Redis, and simulated pods.

use crate::support::servers::{free_port, OddServer, Postgres, Redis};
use orion::report::event::Event;
use orion::report::memory::Memory;
use std::sync::Arc;

/// Runs `script` on a fresh runtime: its outcome and log lines.
fn play(script: &str) -> (orion::Outcome, Vec<String>) {
    let memory = Arc::new(Memory::default());
    let runtime = orion::Runtime::builder()
        .sink(memory.clone())
        .build()
        .unwrap();
    let outcome = runtime.run_script("health.rhai", script);
    let logs = memory
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Log { message, .. } => Some(message),
            _ => None,
        })
        .collect();
    (outcome, logs)
}

fn ok(script: &str) -> Vec<String> {
    let (outcome, logs) = play(script);
    assert!(outcome.succeeded(), "{:?}\n{logs:?}", outcome.error);
    logs
}

fn fails(script: &str) -> String {
    let (outcome, logs) = play(script);
    let e = outcome
        .error
        .unwrap_or_else(|| panic!("expected a failure: {logs:?}"));
    format!("{}\n{}", e.message, e.hint.unwrap_or_default())
}

#[test]
fn http_checks_say_what_was_expected_and_what_came_back() {
    let s = OddServer::start(false);
    let url = |p: &str| s.url(p);
    let logs = ok(&format!(
        r#"let r = health::http("{}", #{{ expect: 200, json: #{{ status: "healthy", "checks.db": "up" }}, contains: "healthy", matches: "db.*up", within: "5s" }});
        info(`${{r.ok}} ${{r.status}} ${{r.attempts}} ${{r.latency_ms > 0.0}} ${{r.body.contains("healthy")}}`);"#,
        url("/ok")
    ));
    assert!(
        logs.contains(&"true 200 1 true true".to_string()),
        "{logs:?}"
    );

    let e = fails(&format!(r#"health::http("{}");"#, url("/fail")));
    assert!(
        e.contains("expected status 200-299, got 500") && e.contains("database unreachable"),
        "{e}"
    );
    ok(&format!(
        r#"health::http("{}", #{{ expect: [500, "503"] }});"#,
        url("/fail")
    ));
    let e = fails(&format!(
        r#"health::http("{}", #{{ json: #{{ status: "healthy" }} }});"#,
        url("/badjson")
    ));
    assert!(
        e.contains("expected a JSON body, got one that is not JSON"),
        "{e}"
    );
    let e = fails(&format!(
        r#"health::http("{}", #{{ json: #{{ status: "healthy" }} }});"#,
        url("/degraded")
    ));
    assert!(
        e.contains(r#"expected status == "healthy", got "degraded""#),
        "{e}"
    );
    let e = fails(&format!(
        r#"health::http("{}", #{{ timeout: "300ms" }});"#,
        url("/slow")
    ));
    assert!(
        e.contains("no answer within 300ms") || e.contains("timed out"),
        "{e}"
    );
    let e = fails(&format!(
        r#"health::http("{}", #{{ within: "500ms" }});"#,
        url("/slow")
    ));
    assert!(
        e.contains("expected an answer within 500ms, it took 2."),
        "{e}"
    );

    let logs = ok(&format!(
        r#"info(health::http("{}").url);"#,
        url("/redirect")
    ));
    assert!(
        logs.iter().any(|l| l.ends_with("/ok")),
        "followed: {logs:?}"
    );
    let e = fails(&format!(
        r#"health::http("{}", #{{ follow_redirects: false }});"#,
        url("/redirect")
    ));
    assert!(e.contains("got 302"), "{e}");
    let e = fails(&format!(r#"health::http("{}");"#, url("/loop")));
    assert!(e.contains("redirect"), "{e}");

    let e = fails(&format!(
        r#"health::http("{}", #{{ retries: 2, interval: "50ms" }});"#,
        url("/fail")
    ));
    assert!(e.contains("(after 3 attempts in"), "{e}");
    let e = fails(&format!(
        r#"health::http("http://127.0.0.1:{}/ok");"#,
        free_port()
    ));
    assert!(e.contains("Connection refused"), "{e}");

    let logs = ok(&format!(
        r#"let r = health::http("{}", #{{ method: "post", headers: #{{ "X-Token": "t1" }}, body: #{{ a: 1 }}, json: #{{ method: "POST", token: "t1" }} }}); info(r.body);"#,
        url("/echo")
    ));
    assert!(logs.iter().any(|l| l.contains(r#"{\"a\":1}"#)), "{logs:?}");
    let e = fails(&format!(
        r#"health::http("{}", #{{ expct: 200 }});"#,
        url("/ok")
    ));
    assert!(
        e.contains("an http check has no option \"expct\"") && e.contains("expect"),
        "{e}"
    );
}

#[test]
fn tls_is_verified_unless_the_check_trusts_its_ca() {
    let s = OddServer::start(true);
    let e = fails(&format!(r#"health::http("{}");"#, s.url("/ok")));
    assert!(
        e.to_lowercase().contains("certificate"),
        "a self-signed certificate is refused: {e}"
    );
    // The CA beside the playbook, as ca_file reads only there (or read_paths).
    let ca = s.ca.as_ref().unwrap();
    let runtime = orion::Runtime::builder().build().unwrap();
    let outcome = runtime.run_script_in(
        ca.parent().unwrap(),
        "health.rhai",
        &format!(
            r#"health::http("{}", #{{ ca_file: "{}", json: #{{ status: "healthy" }} }});"#,
            s.url("/ok"),
            ca.file_name().unwrap().to_string_lossy()
        ),
    );
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    let e = fails(&format!(
        r#"health::http("{}", #{{ ca_file: "{}" }});"#,
        s.url("/ok"),
        ca.display()
    ));
    assert!(e.contains("ca_file: refusing to read"), "{e}");
    ok(&format!(
        r#"health::http("{}", #{{ insecure: true }});"#,
        s.url("/ok")
    ));
    let e = fails(&format!(
        r#"health::http("{}", #{{ ca_file: "/no/such.pem" }});"#,
        s.url("/ok")
    ));
    assert!(e.contains("ca_file: cannot read /no/such.pem"), "{e}");
}

#[test]
fn postgres_checks_log_in_and_query_and_tell_failures_apart() {
    let pg = Postgres::start();
    let logs = ok(&format!(
        r#"info(`${{health::postgres("{}").value}}`); info(health::postgres("{}", #{{ query: "SELECT current_database()" }}).value);"#,
        pg.dsn("s3cret-pw", "shop"),
        pg.dsn("s3cret-pw", "shop")
    ));
    assert_eq!(
        logs.iter().filter(|l| *l == "1" || *l == "shop").count(),
        2,
        "{logs:?}"
    );
    let e = fails(&format!(
        r#"health::postgres("{}");"#,
        pg.dsn("wrong-pw", "shop")
    ));
    assert!(
        e.contains("password authentication failed") && e.contains("check the user and password"),
        "{e}"
    );
    assert!(!e.contains("wrong-pw"), "the password is never shown: {e}");
    let e = fails(&format!(
        r#"health::postgres("{}");"#,
        pg.dsn("s3cret-pw", "nope")
    ));
    assert!(
        e.contains(r#"database "nope" does not exist"#) && e.contains("check the database name"),
        "{e}"
    );
    let e = fails(&format!(
        r#"health::postgres("{}", #{{ query: "SELECT nonsense" }});"#,
        pg.dsn("s3cret-pw", "shop")
    ));
    assert!(e.contains("nonsense"), "{e}");
    let down = format!("postgres://shop:s3cret-pw@127.0.0.1:{}/shop", free_port());
    let e = fails(&format!(
        r#"health::postgres("{down}", #{{ timeout: "2s" }});"#
    ));
    assert!(
        e.contains("postgres shop@127.0.0.1:") && e.to_lowercase().contains("connect"),
        "{e}"
    );
    assert!(!e.contains("s3cret-pw"), "{e}");
}

#[test]
fn redis_checks_ping_round_trip_and_tell_failures_apart() {
    let r = Redis::start();
    let logs = ok(&format!(
        r#"let x = health::redis("{}", #{{ round_trip: true }}); info(`${{x.pong}} ${{x.round_trip}} ${{x.name}}`);"#,
        r.url("r3dis-pw")
    ));
    assert!(
        logs.iter()
            .any(|l| l.starts_with("true true redis redis://:***@")),
        "{logs:?}"
    );
    let e = fails(&format!(r#"health::redis("{}");"#, r.url("wrong-pw")));
    assert!(
        e.contains("authentication failed") && !e.contains("wrong-pw"),
        "{e}"
    );
    let e = fails(&format!(
        r#"health::redis("redis://127.0.0.1:{}");"#,
        r.port
    ));
    assert!(
        e.contains("NOAUTH") && e.contains("needs a password"),
        "{e}"
    );
    let e = fails(&format!(r#"health::redis("{}/99");"#, r.url("r3dis-pw")));
    assert!(
        e.contains("cannot select database 99") && e.contains("out of range"),
        "{e}"
    );
    ok(&format!(r#"health::redis("{}/3");"#, r.url("r3dis-pw")));
    let e = fails(&format!(
        r#"health::redis("redis://127.0.0.1:{}");"#,
        free_port()
    ));
    assert!(e.contains("Connection refused"), "{e}");
}

#[test]
fn many_checks_run_at_once_and_one_can_be_waited_for() {
    let s = OddServer::start(false);
    let r = Redis::start();
    let logs = ok(&format!(
        r#"let checks = [];
        for i in 0..20 {{ checks.push(#{{ http: "{}", name: `ok ${{i}}` }}); }}
        checks.push(#{{ redis: "{}" }});
        checks.push(#{{ dns: "localhost" }});
        let rs = health::all(checks, #{{ concurrency: 8 }});
        info(`${{rs.len()}} ${{rs[5].name}} ${{rs[20].kind}} ${{rs.all(|x| x.ok)}}`);"#,
        s.url("/ok"),
        r.url("r3dis-pw")
    ));
    assert!(logs.contains(&"22 ok 5 redis true".to_string()), "{logs:?}");
    assert!(
        logs.iter()
            .any(|l| l.starts_with("22 of 22 checks healthy")),
        "{logs:?}"
    );

    let mixed = format!(
        r#"[#{{ http: "{}" }}, #{{ http: "{}", name: "broken" }}, #{{ tcp: "127.0.0.1:{}" }}]"#,
        s.url("/ok"),
        s.url("/fail"),
        free_port()
    );
    let e = fails(&format!("health::all({mixed});"));
    assert!(
        e.starts_with("2 of 3 checks failed:") && e.contains("broken: expected status"),
        "{e}"
    );
    let logs = ok(&format!(
        r#"let rs = health::all({mixed}, #{{ soft: true }}); info(`${{rs.map(|x| x.ok)}}`); info(rs[1].error);"#
    ));
    assert!(
        logs.contains(&"[true, false, false]".to_string()),
        "{logs:?}"
    );
    let e = fails(r#"health::all([#{ http: "http://x", tcp: "y:1" }]);"#);
    assert!(
        e.contains("a check names one target") && e.contains("http and tcp"),
        "{e}"
    );

    // wait_healthy: a port that starts listening after half a second.
    let port = free_port();
    let opener = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let l = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        std::thread::sleep(std::time::Duration::from_secs(3));
        drop(l);
    });
    let logs = ok(&format!(
        r#"let r = health::wait_healthy(#{{ tcp: "127.0.0.1:{port}" }}, #{{ timeout: "10s", interval: "100ms" }}); info(`up ${{r.ok}}`);"#
    ));
    assert!(logs.contains(&"up true".to_string()), "{logs:?}");
    opener.join().unwrap();
    let e = fails(&format!(
        r#"health::wait_healthy(#{{ tcp: "127.0.0.1:{}" }}, #{{ timeout: "400ms", interval: "100ms" }});"#,
        free_port()
    ));
    assert!(
        e.contains("was not healthy within 400ms") && e.contains("Connection refused"),
        "{e}"
    );
}

#[test]
fn http_checks_reach_simulated_pods() {
    let c = crate::support::playbook_cluster::PlaybookCluster::start(
        "[[image]]\nmatch = \"shop/web:sick\"\nerror_rate = 1.0\nerror_status = 503\n",
    );
    let deploy = |name: &str, image: &str| {
        format!(
            r#"k8s::apply(#{{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{{ name: "{name}" }}, spec: #{{ replicas: 2, selector: #{{ matchLabels: #{{ app: "{name}" }} }}, template: #{{ metadata: #{{ labels: #{{ app: "{name}" }} }}, spec: #{{ containers: [#{{ name: "web", image: "{image}", ports: [#{{ containerPort: 8080 }}] }}] }} }} }} }});
            k8s::apply(#{{ apiVersion: "v1", kind: "Service", metadata: #{{ name: "{name}" }}, spec: #{{ selector: #{{ app: "{name}" }}, ports: [#{{ port: 8080 }}] }} }});
            k8s::wait_rollout("{name}");"#
        )
    };
    let logs = c.ok(&format!(
        r#"{}
        let r = health::http(`${{k8s::service_url("web", 8080)}}/healthz`, #{{ json: #{{ status: "healthy" }} }});
        info(`pods ${{r.status}}`);"#,
        deploy("web", "shop/web:1")
    ));
    assert!(logs.contains(&"pods 200".to_string()), "{logs:?}");
    let e = c.fails(&format!(
        r#"{} health::http(`${{k8s::service_url("sick", 8080)}}/api/orders`);"#,
        deploy("sick", "shop/web:sick")
    ));
    assert!(e.contains("expected status 200-299, got 503"), "{e}");
}
