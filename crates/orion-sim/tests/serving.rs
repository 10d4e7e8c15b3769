//! Simulated pods and Services carry real traffic: pod IPs, ClusterIPs,
//! LoadBalancer addresses, scenario errors and latency, metrics. Most tests
//! here talk to pod IPs and ClusterIPs straight from the test, so their
//! clusters run the host pod network (`pod_network = "host"`); what the
//! default isolated network hides and still serves is `pod_network.rs`.

use orion_sim::scenario::Scenario;
use orion_sim::testing::http::{get, get_when_up};
use orion_sim::testing::{deployment, KubectlCluster, Prometheus};
use orion_sim::PodNetwork;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn service(name: &str, selector: &str, kind: &str) -> String {
    format!(
        "apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  type: {kind}
  selector: {{{selector}}}
  ports: [{{port: 80, targetPort: http}}]
"
    )
}

/// A cluster running `toml`, on the host pod network.
fn scenario(toml: &'static str) -> impl FnOnce(&mut orion_sim::SimConfig, &std::path::Path) {
    move |c, _| {
        c.scenario = Scenario::parse(toml).unwrap();
        c.scenario.cluster.pod_network = PodNetwork::Host;
    }
}

#[test]
fn pods_answer_on_their_own_ips_and_a_service_spreads_connections() {
    let c = KubectlCluster::host();
    c.apply(
        "d.yaml",
        &deployment("web", "shop/web:1.4.2", 3, "app: web"),
    );
    c.apply("s.yaml", &service("web", "app: web", "ClusterIP"));
    c.ready("web", 3);
    let ips = c.pod_ips("app=web");
    assert_eq!(ips.len(), 3);
    assert!(ips.iter().all(|ip| ip.starts_with("127.")), "{ips:?}");

    let pod = format!("{}:8080", ips[0]);
    let health = get_when_up(&pod, "/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.body.trim(), r#"{"status":"healthy"}"#);
    let page = get(&pod, "/checkout").unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["x-orion-version"], "1.4.2");
    assert!(page.body.contains("\"version\":\"1.4.2\""), "{}", page.body);

    let metrics = get(&pod, "/metrics").unwrap().body;
    assert!(
        metrics.contains(r#"http_requests_total{code="200",method="GET",path="/checkout"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(metrics.contains("process_start_time_seconds"), "{metrics}");

    // Round-robin: three connections reach three different pods.
    let vip = format!("{}:80", c.cluster_ip("web"));
    let answered: std::collections::BTreeSet<String> = (0..3)
        .map(|_| {
            let a = get_when_up(&vip, "/");
            let body: serde_json::Value = serde_json::from_str(&a.body).unwrap();
            body["pod"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(answered.len(), 3, "{answered:?}");
}

#[test]
fn a_selector_switch_moves_all_traffic_with_the_next_request() {
    let c = KubectlCluster::host();
    c.apply(
        "blue.yaml",
        &deployment("blue", "shop/web:1.0", 2, "app: shop, track: blue"),
    );
    c.apply(
        "green.yaml",
        &deployment("green", "shop/web:2.0", 2, "app: shop, track: green"),
    );
    c.apply(
        "s.yaml",
        &service("shop", "app: shop, track: blue", "ClusterIP"),
    );
    c.ready("blue", 2);
    c.ready("green", 2);
    let vip = format!("{}:80", c.cluster_ip("shop"));
    for _ in 0..10 {
        assert_eq!(get_when_up(&vip, "/").headers["x-orion-version"], "1.0");
    }
    c.ok(&[
        "patch",
        "service",
        "shop",
        "-p",
        r#"{"spec":{"selector":{"track":"green"}}}"#,
    ]);
    for _ in 0..10 {
        assert_eq!(get(&vip, "/").unwrap().headers["x-orion-version"], "2.0");
    }
}

#[test]
fn error_rate_and_latency_follow_the_scenario() {
    let c = KubectlCluster::start_with(scenario(
        r#"
[[image]]
match = "shop/flaky:*"
error_rate = 0.05
[[image]]
match = "shop/slow:*"
latency = { fixed = "25ms" }
[[image]]
match = "shop/spread:*"
latency = { p50 = "20ms", p99 = "80ms" }
"#,
    ));
    c.apply(
        "f.yaml",
        &deployment("flaky", "shop/flaky:1", 1, "app: flaky"),
    );
    c.apply("s.yaml", &deployment("slow", "shop/slow:1", 1, "app: slow"));
    c.apply(
        "p.yaml",
        &deployment("spread", "shop/spread:1", 1, "app: spread"),
    );
    c.ready("flaky", 1);
    c.ready("slow", 1);
    c.ready("spread", 1);

    let flaky = format!("{}:8080", c.pod_ips("app=flaky")[0]);
    get_when_up(&flaky, "/healthz");
    let errors = (0..1000)
        .filter(|_| get(&flaky, "/pay").unwrap().status >= 500)
        .count();
    assert!(
        (30..=70).contains(&errors),
        "{errors} of 1000 failed; 5% ± 2% expected"
    );

    let slow = format!("{}:8080", c.pod_ips("app=slow")[0]);
    get_when_up(&slow, "/healthz");
    for _ in 0..10 {
        let t = Instant::now();
        assert_eq!(get(&slow, "/").unwrap().status, 200);
        assert!(
            t.elapsed() >= Duration::from_millis(25),
            "{:?}",
            t.elapsed()
        );
    }

    let spread = format!("{}:8080", c.pod_ips("app=spread")[0]);
    get_when_up(&spread, "/healthz");
    let mut times: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            get(&spread, "/").unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = times[100];
    assert!(
        median >= Duration::from_millis(16) && median <= Duration::from_millis(30),
        "median {median:?}, 20 ms asked"
    );
}

#[test]
fn a_deleted_pod_stops_listening_and_a_crashing_one_restarts() {
    let c = KubectlCluster::start_with(scenario(
        r#"
[[image]]
match = "shop/fragile:*"
crash_after_requests = 5
"#,
    ));
    c.apply("d.yaml", &deployment("web", "shop/web:1", 1, "app: web"));
    c.apply(
        "f.yaml",
        &deployment("fragile", "shop/fragile:1", 1, "app: fragile"),
    );
    c.ready("web", 1);
    c.ready("fragile", 1);
    let pod = format!("{}:8080", c.pod_ips("app=web")[0]);
    get_when_up(&pod, "/healthz");
    let name = c.ok(&[
        "get",
        "pods",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    c.ok(&["delete", "pod", &name, "--wait=false"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(&pod).is_ok() {
        assert!(
            Instant::now() < deadline,
            "{pod} still accepts connections after the pod was deleted"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let fragile = format!("{}:8080", c.pod_ips("app=fragile")[0]);
    get_when_up(&fragile, "/healthz");
    for _ in 0..5 {
        assert_eq!(get(&fragile, "/").unwrap().status, 200);
    }
    let restarts = c.until(
        &[
            "get",
            "pods",
            "-l",
            "app=fragile",
            "-o",
            "jsonpath={.items[0].status.containerStatuses[0].restartCount}",
        ],
        |out| out == "1",
    );
    assert_eq!(restarts, "1");
}

#[test]
fn load_balancers_get_an_address_that_answers_and_top_shows_usage() {
    let c = KubectlCluster::start();
    c.apply("d.yaml", &deployment("web", "shop/web:3", 2, "app: web"));
    c.apply("s.yaml", &service("web", "app: web", "LoadBalancer"));
    c.ready("web", 2);
    let ip = c.until(
        &[
            "get",
            "service",
            "web",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[0].ip}",
        ],
        |out| !out.is_empty(),
    );
    assert!(ip.starts_with("127."), "{ip}");
    let a = get_when_up(&format!("{ip}:80"), "/");
    assert_eq!(a.headers["x-orion-version"], "3");
    let top = c.until(&["top", "pods", "--no-headers"], |out| {
        out.lines().count() == 2
    });
    for line in top.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(cols[1].ends_with('m') && cols[2].ends_with("Mi"), "{line}");
    }
    let nodes = c.ok(&["top", "nodes", "--no-headers"]);
    assert_eq!(nodes.lines().count(), 3, "{nodes}");
}

#[test]
fn an_image_can_point_its_service_at_a_real_server() {
    // A stand-in for a real database: a TCP server that greets and closes.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in server.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.write_all(b"+PONG\r\n");
        }
    });
    let toml: &'static str = Box::leak(
        format!("[[image]]\nmatch = \"redis:*\"\nupstream = \"{addr}\"\n").into_boxed_str(),
    );
    let c = KubectlCluster::start_with(scenario(toml));
    c.apply("d.yaml", &deployment("cache", "redis:7", 1, "app: cache"));
    c.apply("s.yaml", &service("cache", "app: cache", "ClusterIP"));
    c.ready("cache", 1);
    let vip = format!("{}:80", c.cluster_ip("cache"));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut greeting = String::new();
        if let Ok(mut s) = TcpStream::connect(&vip) {
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let _ = s.read_to_string(&mut greeting);
        }
        if greeting == "+PONG\r\n" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Service never reached the real server: {greeting:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// On the default isolated pod network: Prometheus, outside the cluster,
/// scrapes where the simulator serves each pod (the target file says
/// where), and sees the pods by their own addresses; the traffic comes in
/// through a LoadBalancer, which the host reaches.
#[test]
fn a_real_prometheus_scrapes_the_pods_and_sees_the_error_rate() {
    let c = KubectlCluster::start_with(|config, dir| {
        config.scenario =
            Scenario::parse("[[image]]\nmatch = \"shop/web:2*\"\nerror_rate = 0.2\n").unwrap();
        config.scrape_targets = Some(dir.join("targets.json"));
    });
    c.apply("d.yaml", &deployment("web", "shop/web:2.0", 1, "app: web"));
    c.apply("s.yaml", &service("web", "app: web", "LoadBalancer"));
    c.ready("web", 1);
    let pod = format!("{}:8080", c.pod_ips("app=web")[0]);
    assert!(pod.starts_with("10.244."), "{pod}");
    let lb = c.until(
        &[
            "get",
            "service",
            "web",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[0].ip}",
        ],
        |out| !out.is_empty(),
    );
    let lb = format!("{lb}:80");
    let targets = c.dir.path().join("targets.json");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&targets)
        .unwrap_or_default()
        .contains(&format!("\"instance\": \"{pod}\""))
    {
        assert!(
            Instant::now() < deadline,
            "the scrape-target file never listed {pod}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let prometheus = Prometheus::start(&targets);
    let up = format!(
        r#"up{{job="sim",deployment="web",version="2.0",namespace="default",instance="{pod}"}}"#
    );
    let ratio = r#"sum(rate(http_requests_total{path="/",code=~"5.."}[1m])) / sum(rate(http_requests_total{path="/"}[1m]))"#;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = None;
    while Instant::now() < deadline {
        for _ in 0..20 {
            get_when_up(&lb, "/");
        }
        if prometheus.value(&up) == Some(1.0) {
            seen = prometheus.value(ratio);
            if seen.is_some_and(|r| (0.1..=0.3).contains(&r)) {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("Prometheus never saw a 5xx ratio near 0.2 (last: {seen:?})");
}

#[test]
fn a_phase_turns_pods_unhealthy_and_their_service_stops_sending_to_them() {
    let c = KubectlCluster::start_with(scenario(
        r#"
[[image]]
match = "shop/sour:*"
[[image.phase]]
after = "1500ms"
unhealthy = true
error_rate = 1.0
"#,
    ));
    let with_probe = deployment("sour", "shop/sour:1", 2, "app: sour").replace(
        "        ports: [{name: http, containerPort: 8080}]\n",
        "        ports: [{name: http, containerPort: 8080}]\n        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}\n",
    );
    c.apply("d.yaml", &with_probe);
    c.apply("s.yaml", &service("sour", "app: sour", "ClusterIP"));
    c.ready("sour", 2);
    let pod = format!("{}:8080", c.pod_ips("app=sour")[0]);
    let before = get_when_up(&pod, "/healthz");
    assert_eq!(before.status, 200, "healthy before the phase");
    // After the phase begins the health endpoint fails, readiness follows,
    // and the Service has nowhere to send traffic.
    let ready = c.until(
        &[
            "get",
            "deployment",
            "sour",
            "-o",
            "jsonpath={.status.readyReplicas}",
        ],
        |out| out.is_empty() || out == "0",
    );
    assert!(ready.is_empty() || ready == "0");
    // The pod's server counts the phase from when the network saw the
    // container start, a reconcile pass after the kubelet did: it follows
    // within moments.
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(&pod, "/healthz").unwrap().status != 503 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(get(&pod, "/healthz").unwrap().status, 503);
    assert_eq!(get(&pod, "/anything").unwrap().status, 500);
    let endpoints = c.ok(&[
        "get",
        "endpoints",
        "sour",
        "-o",
        "jsonpath={.subsets[*].addresses[*].ip}",
    ]);
    assert!(endpoints.is_empty(), "{endpoints}");
    let events = c.ok(&[
        "get",
        "events",
        "--field-selector",
        "reason=Unhealthy",
        "-o",
        "jsonpath={.items[*].message}",
    ]);
    assert!(
        events.contains("Readiness probe failed: HTTP probe failed with statuscode: 503"),
        "{events}"
    );
}
