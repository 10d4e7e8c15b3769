//! Figures for simulated pod traffic (run: `cargo bench --bench traffic`):
//! - requests per second through a ClusterIP to 3 pods (new connection each,
//!   as curl makes them; 8 clients);
//! - the Service forwarder's added latency: p50 through the ClusterIP minus
//!   p50 straight to a pod (target < 200 µs);
//! - memory per running pod listener: resident growth of 2,000 listeners
//!   (socket, accept task, counters) that have each served one request.
//!
//! Prints figures; asserts nothing about them.

#[path = "common/mod.rs"]
mod common;
use common::rss_mib;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams, PostParams};
use kube::{Client, Config};
use orion_sim::testing::host_network;
use orion_sim::{Sim, SimConfig, Timing};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn request(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_nodelay(true);
    if s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut out = Vec::with_capacity(512);
    s.read_to_end(&mut out).is_ok() && out.starts_with(b"HTTP/1.1 200")
}

fn p50(addr: &str, n: usize) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            assert!(request(addr), "{addr} did not answer 200");
            t.elapsed()
        })
        .collect();
    times.sort();
    times[n / 2]
}

async fn client(sim: &Sim) -> Client {
    let mut cfg = Config::new(sim.url().parse().unwrap());
    cfg.default_namespace = "default".into();
    Client::try_from(cfg).unwrap()
}

fn deployment(name: &str, replicas: i32, ports: bool) -> Deployment {
    let ports = if ports {
        json!([{"containerPort": 8080}])
    } else {
        json!([])
    };
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": format!("shop/{name}:1"), "ports": ports}]},
            },
        },
    }))
    .unwrap()
}

async fn ready(api: &Api<Deployment>, name: &str, replicas: i32) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let d = api.get(name).await.unwrap();
        if d.status.and_then(|s| s.ready_replicas) == Some(replicas) {
            return;
        }
        assert!(Instant::now() < deadline, "{name} never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn fast() -> SimConfig {
    SimConfig {
        timing: Timing {
            start: Duration::from_millis(20),
            ready: Duration::from_millis(20),
            tick: Duration::from_millis(20),
            backoff: Duration::from_secs(1),
            stop: Duration::from_millis(20),
        },
        // Host pod network: the figures connect to pod and Service addresses.
        scenario: host_network(),
        ..SimConfig::default()
    }
}

async fn throughput_and_overhead() {
    let sim = Sim::start(fast()).await.unwrap();
    let c = client(&sim).await;
    let deployments: Api<Deployment> = Api::default_namespaced(c.clone());
    let services: Api<Service> = Api::default_namespaced(c.clone());
    let pods: Api<Pod> = Api::default_namespaced(c);
    deployments
        .create(&PostParams::default(), &deployment("web", 3, true))
        .await
        .unwrap();
    let svc: Service = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }))
    .unwrap();
    let svc = services.create(&PostParams::default(), &svc).await.unwrap();
    ready(&deployments, "web", 3).await;
    let vip = format!("{}:80", svc.spec.unwrap().cluster_ip.unwrap());
    let pod_ip = pods
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap()
        .items[0]
        .status
        .clone()
        .unwrap()
        .pod_ip
        .unwrap();
    let direct_addr = format!("{pod_ip}:8080");
    let (direct, through) = tokio::task::spawn_blocking(move || {
        // Warm up both paths, then alternate so drift hits both alike.
        p50(&direct_addr, 200);
        p50(&vip, 200);
        let direct = p50(&direct_addr, 2000);
        let through = p50(&vip, 2000);
        let clients = 8;
        let run = Duration::from_secs(5);
        let start = Instant::now();
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let vip = vip.clone();
                std::thread::spawn(move || {
                    let mut n = 0u64;
                    while start.elapsed() < run {
                        n += u64::from(request(&vip));
                    }
                    n
                })
            })
            .collect();
        let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        let rps = total as f64 / start.elapsed().as_secs_f64();
        println!("through a ClusterIP to 3 pods, {clients} clients, new connection per request: {rps:.0} requests/s");
        (direct, through)
    })
    .await
    .unwrap();
    let overhead = through.saturating_sub(direct);
    println!(
        "p50 straight to a pod {:.0} µs; through the ClusterIP {:.0} µs; forwarder overhead {:.0} µs (target < 200 µs)",
        direct.as_secs_f64() * 1e6,
        through.as_secs_f64() * 1e6,
        overhead.as_secs_f64() * 1e6
    );
    sim.shutdown().await;
}

/// Resident growth of `n` pod listeners (socket, accept task, counters),
/// each on its own loopback address, as the simulator starts them.
async fn memory_per_listener() {
    use orion_sim::serving::{serve, PodIdentity, PodStats};
    let n: u32 = 2000;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_mib();
    let mut servers = Vec::new();
    for i in 0..n {
        let ip = std::net::Ipv4Addr::new(127, 250, (i / 250) as u8, (i % 250 + 1) as u8);
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind((ip, 8080).into()).unwrap();
        let listener = socket.listen(1024).unwrap();
        let id = std::sync::Arc::new(PodIdentity::new(
            "default",
            &format!("web-{i}"),
            "app",
            "shop/web:1",
        ));
        servers.push(serve(
            listener,
            id,
            None,
            std::sync::Arc::new(PodStats::default()),
            Instant::now(),
            0.0,
        ));
    }
    // One request each, so every listener has served (and counted) once.
    tokio::task::spawn_blocking(move || {
        for i in 0..n {
            let ip = std::net::Ipv4Addr::new(127, 250, (i / 250) as u8, (i % 250 + 1) as u8);
            assert!(request(&format!("{ip}:8080")));
        }
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = rss_mib();
    println!(
        "{n} pod listeners, one request served each: {:.1} MiB resident growth, {:.1} KiB per listener",
        after - before,
        (after - before) * 1024.0 / f64::from(n)
    );
    drop(servers);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(throughput_and_overhead());
    runtime.block_on(memory_per_listener());
}
