use super::*;
use crate::scenario::{Latency, Phase};
use crate::serving::test_client::Client;
use std::net::SocketAddr;

struct Running {
    addr: SocketAddr,
    stats: Arc<PodStats>,
    server: PodServer,
}

/// A pod server for `behaviour`, started `ago` before now; its draws come
/// from `seed` if given.
async fn start_seeded(
    behaviour: Option<ImageBehaviour>,
    ago: Duration,
    seed: Option<u64>,
) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Arc::new(PodStats::new());
    let id = Arc::new(PodIdentity::new("shop", "web-1", "web", "shop/web:2.0"));
    let started = Instant::now().checked_sub(ago).unwrap();
    let unix = 1_700_000_000.0;
    let server = match seed {
        Some(seed) => {
            let rng = Rng::seeded(seed);
            serve_seeded(listener, id, behaviour, stats.clone(), started, unix, rng)
        }
        None => serve(listener, id, behaviour, stats.clone(), started, unix),
    };
    Running {
        addr,
        stats,
        server,
    }
}

async fn start(behaviour: Option<ImageBehaviour>, ago: Duration) -> Running {
    start_seeded(behaviour, ago, None).await
}

async fn plain() -> Running {
    start(None, Duration::ZERO).await
}

fn latency(fixed_ms: u64) -> Option<Latency> {
    Some(Latency::Fixed(Duration::from_millis(fixed_ms)))
}

#[tokio::test]
async fn health_endpoints_answer_with_the_version() {
    let pod = plain().await;
    let mut client = Client::connect(pod.addr).await.unwrap();
    for path in HEALTH_PATHS {
        let reply = client.get(path).await.unwrap();
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.body, r#"{"status":"healthy"}"#);
        assert_eq!(reply.header("content-type"), Some(JSON));
        assert_eq!(reply.header("x-orion-version"), Some("2.0"));
    }
}

#[tokio::test]
async fn unhealthy_images_fail_their_health_checks() {
    let b = ImageBehaviour {
        unhealthy: true,
        ..Default::default()
    };
    let pod = start(Some(b), Duration::ZERO).await;
    let reply = Client::connect(pod.addr)
        .await
        .unwrap()
        .get("/readyz")
        .await
        .unwrap();
    assert_eq!(reply.status, 503);
    assert_eq!(reply.body, r#"{"status":"unhealthy"}"#);
}

#[tokio::test]
async fn ordinary_requests_say_who_answered() {
    let pod = plain().await;
    let reply = Client::connect(pod.addr)
        .await
        .unwrap()
        .get("/orders?id=1")
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-orion-version"), Some("2.0"));
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        body,
        json!({"pod": "web-1", "namespace": "shop", "version": "2.0", "path": "/orders", "status": 200})
    );
}

