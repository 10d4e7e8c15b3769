//! Port-forwards through the API server (`k8s::forward`, and `service_url`
//! / `pod_url` with reach = forward): HTTP to a Service, a Deployment and a
//! pod; a forward outliving its pod; PostgreSQL and Redis through them; a
//! Service with no ready pod named with its selector; Ctrl-C in the REPL
//! closing them.

use crate::support::playbook_cluster::{PlaybookCluster, WEB};
use crate::support::servers::{Postgres, Redis};

/// `web`: two pods behind a Service on port 80 → 8080, ready.
const SETUP: &str = r#"
deploy("web", "shop/web:1", 2);
k8s::apply(#{ apiVersion: "v1", kind: "Service", metadata: #{ name: "web" },
    spec: #{ selector: #{ app: "web" }, ports: [#{ name: "http", port: 80, targetPort: 8080 }] } });
k8s::wait_rollout("web", #{ timeout: "30s" });
"#;

#[test]
fn a_forward_reaches_a_service_a_deployment_and_a_pod() {
    let c = PlaybookCluster::start("");
    let logs = c.ok(&format!(
        r#"{WEB}{SETUP}
        for target in ["svc/web", "web", "deploy/web"] {{
            let at = k8s::forward(target, if target == "deploy/web" {{ 8080 }} else {{ "http" }});
            let r = health::http(`http://${{at}}/health`, #{{ json: #{{ status: "healthy" }} }});
            info(`${{target}} ${{at.starts_with("127.0.0.1:")}} ${{r.status}}`);
        }}
        let pod = k8s::pods("app=web")[0].name;
        let r = health::http(`${{k8s::pod_url(pod, 8080)}}/health`, #{{}});
        info(`pod ${{r.status}}`);
        "#
    ));
    for line in [
        "svc/web true 200",
        "web true 200",
        "deploy/web true 200",
        "pod 200",
    ] {
        assert!(logs.contains(&line.to_string()), "{line}: {logs:?}");
    }
}

#[test]
fn new_connections_go_to_another_pod_when_the_forwarded_one_goes_away() {
    let c = PlaybookCluster::start("");
    let logs = c.ok(&format!(
        r#"{WEB}{SETUP}
        let at = k8s::forward("svc/web", 80);
        let before = parse_json(health::http(`http://${{at}}/`, #{{}}).body).pod;
        k8s::delete("pod", before);
        // Until it has stopped, the pod still serves the connection it has.
        while k8s::pods("app=web").some(|p| p.name == before) {{ sleep("50ms"); }}
        let after = health::http(`http://${{at}}/`, #{{ retries: 5, interval: "200ms" }});
        info(`${{after.status}} ${{parse_json(after.body).pod != before}}`);
        "#
    ));
    assert!(logs.contains(&"200 true".to_string()), "{logs:?}");
}

#[test]
fn a_service_without_a_ready_pod_is_refused_naming_its_selector() {
    let c = PlaybookCluster::start("[[image]]\nmatch = \"shop/web:never\"\nnever_ready = true\n");
    let err = c.fails(&format!(
        r#"{WEB}
        deploy("web", "shop/web:never", 1);
        k8s::apply(#{{ apiVersion: "v1", kind: "Service", metadata: #{{ name: "web" }},
            spec: #{{ selector: #{{ app: "web" }}, ports: [#{{ port: 80, targetPort: 8080 }}] }} }});
        k8s::forward("svc/web", 80);
        "#
    ));
    assert!(
        err.contains("no ready pod of service/web") && err.contains("selector app=web"),
        "{err}"
    );
}

#[test]
fn postgres_and_redis_answer_through_forwards() {
    let pg = Postgres::start();
    let redis = Redis::start();
    let c = PlaybookCluster::start(&format!(
        "[[image]]\nmatch = \"postgres:*\"\nupstream = \"127.0.0.1:{}\"\n[[image]]\nmatch = \"redis:*\"\nupstream = \"127.0.0.1:{}\"\n",
        pg.port, redis.port
    ));
    let logs = c.ok(&format!(
        r#"{WEB}
        deploy("db", "postgres:15", 1);
        k8s::apply(#{{ apiVersion: "v1", kind: "Service", metadata: #{{ name: "db" }},
            spec: #{{ selector: #{{ app: "db" }}, ports: [#{{ port: 5432, targetPort: 5432 }}] }} }});
        k8s::wait_rollout("db", #{{ timeout: "30s" }});
        let at = k8s::forward("svc/db", 5432);
        let r = health::postgres(`postgres://shop:{pw}@${{at}}/shop`, #{{ timeout: "5s" }});
        info(`postgres ${{r.ok}}`);
        deploy("cache", "redis:7", 1);
        k8s::apply(#{{ apiVersion: "v1", kind: "Service", metadata: #{{ name: "cache" }},
            spec: #{{ selector: #{{ app: "cache" }}, ports: [#{{ name: "redis", port: 6379, targetPort: 6379 }}] }} }});
        k8s::wait_rollout("cache", #{{ timeout: "30s" }});
        let at = k8s::forward("cache", 6379);
        let r = health::redis(`redis://:r3dis-pw@${{at}}`, #{{ round_trip: true, timeout: "5s" }});
        info(`redis ${{r.ok}}`);
        "#,
        pw = "s3cret-pw"
    ));
    assert!(logs.contains(&"postgres true".to_string()), "{logs:?}");
    assert!(logs.contains(&"redis true".to_string()), "{logs:?}");
}

#[test]
fn service_url_follows_the_reach_and_the_log_says_it_once() {
    use orion::drivers::kube::reach::Reach;
    // reach = direct connects to the ClusterIP from this machine: host pod network.
    let c = PlaybookCluster::start("[cluster]\npod_network = \"host\"\n");
    let script = format!(
        r#"{WEB}{SETUP}
        let a = k8s::service_url("web", 80);
        let b = k8s::service_url("web", 80);
        let ip = k8s::get("service", "web").spec.clusterIP;
        info(`same ${{a == b}} cluster ip ${{a.contains(ip)}} local ${{a.starts_with("http://127.0.0.1:")}}`);
        info(`${{health::http(`${{a}}/health`, #{{}}).status}}`);
        "#
    );
    let (outcome, logs) = c.play_with(&script, |b| b.reach(Reach::Direct));
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    assert!(
        logs.contains(&"same true cluster ip true local false".to_string()),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("reached directly (reach = direct)")),
        "{logs:?}"
    );

    let (outcome, logs) = c.play_with(&script, |b| b.reach(Reach::Forward));
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    assert!(
        logs.contains(&"same true cluster ip false local true".to_string()),
        "{logs:?}"
    );
    assert!(logs.contains(&"200".to_string()), "{logs:?}");
    let said = logs
        .iter()
        .filter(|l| {
            l.contains("reached through port-forwards over the API server (reach = forward)")
        })
        .count();
    assert_eq!(said, 1, "{logs:?}");
}

#[test]
fn ctrl_c_in_the_repl_closes_its_forwards_and_the_next_use_opens_one_again() {
    use orion_sim::testing::{deployment, http::get, KubectlCluster};
    let c = KubectlCluster::start();
    c.apply("web.yaml", &deployment("web", "shop/web:1", 2, "app: web"));
    c.apply(
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n",
    );
    c.ready("web", 2);
    let mut cmd = std::process::Command::new(crate::support::ORION);
    cmd.arg("repl")
        .current_dir(c.dir.path())
        .env("KUBECONFIG", &c.kubeconfig)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env("XDG_DATA_HOME", c.dir.path().join(".data"));
    let mut p = rexpect::session::spawn_command(cmd, Some(15_000)).expect("spawn orion repl");
    let prompt = "orion> \r";
    let forward = |p: &mut rexpect::session::PtySession| {
        p.exp_string(prompt).unwrap();
        p.send_line(r#"k8s::forward("svc/web", 80)"#).unwrap();
        let (_, at) = p.exp_regex(r"127\.0\.0\.1:\d+").unwrap();
        at
    };
    let at = forward(&mut p);
    let answer = get(&at, "/").expect("the forward answers");
    assert_eq!(
        answer.headers.get("x-orion-version").map(String::as_str),
        Some("1")
    );

    // Ctrl-C during a wait closes the session's forwards; the session goes on.
    p.exp_string(prompt).unwrap();
    p.send_line(r#"sleep("30s")"#).unwrap();
    p.exp_string("sleeping").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("cancelled by the operator (Ctrl-C)").unwrap();
    let closed = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::net::TcpStream::connect(&at).is_err()
    });
    assert!(closed, "{at} still accepts connections after Ctrl-C");

    // The next use opens a forward again.
    let again = forward(&mut p);
    assert!(get(&again, "/").is_ok(), "the new forward {again} answers");
    p.exp_string(prompt).unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
