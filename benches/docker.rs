//! Docker figures against the bash the old tools ran (needs a Docker
//! daemon: ORION_TEST_DOCKER, as ./scripts/test sets it for a private
//! dockerd, e.g. ORION_TEST_DOCKER=unix:///tmp/d/docker.sock):
//!
//!     cargo bench --bench docker
//!
//! - replacing a container that publishes a port (new one healthy, old one
//!   out of the way): `orion play` of `docker::replace` against `docker stop`
//!   + `docker run` + a `sleep 1` health-polling loop in bash;
//! - a Swarm update of 2 replicas: how long after the daemon reports the
//!   update completed (its UpdateStatus.CompletedAt) orion's watch returns
//!   (target < 100 ms), against a `docker service ps` polling loop.
//!
//! Prints figures; asserts nothing about them.

#[allow(dead_code)]
#[path = "../tests/support/docker.rs"]
mod support;

use orion::drivers::docker::daemon::{connect, Where};
use orion::drivers::docker::swarm::{self, Awaited, Parts};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};
use support::{clean, daemon, docker, image, service};

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn sh(script: &str) {
    let out = Command::new("sh")
        .args(["-c", script])
        .env("DOCKER_HOST", daemon())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A container `name` of `tag` publishing `port`, healthy.
fn fresh(name: &str, tag: &str, port: u16) {
    clean(&[name]);
    let (code, out) = docker(&[
        "run",
        "-d",
        "--name",
        name,
        "-p",
        &format!("127.0.0.1:{port}:8080"),
        "--stop-timeout",
        "1",
        &image(tag),
    ]);
    assert_eq!(code, 0, "{out}");
    support::healthy(name);
}

fn replace_figures() {
    let name = "orion-bench-replace";
    let port = orion_sim::testing::free_port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("replace.rhai"),
        format!(
            r#"docker::replace("{name}", "{}", #{{ grace: "1s" }});"#,
            image("2")
        ),
    )
    .unwrap();
    let bash = format!(
        r#"docker stop -t 1 {name} >/dev/null && docker rename {name} {name}-old && \
docker run -d --name {name} -p 127.0.0.1:{port}:8080 --stop-timeout 1 {img} >/dev/null && \
until [ "$(docker inspect -f '{{{{.State.Health.Status}}}}' {name})" = healthy ]; do sleep 1; done && \
docker rm {name}-old >/dev/null"#,
        img = image("2")
    );
    let (mut ours, mut theirs) = (vec![], vec![]);
    for _ in 0..RUNS {
        fresh(name, "1", port);
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_orion"))
            .args(["play", "replace.rhai", "--docker", &daemon()])
            .current_dir(dir.path())
            .output()
            .unwrap();
        ours.push(started.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        fresh(name, "1", port);
        let started = Instant::now();
        sh(&bash);
        theirs.push(started.elapsed());
    }
    clean(&[name, &format!("{name}-old")]);
    println!("container replace (published port, new one healthy), median of {RUNS}:");
    println!(
        "  orion docker::replace:                      {:>8.2?}",
        median(ours)
    );
    println!(
        "  bash docker stop/run + sleep-1 health loop: {:>8.2?}",
        median(theirs)
    );
}

/// How long after `completed_at` (RFC 3339, the daemon's clock: this machine's) `at` is.
fn after(completed_at: &str, at: SystemTime) -> Duration {
    let done: jiff::Timestamp = completed_at.parse().expect("UpdateStatus.CompletedAt");
    let at = jiff::Timestamp::try_from(at).unwrap();
    let gap = at.duration_since(done);
    Duration::try_from(gap).unwrap_or_default()
}

fn completed_at(name: &str) -> String {
    inspect_service(name, "{{json .UpdateStatus.CompletedAt}}")
        .trim_matches('"')
        .to_string()
}

fn inspect_service(name: &str, format: &str) -> String {
    let (code, out) = docker(&["service", "inspect", "-f", format, name]);
    assert_eq!(code, 0, "{out}");
    out
}

async fn swarm_figures() {
    let name = "orion-bench-swarm";
    service(name, &image("1"), 2);
    let d = connect(Where::resolve(Some(&daemon()), None))
        .await
        .unwrap();
    let (mut ours, mut theirs) = (vec![], vec![]);
    let mut tag = "1";
    for _ in 0..RUNS {
        // orion: update, then the watch.
        tag = if tag == "1" { "2" } else { "1" };
        let (service, version) = swarm::inspect(&d, name).await.unwrap();
        let want = Parts {
            image: Some(image(tag)),
            ..Parts::default()
        };
        let before = swarm::update_started(&service);
        swarm::update(&d, name, version, want.onto(service["Spec"].clone()), false)
            .await
            .unwrap();
        swarm::wait(
            &d,
            name,
            Awaited::Update,
            before,
            Duration::from_secs(120),
            |_| {},
        )
        .await
        .unwrap();
        let seen = SystemTime::now();
        ours.push(after(&completed_at(name), seen));

        // bash: docker service update --detach, then docker service ps every second.
        tag = if tag == "1" { "2" } else { "1" };
        let img = image(tag);
        sh(&format!(
            r#"docker service update --detach --no-resolve-image --image {img} {name} >/dev/null && \
until [ "$(docker service inspect -f '{{{{.UpdateStatus.State}}}}' {name})" = completed ] && \
  [ -z "$(docker service ps {name} --filter desired-state=running --format '{{{{.Image}}}} {{{{.CurrentState}}}}' | grep -v "^{img} Running")" ]; do sleep 1; done"#
        ));
        let seen = SystemTime::now();
        theirs.push(after(&completed_at(name), seen));
    }
    let _ = docker(&["service", "rm", name]);
    println!("Swarm update of 2 replicas: detection after the daemon reports it completed, median of {RUNS}:");
    println!(
        "  orion (service events + inspect):  {:>8.2?}  target < 100 ms",
        median(ours)
    );
    println!(
        "  bash docker service ps, sleep 1:    {:>8.2?}",
        median(theirs)
    );
}

fn main() {
    replace_figures();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(swarm_figures());
}
