//! The Docker tests' daemon and images. `./scripts/test` starts a private
//! dockerd and says where in ORION_TEST_DOCKER (or why it could not, in
//! ORION_TEST_DOCKER_FAILED): these tests fail without one, never skip.
//! Images are made here from a static busybox (no registry is reachable):
//! `orion-test/web:V` serves /version (V) and /version.json ({"version": V})
//! with `httpd` and has a health check;
//! `:exits` writes a line and exits 3; `:sick` serves but fails its health
//! check.

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The private daemon's address.
pub(crate) fn daemon() -> String {
    if let Ok(at) = std::env::var("ORION_TEST_DOCKER") {
        return at;
    }
    match std::env::var("ORION_TEST_DOCKER_FAILED") {
        Ok(why) => panic!("no Docker daemon for the tests: {why}"),
        Err(_) => panic!(
            "no Docker daemon for the tests: run ./scripts/test, which starts a private dockerd, or set ORION_TEST_DOCKER=unix:///path/to/docker.sock"
        ),
    }
}

/// The docker CLI against the private daemon: (status, stdout + stderr).
pub(crate) fn docker(args: &[&str]) -> (i32, String) {
    let out = Command::new("docker")
        .args(args)
        .env("DOCKER_HOST", daemon())
        .output()
        .expect("the docker CLI (./scripts/test installs docker.io)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text.trim().to_string())
}

/// A container's `docker inspect -f FORMAT`, or None when there is none.
pub(crate) fn inspect(name: &str, format: &str) -> Option<String> {
    let (code, out) = docker(&["inspect", "-f", format, name]);
    (code == 0).then_some(out)
}

/// Removes containers, whether they are there or not.
pub(crate) fn clean(names: &[&str]) {
    for n in names {
        let _ = docker(&["rm", "-f", n]);
        let _ = docker(&["rm", "-f", &format!("{n}.orion-previous")]);
    }
}

/// The image `orion-test/web:tag`, made once per test run.
pub(crate) fn image(tag: &str) -> String {
    static MADE: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let name = format!("orion-test/web:{tag}");
    let mut made = MADE.get_or_init(Default::default).lock().unwrap();
    if made.contains(&name) {
        return name;
    }
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "/bin/busybox is missing (./scripts/test installs busybox-static)"
    );
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bin")).unwrap();
    std::fs::create_dir_all(root.path().join("www")).unwrap();
    std::fs::copy(busybox, root.path().join("bin/busybox")).unwrap();
    for tool in ["sh", "httpd", "wget", "echo", "sleep", "cat"] {
        std::os::unix::fs::symlink("busybox", root.path().join("bin").join(tool)).unwrap();
    }
    std::fs::write(root.path().join("www/version"), tag).unwrap();
    std::fs::write(
        root.path().join("www/version.json"),
        format!("{{\"version\": \"{tag}\"}}"),
    )
    .unwrap();
    let serve = r#"CMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]"#;
    let (cmd, check) = match tag {
        "exits" => (
            r#"CMD ["/bin/sh", "-c", "echo cannot reach the database >&2; exit 3"]"#,
            "HEALTHCHECK NONE",
        ),
        "sick" => (
            serve,
            "HEALTHCHECK --interval=500ms --timeout=1s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1:8080/missing",
        ),
        _ => (
            serve,
            "HEALTHCHECK --interval=500ms --timeout=1s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:8080/version",
        ),
    };
    let script = format!(
        "tar -C {} -cf - . | docker import -c '{cmd}' -c '{check}' -c 'EXPOSE 8080' - {name}",
        root.path().display()
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("DOCKER_HOST", daemon())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "making {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    made.push(name.clone());
    name
}

/// Makes the tests' daemon a one-node Swarm (once per test run).
pub(crate) fn swarm() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let (_, state) = docker(&["info", "-f", "{{.Swarm.LocalNodeState}}"]);
        if state != "active" {
            let (code, out) = docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
            assert_eq!(code, 0, "docker swarm init: {out}");
        }
    });
}

/// A replicated Swarm service of `image` (tasks reached by their own
/// addresses: no routing mesh, which needs IPVS).
pub(crate) fn service(name: &str, image: &str, replicas: u32) {
    swarm();
    let _ = docker(&["service", "rm", name]);
    let (code, out) = docker(&[
        "service",
        "create",
        "--detach",
        "--name",
        name,
        "--replicas",
        &replicas.to_string(),
        "--no-resolve-image",
        "--endpoint-mode",
        "dnsrr",
        "--stop-grace-period",
        "1s",
        "--update-delay",
        "0s",
        image,
    ]);
    assert_eq!(code, 0, "docker service create: {out}");
}

/// Waits (up to 20 s) until container `name` is healthy.
pub(crate) fn healthy(name: &str) {
    let started = std::time::Instant::now();
    while inspect(name, "{{.State.Health.Status}}").as_deref() != Some("healthy") {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name} did not turn healthy"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The private daemon's TLS listener and the directory with its CA and a
/// client certificate (ca.pem, cert.pem, key.pem).
pub(crate) fn tls_daemon() -> (String, std::path::PathBuf) {
    daemon();
    let at = std::env::var("ORION_TEST_DOCKER_TLS")
        .expect("ORION_TEST_DOCKER_TLS (./scripts/test sets it)");
    let certs = std::env::var("ORION_TEST_DOCKER_CERTS")
        .expect("ORION_TEST_DOCKER_CERTS (./scripts/test sets it)");
    (at, certs.into())
}