#[tokio::test]
async fn errors_come_at_the_asked_rate() {
    let b = ImageBehaviour {
        error_rate: 0.05,
        error_status: Some(503),
        ..Default::default()
    };
    let pod = start_seeded(Some(b), Duration::ZERO, Some(5)).await;
    let mut client = Client::connect(pod.addr).await.unwrap();
    let mut errors = 0;
    for _ in 0..1000 {
        let reply = client.get("/").await.unwrap();
        if reply.status == 503 {
            assert!(reply.body.contains(r#""status":503"#));
            errors += 1;
        }
    }
    assert!((30..=70).contains(&errors), "{errors} errors in 1000");
}

#[tokio::test]
async fn fixed_latency_is_honoured() {
    let b = ImageBehaviour {
        latency: latency(30),
        ..Default::default()
    };
    let pod = start(Some(b), Duration::ZERO).await;
    let mut client = Client::connect(pod.addr).await.unwrap();
    for _ in 0..5 {
        let begun = Instant::now();
        client.get("/slow").await.unwrap();
        assert!(begun.elapsed() >= Duration::from_millis(30));
    }
}

#[tokio::test]
async fn health_and_metrics_are_neither_delayed_nor_errored() {
    let b = ImageBehaviour {
        error_rate: 1.0,
        latency: latency(5000),
        ..Default::default()
    };
    let pod = start(Some(b), Duration::ZERO).await;
    let mut client = Client::connect(pod.addr).await.unwrap();
    let begun = Instant::now();
    assert_eq!(client.get("/healthz").await.unwrap().status, 200);
    assert_eq!(client.get("/metrics").await.unwrap().status, 200);
    assert!(begun.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn each_5xx_answer_is_printed_as_an_error_line() {
    let b = ImageBehaviour {
        error_rate: 1.0,
        unhealthy: true,
        ..Default::default()
    };
    let pod = start(Some(b), Duration::ZERO).await;
    let mut client = Client::connect(pod.addr).await.unwrap();
    for path in ["/pay", "/healthz", "/metrics", "/cart"] {
        client.get(path).await.unwrap();
    }
    let printed: Vec<String> = pod
        .stats
        .take_printed()
        .into_iter()
        .map(|l| l.text.split_once(' ').unwrap().1.to_string())
        .collect();
    // Failed health checks are the probe's business, not the app's log.
    assert_eq!(
        printed,
        [
            "ERROR GET /pay answered 500",
            "ERROR GET /cart answered 500"
        ]
    );

    let fine = plain().await;
    Client::connect(fine.addr)
        .await
        .unwrap()
        .get("/pay")
        .await
        .unwrap();
    assert!(fine.stats.take_printed().is_empty());
}

#[tokio::test]
async fn slow_start_adds_a_falling_wait() {
    let b = ImageBehaviour {
        slow_start: Some(Duration::from_secs(2)),
        ..Default::default()
    };
    // 1.5 s into a 2 s window: about 250 ms extra.
    let pod = start(Some(b), Duration::from_millis(1500)).await;
    let begun = Instant::now();
    Client::connect(pod.addr)
        .await
        .unwrap()
        .get("/")
        .await
        .unwrap();
    assert!(begun.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn phases_take_over_at_their_time() {
    let b = ImageBehaviour {
        phases: vec![Phase {
            after: Duration::from_secs(20),
            error_rate: Some(1.0),
            unhealthy: Some(true),
            ..Default::default()
        }],
        ..Default::default()
    };
    let young = start(Some(b.clone()), Duration::from_secs(5)).await;
    let mut client = Client::connect(young.addr).await.unwrap();
    assert_eq!(client.get("/").await.unwrap().status, 200);
    assert_eq!(client.get("/healthz").await.unwrap().status, 200);
    let old = start(Some(b), Duration::from_secs(25)).await;
    let mut client = Client::connect(old.addr).await.unwrap();
    assert_eq!(client.get("/").await.unwrap().status, 500);
    assert_eq!(client.get("/healthz").await.unwrap().status, 503);
}

#[tokio::test]
async fn metrics_show_the_counted_requests() {
    let pod = plain().await;
    let mut client = Client::connect(pod.addr).await.unwrap();
    for _ in 0..3 {
        client.get("/orders").await.unwrap();
    }
    let order = client.send("POST", "/orders", r#"{"item":"tea"}"#).await;
    assert_eq!(order.unwrap().status, 200);
    client.get("/healthz").await.unwrap();
    let reply = client.get("/metrics").await.unwrap();
    assert_eq!(reply.header("content-type"), Some(METRICS_TYPE));
    assert_eq!(reply.header("x-orion-version"), Some("2.0"));
    for line in [
        r#"http_requests_total{code="200",method="GET",path="/orders"} 3"#,
        r#"http_requests_total{code="200",method="POST",path="/orders"} 1"#,
        r#"http_requests_total{code="200",method="GET",path="/healthz"} 1"#,
        "http_request_duration_seconds_count 5",
        "process_start_time_seconds 1700000000",
        r#"app_version_info{version="2.0",image="shop/web:2.0"} 1"#,
    ] {
        assert!(
            reply.body.lines().any(|l| l == line),
            "no {line} in\n{}",
            reply.body
        );
    }
    assert_eq!(pod.stats.served(), 6);
    assert_eq!(pod.stats.in_flight(), 0);
}

#[tokio::test]
async fn asks_for_a_crash_after_enough_requests() {
    let b = ImageBehaviour {
        crash_after_requests: Some(3),
        ..Default::default()
    };
    let pod = start(Some(b), Duration::ZERO).await;
    let mut client = Client::connect(pod.addr).await.unwrap();
    for path in ["/a", "/healthz", "/metrics", "/b"] {
        client.get(path).await.unwrap();
    }
    assert!(!pod.stats.crash_requested());
    client.get("/c").await.unwrap();
    assert!(pod.stats.crash_requested());
}

/// Whether connecting to `addr` is refused within a second.
async fn refused(addr: SocketAddr) -> bool {
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

#[tokio::test]
async fn stopping_closes_the_listener_and_open_connections() {
    let pod = plain().await;
    let mut client = Client::connect(pod.addr).await.unwrap();
    assert_eq!(client.get("/").await.unwrap().status, 200);
    pod.server.stop();
    assert!(client.closed_within(Duration::from_secs(1)).await);
    assert!(refused(pod.addr).await);
}

#[tokio::test]
async fn dropping_stops_too() {
    let Running { addr, server, .. } = plain().await;
    drop(server);
    assert!(refused(addr).await);
}

#[test]
fn versions_come_from_the_tag() {
    assert_eq!(version_of("shop/web:2.0"), "2.0");
    assert_eq!(version_of("shop/web"), "latest");
    assert_eq!(version_of("localhost:5000/web"), "latest");
    assert_eq!(version_of("localhost:5000/web:v3"), "v3");
    assert_eq!(version_of("web:1.2@sha256:abc"), "1.2");
}
