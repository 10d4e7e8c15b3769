//! Real servers the tests start on loopback and stop when dropped:
//! PostgreSQL and Redis (Debian packages, installed by ./scripts/test),
//! HAProxy and nginx, and a small HTTP(S) server with odd
//! behaviour (tests/fixtures/odd_server.py).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) use orion_sim::testing::free_port;
use orion_sim::testing::wait_for_port;

use crate::support::process::is_root;

/// A command as the `postgres` user when running as root (PostgreSQL refuses root).
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn postgres_bin() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed (./scripts/test installs it)")
        .flatten()
        .map(|d| d.path().join("bin"))
        .filter(|d| d.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
        .expect("no PostgreSQL server binaries under /usr/lib/postgresql")
}

pub(crate) struct Postgres {
    child: Child,
    pub port: u16,
    data: PathBuf,
    _dir: tempfile::TempDir,
}

impl Postgres {
    /// A server with user `shop`, password `s3cret-pw`, database `shop`.
    pub(crate) fn start() -> Postgres {
        let bin = postgres_bin();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, "s3cret-pw\n").unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success(), "chown for postgres");
        }
        let out = as_postgres(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "shop", "--auth=scram-sha-256", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let mut child = as_postgres(&bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args([
                "-p",
                &port.to_string(),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ])
            .arg("-k")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port, "postgres", &mut child);
        // The database `shop` (initdb makes only postgres/template*). The
        // port answers before the server takes connections ("the database
        // system is starting up"): asked again until it does.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let psql = Command::new(bin.join("psql"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                    "-U",
                    "shop",
                    "-d",
                    "postgres",
                    "-c",
                    "CREATE DATABASE shop",
                ])
                .env("PGPASSWORD", "s3cret-pw")
                .output()
                .unwrap();
            if psql.status.success() {
                break;
            }
            let said = String::from_utf8_lossy(&psql.stderr).into_owned();
            assert!(
                said.contains("starting up") && Instant::now() < deadline,
                "createdb: {said}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Postgres {
            child,
            port,
            data,
            _dir: dir,
        }
    }

    pub(crate) fn dsn(&self, password: &str, db: &str) -> String {
        format!("postgres://shop:{password}@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGINT to the postmaster (runuser does not pass signals on):
        // PostgreSQL's fast shutdown.
        let pid: Option<u32> = std::fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()));
        if let Some(pid) = pid {
            crate::support::process::signal(pid, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Redis {
    child: Child,
    pub port: u16,
}

impl Redis {
    /// A server that needs the password `r3dis-pw`.
    pub(crate) fn start() -> Redis {
        let port = free_port();
        let mut child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--requirepass",
                "r3dis-pw",
            ])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (./scripts/test installs it)");
        wait_for_port(port, "redis-server", &mut child);
        Redis { child, port }
    }

    pub(crate) fn url(&self, password: &str) -> String {
        format!("redis://:{password}@127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tests/fixtures/odd_server.py, over TLS with a fresh self-signed
/// certificate when `tls` (its PEM is `ca`).
pub(crate) struct OddServer {
    child: Child,
    pub port: u16,
    pub ca: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

impl OddServer {
    pub(crate) fn start(tls: bool) -> OddServer {
        let dir = tempfile::tempdir().unwrap();
        let port_file = dir.path().join("port");
        let script = crate::support::repo().join("tests/fixtures/odd_server.py");
        let mut cmd = Command::new("python3");
        cmd.arg(script).arg(&port_file);
        let mut ca = None;
        if tls {
            let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            let (ca_cert, ca_key) = (dir.path().join("ca.pem"), dir.path().join("ca.key"));
            let csr = dir.path().join("leaf.csr");
            let ext = dir.path().join("leaf.ext");
            std::fs::write(
                &ext,
                "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
            )
            .unwrap();
            let p = |p: &PathBuf| p.display().to_string();
            // A CA, and a server certificate it signs (webpki refuses a CA as the server's own).
            for args in [
                vec![
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=orion test CA",
                    "-keyout",
                    &p(&ca_key),
                    "-out",
                    &p(&ca_cert),
                ],
                vec![
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-subj",
                    "/CN=localhost",
                    "-keyout",
                    &p(&key),
                    "-out",
                    &p(&csr),
                ],
                vec![
                    "x509",
                    "-req",
                    "-in",
                    &p(&csr),
                    "-CA",
                    &p(&ca_cert),
                    "-CAkey",
                    &p(&ca_key),
                    "-CAcreateserial",
                    "-days",
                    "1",
                    "-extfile",
                    &p(&ext),
                    "-out",
                    &p(&cert),
                ],
            ] {
                let out = Command::new("openssl")
                    .args(&args)
                    .output()
                    .expect("openssl");
                assert!(
                    out.status.success(),
                    "openssl {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            cmd.arg(&cert).arg(&key);
            ca = Some(ca_cert);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                break text.trim().parse().unwrap();
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("odd_server.py exited: {status}");
            }
            assert!(Instant::now() < deadline, "odd_server.py never started");
            std::thread::sleep(Duration::from_millis(20));
        };
        OddServer {
            child,
            port,
            ca,
            _dir: dir,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        let scheme = if self.ca.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for OddServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HAProxy (Debian package) with a frontend on a free port, backend `web`
/// with the given servers (name, address, weight), and its runtime API on a
/// unix socket at level admin.
pub(crate) struct HAProxy {
    child: Child,
    pub port: u16,
    pub socket: PathBuf,
    pub dir: tempfile::TempDir,
}

impl HAProxy {
    pub(crate) fn start(servers: &[(&str, String, i64)]) -> HAProxy {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("admin.sock");
        let port = free_port();
        let mut cfg = format!(
            "global\n    stats socket {} mode 600 level admin\n\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n\nfrontend fe\n    bind 127.0.0.1:{port}\n    default_backend web\n\nbackend web\n    balance roundrobin\n",
            socket.display()
        );
        for (name, addr, weight) in servers {
            cfg.push_str(&format!("    server {name} {addr} weight {weight}\n"));
        }
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, cfg).unwrap();
        let mut child = Command::new("haproxy")
            .arg("-f")
            .arg(&path)
            .arg("-db")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy (./scripts/test installs it)");
        wait_for_port(port, "haproxy", &mut child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(
                Instant::now() < deadline,
                "haproxy made no runtime API socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        HAProxy {
            child,
            port,
            socket,
            dir,
        }
    }
}

impl Drop for HAProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx (Debian package) in its own prefix directory, proxying a frontend
/// port to upstream `web`, which lives in `upstream.conf` (orion's file).
pub(crate) struct Nginx {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts with `upstream` as the upstream file's first content.
    pub(crate) fn start(upstream: &str) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let port = free_port();
        std::fs::write(dir.path().join("upstream.conf"), upstream).unwrap();
        let conf = format!(
            "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 256; }}\nhttp {{\n    access_log off;\n    client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n    fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    scgi_temp_path {d}/scgi;\n    include {d}/upstream.conf;\n    server {{\n        listen 127.0.0.1:{port};\n        location / {{ proxy_pass http://web; }}\n    }}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let mut child = Command::new("nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx (./scripts/test installs it)");
        wait_for_port(port, "nginx", &mut child);
        Nginx { child, port, dir }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A webhook receiver on a free loopback port: records every request (path,
/// headers, JSON body) and answers 200, or, when `hang`, accepts connections
/// and never answers.
pub(crate) struct WebhookServer {
    pub port: u16,
    requests: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// One request a `WebhookServer` got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub path: String,
    /// Header lines as sent, lowercased names: "authorization: Bearer x".
    pub headers: Vec<String>,
    pub body: serde_json::Value,
}

impl WebhookServer {
    pub(crate) fn start(hang: bool) -> WebhookServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                if hang {
                    held.push(stream); // open, never read, never answered
                    continue;
                }
                let seen = seen.clone();
                std::thread::spawn(move || {
                    use std::io::Write;
                    let mut stream = stream;
                    if let Some(r) = receive(&stream) {
                        seen.lock().unwrap().push(r);
                        let ok =
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                        let _ = stream.write_all(ok);
                    }
                });
            }
        });
        WebhookServer {
            port,
            requests,
            stop,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The requests so far to paths starting with `prefix`, in arrival order.
    pub(crate) fn received(&self, prefix: &str) -> Vec<Received> {
        let all = self.requests.lock().unwrap().clone();
        all.into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .collect()
    }
}

impl Drop for WebhookServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port)); // wakes the accept
    }
}

/// Reads one HTTP/1.1 request with a Content-Length body.
fn receive(stream: &std::net::TcpStream) -> Option<Received> {
    use std::io::{BufRead, BufReader, Read};
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end().to_string();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        let name = name.trim().to_ascii_lowercase();
        if name == "content-length" {
            length = value.trim().parse().ok()?;
        }
        headers.push(format!("{name}: {}", value.trim()));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    })
}
