//! Figures for traffic switches (run: `cargo bench --bench switch`): time
//! from a weight change to the new split being observed in the data plane —
//! every one of 20 consecutive requests (new connections) answered by the
//! new version — for a Service selector switch on the simulated cluster and
//! for HAProxy's runtime API (target < 10 ms) and nginx's upstream file and
//! reload (target < 500 ms) in front of it. Median of 10 switches.
//!
//! Prints figures; asserts nothing about them.

use orion::drivers::lb::haproxy::{set_weight, Address};
use orion::drivers::lb::nginx::{put, render, Nginx, Slot};
use orion::report::memory::Memory;
use orion_sim::testing::host_network;
use orion_sim::{Sim, SimConfig, Timing};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The version that answered a GET to `addr`, if one did.
fn version(addr: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("x-orion-version:"))
        .map(|l| l[16..].trim().to_string())
}

/// How long until 20 consecutive answers come from `want`.
fn until_all(addr: &str, want: &str, started: Instant) -> Duration {
    let mut streak = 0;
    let deadline = started + Duration::from_secs(10);
    let mut first = started;
    while streak < 20 {
        assert!(
            Instant::now() < deadline,
            "{want} never took all the traffic"
        );
        let asked = Instant::now();
        if version(addr).as_deref() == Some(want) {
            if streak == 0 {
                first = asked;
            }
            streak += 1;
        } else {
            streak = 0;
        }
    }
    // When the first of the 20 was sent: from then on all went to `want`.
    first.duration_since(started)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let config = SimConfig {
        timing: Timing {
            start: Duration::from_millis(20),
            ready: Duration::from_millis(20),
            tick: Duration::from_millis(20),
            backoff: Duration::from_secs(1),
            stop: Duration::from_millis(20),
        },
        // Host pod network: HAProxy and nginx reach the Service's ClusterIP.
        scenario: host_network(),
        ..SimConfig::default()
    };
    let sim = tokio.block_on(Sim::start(config)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let memory = Arc::new(Memory::default());
    let runtime = orion::Runtime::builder()
        .kubeconfig(&kubeconfig)
        .journal_dir(dir.path())
        .sink(memory.clone())
        .build()
        .unwrap();
    let run = |script: &str| {
        let outcome = runtime.run_script("bench.rhai", script);
        assert!(outcome.succeeded(), "{:?}", outcome.error);
    };
    run(r#"
        for v in ["v1", "v2"] {
            k8s::apply(#{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{ name: `web-${v}` },
                spec: #{ replicas: 2, selector: #{ matchLabels: #{ app: "web", version: v } },
                    template: #{ metadata: #{ labels: #{ app: "web", version: v } },
                        spec: #{ containers: [#{ name: "web", image: `shop/web:${v}`, ports: [#{ containerPort: 8080 }] }] } } } });
            k8s::apply(#{ apiVersion: "v1", kind: "Service", metadata: #{ name: `web-${v}` },
                spec: #{ selector: #{ app: "web", version: v }, ports: [#{ port: 8080 }] } });
        }
        k8s::apply(#{ apiVersion: "v1", kind: "Service", metadata: #{ name: "web" },
            spec: #{ selector: #{ app: "web", version: "v1" }, ports: [#{ port: 8080 }] } });
        k8s::wait_all(["web-v1", "web-v2"], #{});
    "#);
    let ip = |svc: &str| -> String {
        let memory = Arc::new(Memory::default());
        let r = orion::Runtime::builder()
            .kubeconfig(&kubeconfig)
            .sink(memory.clone())
            .build()
            .unwrap();
        let out = r.run_script(
            "ip.rhai",
            &format!(r#"info(k8s::get("service", "{svc}").spec.clusterIP);"#),
        );
        assert!(out.succeeded());
        memory
            .events()
            .into_iter()
            .find_map(|e| match e {
                orion::report::event::Event::Log { message, .. }
                    if message.parse::<std::net::Ipv4Addr>().is_ok() =>
                {
                    Some(message)
                }
                _ => None,
            })
            .unwrap()
    };
    let web = format!("{}:8080", ip("web"));

    // A Service selector switch, as traffic::service's switch_to writes it.
    let mut service = vec![];
    for i in 0..10 {
        let to = if i % 2 == 0 { "v2" } else { "v1" };
        let client = tokio.block_on(async {
            kube::Client::try_from(kube::Config::new(sim.url().parse().unwrap())).unwrap()
        });
        let api: kube::Api<k8s_openapi::api::core::v1::Service> =
            kube::Api::namespaced(client, "default");
        let patch =
            kube::api::Patch::Merge(serde_json::json!({"spec": {"selector": {"version": to}}}));
        let started = Instant::now();
        tokio
            .block_on(api.patch("web", &kube::api::PatchParams::default(), &patch))
            .unwrap();
        service.push(until_all(&web, to, started));
    }
    println!(
        "Service selector switch on the simulated cluster: all traffic on the new version {:.2} ms after the patch was sent (median of 10)",
        median(service).as_secs_f64() * 1e3
    );

    // HAProxy in front of web-v1 and web-v2, weights through the runtime API.
    if Command::new("haproxy").arg("-v").output().is_err() {
        println!("HAProxy: not installed (./scripts/test installs it); not measured");
        return;
    }
    let socket = dir.path().join("admin.sock");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = format!(
        "global\n    stats socket {} mode 600 level admin\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\nfrontend fe\n    bind 127.0.0.1:{port}\n    default_backend web\nbackend web\n    balance roundrobin\n    server v1 {}:8080 weight 100\n    server v2 {}:8080 weight 0\n",
        socket.display(),
        ip("web-v1"),
        ip("web-v2")
    );
    std::fs::write(dir.path().join("haproxy.cfg"), cfg).unwrap();
    let mut haproxy = Command::new("haproxy")
        .arg("-f")
        .arg(dir.path().join("haproxy.cfg"))
        .arg("-db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let front = format!("127.0.0.1:{port}");
    while version(&front).is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let address = Address::Unix(socket);
    let mut lb = vec![];
    for i in 0..10 {
        let (to, from) = if i % 2 == 0 {
            ("v2", "v1")
        } else {
            ("v1", "v2")
        };
        let started = Instant::now();
        tokio.block_on(async {
            set_weight(&address, "web", to, 100).await.unwrap();
            set_weight(&address, "web", from, 0).await.unwrap();
        });
        lb.push(until_all(&front, to, started));
    }
    println!(
        "HAProxy runtime API: all traffic on the new version {:.2} ms after set_weights began (median of 10; target < 10 ms)",
        median(lb).as_secs_f64() * 1e3
    );
    let _ = haproxy.kill();
    let _ = haproxy.wait();

    // nginx: the upstream file rendered, nginx -t, reload, new workers.
    if Command::new("nginx").arg("-v").output().is_err() {
        println!("nginx: not installed (./scripts/test installs it); not measured");
        tokio.block_on(sim.shutdown());
        return;
    }
    let d = dir.path().display().to_string();
    let nport = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let servers: BTreeMap<String, String> = [
        ("v1".to_string(), format!("{}:8080", ip("web-v1"))),
        ("v2".to_string(), format!("{}:8080", ip("web-v2"))),
    ]
    .into();
    let upstream = dir.path().join("upstream.conf");
    let weights = |a: i64, b: i64| -> BTreeMap<String, Slot> {
        let slot = |w: i64| Slot {
            weight: w.max(1),
            down: w == 0,
        };
        [("v1".to_string(), slot(a)), ("v2".to_string(), slot(b))].into()
    };
    put(&upstream, Some(&render("web", &servers, &weights(100, 0)))).unwrap();
    std::fs::write(
        dir.path().join("nginx.conf"),
        format!("worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 256; }}\nhttp {{\n    access_log off;\n    client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n    fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    scgi_temp_path {d}/scgi;\n    include {d}/upstream.conf;\n    server {{ listen 127.0.0.1:{nport}; location / {{ proxy_pass http://web; }} }}\n}}\n"),
    )
    .unwrap();
    let mut nginx_process = Command::new("nginx")
        .args([
            "-p",
            &d,
            "-c",
            &format!("{d}/nginx.conf"),
            "-g",
            "daemon off;",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let nfront = format!("127.0.0.1:{nport}");
    while version(&nfront).is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let nginx = Nginx {
        binary: "nginx".into(),
        conf: format!("{d}/nginx.conf").into(),
        prefix: Some(d.clone().into()),
        pid_file: Some(format!("{d}/nginx.pid").into()),
    };
    let mut ng = vec![];
    for i in 0..10 {
        let (to, w) = if i % 2 == 0 {
            ("v2", weights(0, 100))
        } else {
            ("v1", weights(100, 0))
        };
        let started = Instant::now();
        put(&upstream, Some(&render("web", &servers, &w))).unwrap();
        nginx.test().unwrap();
        nginx.reload().unwrap();
        ng.push(until_all(&nfront, to, started));
    }
    println!(
        "nginx: all traffic on the new version {:.2} ms after set_weights began (render, nginx -t, reload; median of 10; target < 500 ms)",
        median(ng).as_secs_f64() * 1e3
    );
    let _ = nginx_process.kill();
    let _ = nginx_process.wait();
    tokio.block_on(sim.shutdown());
}
