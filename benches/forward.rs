//! Figures for port-forwards through the API server (run: `cargo bench
//! --bench forward`):
//! - added latency per request through a forward against straight to the
//!   pod, over a kept-alive connection (target p50 < 1 ms on loopback) and
//!   with a new connection each time (each one a new WebSocket);
//! - the API connections held while four Services are forwarded, each with
//!   one kept-alive client connection.
//!
//! Prints figures; asserts nothing about them.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams, PostParams};
use orion::drivers::kube::connect::{Cluster, ContextInfo};
use orion::drivers::kube::forward::{self, Port, Target};
use orion_sim::{Sim, SimConfig};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const SERVICES: [&str; 4] = ["auth", "gateway", "notification", "user"];

/// One GET on `s` (kept alive); whether it answered 200.
fn get(s: &mut TcpStream) -> bool {
    if s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut r = BufReader::new(s);
    let mut status = String::new();
    if r.read_line(&mut status).is_err() {
        return false;
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).is_err() || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).is_ok() && status.starts_with("HTTP/1.1 200")
}

fn p50(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// p50 of `n` requests over one kept-alive connection to `addr`.
fn kept_alive(addr: &str, n: usize) -> Duration {
    let mut s = TcpStream::connect(addr).unwrap();
    let _ = s.set_nodelay(true);
    p50((0..n)
        .map(|_| {
            let t = Instant::now();
            assert!(get(&mut s), "{addr} did not answer 200");
            t.elapsed()
        })
        .collect())
}

/// p50 of `n` requests, each on a new connection to `addr`.
fn fresh(addr: &str, n: usize) -> Duration {
    p50((0..n)
        .map(|_| {
            let t = Instant::now();
            let mut s = TcpStream::connect(addr).unwrap();
            let _ = s.set_nodelay(true);
            assert!(get(&mut s), "{addr} did not answer 200");
            t.elapsed()
        })
        .collect())
}

/// Established TCP connections of this process to `port` (the API server).
fn connections_to(port: u16) -> usize {
    let hex = format!(":{port:04X}");
    ["/proc/self/net/tcp", "/proc/self/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|t| t.lines().skip(1).map(str::to_string).collect::<Vec<_>>())
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[2].ends_with(&hex) && f[3] == "01"
        })
        .count()
}

#[tokio::main]
async fn main() {
    // Host mode: the direct figure needs pod IPs the host reaches.
    let scenario = orion_sim::testing::host_network();
    let sim = Sim::start(SimConfig {
        timing: orion_sim::testing::fast(),
        scenario,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let url: String = sim.url().to_string();
    let mut cfg = kube::Config::new(url.parse().unwrap());
    cfg.default_namespace = "default".into();
    let client = kube::Client::try_from(cfg).unwrap();
    let cluster = Cluster {
        client: client.clone(),
        info: ContextInfo {
            name: "orion-sim".into(),
            server: url.clone(),
            namespace: "default".into(),
            user: "bench".into(),
        },
    };
    let deployments: Api<Deployment> = Api::default_namespaced(client.clone());
    let services: Api<Service> = Api::default_namespaced(client.clone());
    for name in SERVICES {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "app", "image": format!("shop/{name}:1"),
                        "ports": [{"containerPort": 8080}]}]}}},
        }))
        .unwrap();
        deployments
            .create(&PostParams::default(), &d)
            .await
            .unwrap();
        let s: Service = serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
        }))
        .unwrap();
        services.create(&PostParams::default(), &s).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for name in SERVICES {
        while deployments
            .get(name)
            .await
            .unwrap()
            .status
            .and_then(|s| s.ready_replicas)
            != Some(1)
        {
            assert!(Instant::now() < deadline, "{name} never became ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let pods: Api<Pod> = Api::default_namespaced(client);
    let pod = pods
        .list(&ListParams::default().labels("app=gateway"))
        .await
        .unwrap()
        .items[0]
        .clone();
    let direct = format!("{}:8080", pod.status.unwrap().pod_ip.unwrap());
    let stop = CancellationToken::new();
    let mut forwards = vec![];
    for name in SERVICES {
        let f = forward::open(
            &cluster,
            "default",
            Target::Service(name.into()),
            Port::Number(80),
            stop.clone(),
        )
        .await
        .unwrap();
        forwards.push(f);
    }
    let through = forwards[1].local.to_string();
    let addrs: Vec<String> = forwards.iter().map(|f| f.local.to_string()).collect();
    let api_port: u16 = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (kd, kf, fd, ff, held) = tokio::task::spawn_blocking(move || {
        // Warm up both paths, then measure each.
        kept_alive(&direct, 100);
        kept_alive(&through, 100);
        let kd = kept_alive(&direct, 2000);
        let kf = kept_alive(&through, 2000);
        let fd = fresh(&direct, 300);
        let ff = fresh(&through, 300);
        let before = connections_to(api_port);
        let open: Vec<TcpStream> = addrs
            .iter()
            .map(|a| {
                let mut s = TcpStream::connect(a).unwrap();
                assert!(get(&mut s));
                s
            })
            .collect();
        let held = connections_to(api_port) - before;
        drop(open);
        (kd, kf, fd, ff, held)
    })
    .await
    .unwrap();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let added = kf.saturating_sub(kd);
    println!(
        "kept-alive connection: direct p50 {:>7.0} µs  forward p50 {:>7.0} µs  added {:>7.0} µs  target < 1000 µs: {}",
        us(kd),
        us(kf),
        us(added),
        if added < Duration::from_millis(1) { "meets" } else { "MISSES" }
    );
    println!(
        "new connection each:   direct p50 {:>7.0} µs  forward p50 {:>7.0} µs  added {:>7.0} µs (a WebSocket to the API server each)",
        us(fd),
        us(ff),
        us(ff.saturating_sub(fd))
    );
    println!(
        "API connections held by 4 forwarded Services, one open client connection each: {held} (plus the run's own)"
    );
    drop(forwards);
    sim.shutdown().await;
}
