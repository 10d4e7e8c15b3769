//! Figures for the shipped playbooks (run: `cargo bench --bench deploy`;
//! needs kubectl, curl, jq, haproxy and prometheus):
//!
//! 1. playbooks/staging.rhai against benches/deploy-staging.sh — what
//!    deploy-staging.sh did, with kubectl and sleep-based polling — each
//!    deploying the platform's staging overlay to a fresh simulated cluster
//!    (pods start and get ready in 0.5 s each, as by default). Median of 3.
//! 2. A canary (canary.rhai, 1 s analysis interval, 5 s rate window) behind a
//!    real HAProxy, analysed by a real Prometheus scraping every second, with
//!    requests flowing: from the moment the canary's version starts answering
//!    5% errors (a scenario phase, timed from the container's start, read from
//!    its process_start_time_seconds) to HAProxy's canary weight back at 0,
//!    and to 20 consecutive answers from the stable version. Target < 5 s.
//!    Median of 3.
//!
//! Prints figures; asserts nothing about them.

use orion_sim::scenario::Scenario;
use orion_sim::{PodNetwork, Sim, SimConfig};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ORION: &str = env!("CARGO_BIN_EXE_orion");
const NS: &str = "shop-staging";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Cluster {
    sim: Option<Sim>,
    rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start(scenario: &str, scrape: bool) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // Host pod network: HAProxy and the bash baseline's curl reach pod
        // and Service addresses from this machine.
        let mut scenario = Scenario::parse(scenario).unwrap();
        scenario.cluster.pod_network = PodNetwork::Host;
        let config = SimConfig {
            scenario,
            scrape_targets: scrape.then(|| dir.path().join("targets.json")),
            ..SimConfig::default()
        };
        let sim = rt.block_on(Sim::start(config)).unwrap();
        sim.write_kubeconfig(&dir.path().join("kubeconfig"))
            .unwrap();
        let ok = Command::new("cp")
            .arg("-r")
            .arg(repo().join("playbooks"))
            .arg(dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok);
        Cluster {
            sim: Some(sim),
            rt,
            dir,
        }
    }
    fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }
    fn kubectl(&self, args: &[&str]) -> String {
        let out = Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", self.kubeconfig())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn play(&self, playbook: &str, args: &[String]) -> (i32, String) {
        let out = Command::new(ORION)
            .arg("play")
            .arg(self.dir.path().join("playbooks").join(playbook))
            .args(args)
            .env("KUBECONFIG", self.kubeconfig())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn staging() {
    let good = std::fs::read_to_string(repo().join("playbooks/scenarios/good.toml")).unwrap();
    let (mut orion, mut bash) = (vec![], vec![]);
    for _ in 0..3 {
        let c = Cluster::start(&good, false);
        let t = Instant::now();
        let (code, stderr) = c.play("staging.rhai", &["--env".into(), "sim".into()]);
        assert_eq!(code, 0, "{stderr}");
        orion.push(t.elapsed());

        let c = Cluster::start(&good, false);
        let overlay = c.dir.path().join("playbooks/platform/overlays/sim");
        let t = Instant::now();
        let out = Command::new("bash")
            .arg(repo().join("benches/deploy-staging.sh"))
            .arg(&overlay)
            .env("KUBECONFIG", c.kubeconfig())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        bash.push(t.elapsed());
    }
    let (o, b) = (median(orion), median(bash));
    println!(
        "staging deploy of the platform on a fresh simulated cluster (median of 3):\n  orion play playbooks/staging.rhai   {:>7.2} s\n  benches/deploy-staging.sh (bash)    {:>7.2} s   ({:.1}x orion's time)",
        o.as_secs_f64(),
        b.as_secs_f64(),
        b.as_secs_f64() / o.as_secs_f64()
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

fn version(addr: &str) -> Option<String> {
    get(addr, "/")?
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("x-orion-version:"))
        .map(|l| l[16..].trim().to_string())
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// HAProxy's weight of server `name` in backend web, from its runtime API.
fn weight(socket: &Path, name: &str) -> Option<i64> {
    let mut s = std::os::unix::net::UnixStream::connect(socket).ok()?;
    s.write_all(b"show servers state web\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    // columns: be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight ...
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.len() > 7 && f[3] == name)
        .and_then(|f| f[7].parse().ok())
}

const GATEWAY: &str = include_str!("../tests/fixtures/canary_gateway.yaml");

/// One canary that turns bad `after` its start: (to weight 0, to all-stable).
fn canary_once(after: &str) -> (Duration, Duration) {
    let scenario = format!(
        "[[image]]\nmatch = \"registry.example.com/shop/gateway:1.5.0\"\n[[image.phase]]\nafter = \"{after}\"\nerror_rate = 0.05\n"
    );
    let c = Cluster::start(&scenario, true);
    c.kubectl(&["create", "namespace", NS]);
    let file = c.dir.path().join("gateway.yaml");
    std::fs::write(&file, GATEWAY).unwrap();
    c.kubectl(&["apply", "-f", &file.display().to_string()]);
    c.kubectl(&[
        "rollout",
        "status",
        "deployment/gateway",
        "-n",
        NS,
        "--timeout=60s",
    ]);
    let ip = |svc: &str| {
        c.kubectl(&[
            "get",
            "service",
            svc,
            "-n",
            NS,
            "-o",
            "jsonpath={.spec.clusterIP}",
        ])
    };
    let (port, socket) = (free_port(), c.dir.path().join("admin.sock"));
    let cfg = format!(
        "global\n    stats socket {} mode 600 level admin\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\nfrontend fe\n    bind 127.0.0.1:{port}\n    default_backend web\nbackend web\n    balance roundrobin\n    server stable {}:8080 weight 100\n    server canary {}:8080 weight 0\n",
        socket.display(), ip("gateway"), ip("gateway-canary")
    );
    std::fs::write(c.dir.path().join("haproxy.cfg"), cfg).unwrap();
    let _haproxy = Proc(
        Command::new("haproxy")
            .arg("-f")
            .arg(c.dir.path().join("haproxy.cfg"))
            .arg("-db")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy"),
    );
    let prom_port = free_port();
    std::fs::write(
        c.dir.path().join("prometheus.yml"),
        format!("global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nscrape_configs:\n- job_name: sim\n  file_sd_configs: [{{files: ['{}'], refresh_interval: 1s}}]\n", c.dir.path().join("targets.json").display()),
    )
    .unwrap();
    let _prometheus = Proc(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                c.dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                c.dir.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus"),
    );
    let entry = format!("127.0.0.1:{port}");
    while get(&entry, "/").is_none() || get(&format!("127.0.0.1:{prom_port}"), "/-/ready").is_none()
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let on = Arc::new(AtomicBool::new(true));
    let load = {
        let (on, entry) = (on.clone(), entry.clone());
        std::thread::spawn(move || {
            while on.load(Ordering::SeqCst) {
                let _ = get(&entry, "/");
            }
        })
    };
    // The canary run, in the background; this thread watches.
    let args: Vec<String> = [
        "--env",
        "sim",
        "--set",
        "version=1.5.0",
        "--set",
        "backend=web",
        "--set",
        "approve_at=",
        "--set",
        "steps=50",
        "--set",
        "pause=5m",
        "--set",
        "interval=1s",
        "--set",
        "window=5s",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        "--set".into(),
        format!("haproxy={}", socket.display()),
        "--set".into(),
        format!("prometheus=http://127.0.0.1:{prom_port}"),
    ])
    .collect();
    let run = std::thread::scope(|s| {
        let run = s.spawn(|| c.play("canary.rhai", &args));
        // The canary pod's start, from its own metrics.
        let started = loop {
            let pods = std::process::Command::new("kubectl")
                .args([
                    "get",
                    "pods",
                    "-n",
                    NS,
                    "-l",
                    "app=gateway-canary",
                    "-o",
                    "jsonpath={.items[*].status.podIP}",
                ])
                .env("KUBECONFIG", c.kubeconfig())
                .output()
                .unwrap();
            let ip = String::from_utf8_lossy(&pods.stdout).trim().to_string();
            let metrics = (!ip.is_empty())
                .then(|| get(&format!("{ip}:8080"), "/metrics"))
                .flatten();
            if let Some(t) = metrics.and_then(|m| {
                m.lines()
                    .find(|l| l.starts_with("process_start_time_seconds"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            }) {
                break t;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let bad_at = started + orion::duration::parse(after).unwrap().as_secs_f64();
        // Wait for the canary to take its share, then for it to be taken away.
        while weight(&socket, "canary") != Some(50) {
            std::thread::sleep(Duration::from_millis(5));
        }
        while weight(&socket, "canary") != Some(0) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let zero = unix_now() - bad_at;
        let mut streak = 0;
        while streak < 20 {
            streak = if version(&entry).as_deref() == Some("1.4.2") {
                streak + 1
            } else {
                0
            };
        }
        let stable = unix_now() - bad_at;
        let (code, stderr) = run.join().unwrap();
        assert_eq!(code, 2, "{stderr}");
        (
            Duration::from_secs_f64(zero),
            Duration::from_secs_f64(stable),
        )
    });
    on.store(false, Ordering::SeqCst);
    let _ = load.join();
    run
}

fn canary() {
    let (mut zero, mut stable) = (vec![], vec![]);
    for _ in 0..3 {
        let (z, s) = canary_once("20s");
        zero.push(z);
        stable.push(s);
    }
    println!(
        "canary turning bad (5% errors) → traffic back on stable, 1 s analysis interval (median of 3; target < 5 s):\n  to HAProxy's canary weight 0          {:>6.2} s\n  to 20 consecutive answers from stable {:>6.2} s",
        median(zero).as_secs_f64(),
        median(stable).as_secs_f64()
    );
}

fn main() {
    staging();
    canary();
}
