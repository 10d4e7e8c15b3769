//! docker:: against a real Docker Engine (the private dockerd ./scripts/test
//! starts): containers run until healthy, a failing one stops the run at
//! once with its last lines, every change journaled and put back by a failed
//! run and by `orion rollback --last`, a dry run, a daemon that is not
//! there, and hostile names.

use crate::support::docker::{clean, daemon, docker, image, inspect};
use crate::support::ORION;
use orion_sim::testing::free_port;
use orion_sim::testing::http::get;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs `orion ARGS` in `dir` (the journal goes there): (exit code, stderr).
fn orion(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(ORION)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Plays `script` in `dir` against the tests' daemon.
fn play(dir: &std::path::Path, script: &str, extra: &[&str]) -> (i32, String) {
    std::fs::write(dir.join("playbook.rhai"), script).unwrap();
    let at = daemon();
    let mut args = vec!["play", "playbook.rhai", "--docker", at.as_str()];
    args.extend_from_slice(extra);
    orion(dir, &args)
}

/// What the container publishing `port` serves at /version, once it answers.
fn version_at(port: u16) -> String {
    let addr = format!("127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Ok(a) = get(&addr, "/version") {
            return a.body.trim().to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing answers on {addr}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_container_runs_until_healthy_and_a_failed_run_removes_it() {
    let (name, port) = ("orion-t-run", free_port());
    clean(&[name]);
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        r#"let c = docker::run(#{{ name: "{name}", image: "{image}", ports: ["127.0.0.1:{port}:8080"], env: #{{ MODE: "blue" }}, stop_grace: "1s" }});
        info(`ran ${{c.name}} ${{c.image}} ${{c.health}} ${{c.running}}`);
        info(`listed ${{docker::list(#{{ name: "{name}" }}).map(|c| c.name)}}`);
        info(`inspected ${{docker::inspect("{name}").status}} ${{docker::inspect("orion-t-none") == ()}}`);
        step("verify", || fail("the new version is bad"));"#,
        image = image("1")
    );
    let (code, said) = play(dir.path(), &script, &[]);
    assert_eq!(code, 3, "{said}");
    assert!(
        said.contains(&format!(
            "docker container {name}: run orion-test/web:1 (ports {port}:8080)"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("container {name} is healthy")),
        "{said}"
    );
    assert!(
        said.contains(&format!("ran {name} orion-test/web:1 healthy true")),
        "{said}"
    );
    assert!(said.contains(&format!("listed [\"{name}\"]")), "{said}");
    assert!(said.contains("inspected running true"), "{said}");
    assert!(
        said.contains(&format!("undone: container/{name}")) && said.contains("(removed)"),
        "{said}"
    );
    assert_eq!(
        inspect(name, "{{.Id}}"),
        None,
        "the run's container is gone"
    );

    // Kept by a run that succeeds: it answers on its port.
    let (code, said) = play(
        dir.path(),
        &script.replace(r#"step("verify", || fail("the new version is bad"));"#, ""),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert_eq!(version_at(port), "1");
    clean(&[name]);
}

#[test]
fn a_container_that_exits_or_turns_unhealthy_fails_the_run_at_once_with_its_last_lines() {
    let dir = tempfile::tempdir().unwrap();
    for (tag, says) in [("exits", "exited with code 3"), ("sick", "is unhealthy")] {
        let name = format!("orion-t-{tag}");
        clean(&[&name]);
        let started = Instant::now();
        let (code, said) = play(
            dir.path(),
            &format!(
                r#"step("deploy", || docker::run(#{{ name: "{name}", image: "{}", stop_grace: "1s", timeout: "60s" }}));"#,
                image(tag)
            ),
            &[],
        );
        assert_eq!(code, 2, "{said}");
        assert!(said.contains(&format!("container {name} {says}")), "{said}");
        if tag == "exits" {
            assert!(
                said.contains("its last lines:\n  cannot reach the database"),
                "{said}"
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "took {:?}",
            started.elapsed()
        );
        assert!(said.contains("(removed)"), "{said}");
        assert_eq!(inspect(&name, "{{.Id}}"), None);
    }
}

#[test]
fn a_stopped_or_removed_container_is_put_back_by_a_failed_run_and_by_rollback() {
    let (web, db, port) = ("orion-t-keep-web", "orion-t-keep-db", free_port());
    clean(&[web, db]);
    let dir = tempfile::tempdir().unwrap();
    for (name, publish) in [(web, format!("127.0.0.1:{port}:8080")), (db, "8080".into())] {
        let (code, out) = docker(&[
            "run",
            "-d",
            "--name",
            name,
            "-p",
            &publish,
            "--stop-timeout",
            "1",
            &image("1"),
        ]);
        assert_eq!(code, 0, "{out}");
    }
    assert_eq!(version_at(port), "1");
    let change = format!(
        r#"docker::remove("{web}", #{{ grace: "1s" }}); docker::stop("{db}", #{{ grace: "1s" }});"#
    );
    let (code, said) = play(
        dir.path(),
        &format!("{change} fail(\"smoke tests failed\");"),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains(&format!("undone: container/{web}")) && said.contains("(restored)"),
        "{said}"
    );
    assert_eq!(inspect(web, "{{.State.Running}}").as_deref(), Some("true"));
    assert_eq!(inspect(db, "{{.State.Running}}").as_deref(), Some("true"));
    assert_eq!(inspect(&format!("{web}.orion-previous"), "{{.Id}}"), None);
    assert_eq!(version_at(port), "1");

    // A run that succeeds, then `orion rollback --last`.
    let (code, said) = play(dir.path(), &change, &[]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(inspect(web, "{{.Id}}"), None);
    assert_eq!(
        inspect(&format!("{web}.orion-previous"), "{{.State.Running}}").as_deref(),
        Some("false")
    );
    assert_eq!(inspect(db, "{{.State.Running}}").as_deref(), Some("false"));
    let (code, said) = orion(dir.path(), &["rollback", "--last"]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(
        inspect(web, "{{.State.Running}}").as_deref(),
        Some("true"),
        "{said}"
    );
    assert_eq!(
        inspect(db, "{{.State.Running}}").as_deref(),
        Some("true"),
        "{said}"
    );
    assert_eq!(version_at(port), "1");
    clean(&[web, db]);
}

#[test]
fn a_dry_run_shows_each_docker_change_and_makes_none() {
    let (name, kept) = ("orion-t-dry-new", "orion-t-dry-old");
    clean(&[name, kept]);
    let (code, out) = docker(&[
        "run",
        "-d",
        "--name",
        kept,
        "--stop-timeout",
        "1",
        &image("1"),
    ]);
    assert_eq!(code, 0, "{out}");
    let dir = tempfile::tempdir().unwrap();
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"let c = docker::run(#{{ name: "{name}", image: "{}" }}); info(`dry ${{c.dry_run}}`);
            docker::stop("{kept}"); docker::remove("{kept}");"#,
            image("2")
        ),
        &["--dry-run"],
    );
    assert_eq!(code, 0, "{said}");
    for line in [
        format!("(dry run) docker container {name}: run orion-test/web:2"),
        format!("(dry run) docker container {kept}: stop"),
        format!("(dry run) docker container {kept}: remove"),
        "dry true".to_string(),
    ] {
        assert!(said.contains(&line), "{line}\n{said}");
    }
    assert_eq!(inspect(name, "{{.Id}}"), None);
    assert_eq!(inspect(kept, "{{.State.Running}}").as_deref(), Some("true"));
    clean(&[name, kept]);
}

#[test]
fn a_daemon_that_is_not_there_stops_the_run_in_pre_flight_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("playbook.rhai"),
        r#"docker::run(#{ name: "orion-t-nowhere", image: "orion-test/web:1" });"#,
    )
    .unwrap();
    let gone = dir.path().join("docker.sock");
    let at = format!("unix://{}", gone.display());
    let (code, said) = orion(dir.path(), &["play", "playbook.rhai", "--docker", &at]);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!("cannot reach the Docker daemon at {at}")),
        "{said}"
    );
    assert!(said.contains("hint: is dockerd running there"), "{said}");
    assert!(
        !dir.path().join(".orion/journal").exists(),
        "nothing was journaled"
    );
}

#[test]
fn hostile_names_and_options_are_refused_before_the_daemon_hears_of_them() {
    let dir = tempfile::tempdir().unwrap();
    for (script, says) in [
        (
            r#"docker::run(#{ name: "../containers/x", image: "busybox" });"#,
            "is not a container name",
        ),
        (
            r#"docker::run(#{ name: "x", image: "busybox?fromSrc=http://evil" });"#,
            "is not an image reference",
        ),
        (
            r#"docker::run(#{ name: "x", image: "busybox", volumes: ["/:/host"] });"#,
            "unknown option \"volumes\"",
        ),
        (
            r#"docker::run(#{ name: "x", image: "busybox", ports: ["0.0.0.0:22:22:22"] });"#,
            "is not a port",
        ),
        (
            r#"docker::stop("x/../../images/busybox");"#,
            "is not a container name",
        ),
        (r#"docker::logs("x", 0);"#, "logs: n is from 1 to 10000"),
    ] {
        let (code, said) = play(dir.path(), script, &[]);
        assert_ne!(code, 0, "{script}: {said}");
        assert!(said.contains(says), "{script}: {said}");
    }
}

#[test]
fn replace_runs_the_new_image_as_the_old_was_configured_and_a_failing_one_is_put_back() {
    let (web, worker, port) = ("orion-t-replace-web", "orion-t-replace-worker", free_port());
    clean(&[web, worker]);
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = docker(&[
        "run",
        "-d",
        "--name",
        web,
        "-p",
        &format!("127.0.0.1:{port}:8080"),
        "-e",
        "MODE=blue",
        "--label",
        "app=web",
        "--stop-timeout",
        "1",
        &image("1"),
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = docker(&[
        "run",
        "-d",
        "--name",
        worker,
        "--stop-timeout",
        "1",
        &image("1"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(version_at(port), "1");

    // Published host ports: the old one stops first. No ports: side by side.
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"let c = docker::replace("{web}", "{v2}", #{{ grace: "1s" }}); info(`now ${{c.image}} ${{c.health}}`);
            docker::replace("{worker}", "{v2}", #{{ grace: "1s" }});"#,
            v2 = image("2")
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("now orion-test/web:2 healthy"), "{said}");
    assert!(
        said.contains("the old one stops first: the new one needs its host ports"),
        "{said}"
    );
    assert!(
        said.contains("the old one stops once the new one is up"),
        "{said}"
    );
    assert_eq!(version_at(port), "2");
    assert!(inspect(web, "{{range .Config.Env}}{{.}} {{end}}")
        .unwrap_or_default()
        .contains("MODE=blue"));
    assert_eq!(
        inspect(web, "{{index .Config.Labels \"app\"}}").as_deref(),
        Some("web")
    );
    assert_eq!(
        inspect(&format!("{worker}.orion-previous"), "{{.State.Running}}").as_deref(),
        Some("false")
    );

    // A version that never turns healthy: the run fails and 2 is back.
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"step("deploy", || docker::replace("{web}", "{}", #{{ grace: "1s", timeout: "30s" }}));"#,
            image("sick")
        ),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains(&format!("container {web} is unhealthy")),
        "{said}"
    );
    assert!(
        said.contains(&format!("undone: container/{web}")) && said.contains("(restored)"),
        "{said}"
    );
    assert_eq!(version_at(port), "2");
    assert_eq!(
        inspect(web, "{{.Config.Image}}").as_deref(),
        Some("orion-test/web:2")
    );

    // A replace that went through, undone by `orion rollback --last`.
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"docker::replace("{web}", "{}", #{{ grace: "1s" }});"#,
            image("1")
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert_eq!(version_at(port), "1");
    let (code, said) = orion(dir.path(), &["rollback", "--last"]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(version_at(port), "2");
    clean(&[web, worker]);
}

/// The images a service's running tasks run, sorted.
fn task_images(name: &str) -> Vec<String> {
    let (_, out) = docker(&[
        "service",
        "ps",
        name,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Image}} {{.CurrentState}}",
    ]);
    let mut images: Vec<String> = out
        .lines()
        .filter(|l| l.contains("Running"))
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect();
    images.sort();
    images
}

#[test]
fn a_swarm_service_is_updated_watched_rolled_back_and_put_back() {
    use crate::support::docker::service;
    let name = "orion-t-svc";
    service(name, &image("1"), 2);
    let dir = tempfile::tempdir().unwrap();
    let svc = format!(r#"let s = docker::service("{name}");"#);

    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{svc} let r = s.update(#{{ image: "{}", parallelism: 1, order: "start-first", monitor: "1s", timeout: "60s" }});
            info(`now ${{r.image}} x${{r.replicas}} ${{r.update_status}}`);"#,
            image("2")
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains(&format!(
            "docker service {name}: update image orion-test/web:2"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("service {name} rolled out in")),
        "{said}"
    );
    assert!(said.contains("now orion-test/web:2 x2 completed"), "{said}");
    assert_eq!(task_images(name), ["orion-test/web:2", "orion-test/web:2"]);

    // A dry run says what it would change and changes nothing.
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{svc} s.update(#{{ image: "{}" }}); s.scale(5);"#,
            image("1")
        ),
        &["--dry-run"],
    );
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains(&format!(
            "(dry run) docker service {name}: update image orion-test/web:1"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("(dry run) docker service {name}: scale to 5")),
        "{said}"
    );
    assert_eq!(task_images(name), ["orion-test/web:2", "orion-test/web:2"]);

    // A version whose tasks exit: Swarm pauses the update; the run fails
    // with the tasks' errors and puts 2 back.
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{svc} step("deploy", || s.update(#{{ image: "{}", failure_action: "pause", monitor: "2s", timeout: "60s" }}));"#,
            image("exits")
        ),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("Swarm says the update is paused"), "{said}");
    assert!(
        said.contains("orion-test/web:exits") && said.contains("failed"),
        "{said}"
    );
    assert!(
        said.contains(&format!("undone: service/{name}")) && said.contains("(restored)"),
        "{said}"
    );
    assert_eq!(task_images(name), ["orion-test/web:2", "orion-test/web:2"]);

    // Swarm's own rollback goes to the spec before the last one (the
    // undo above wrote the last one: a fresh update to 1 comes first);
    // orion rollback --last undoes the run that rolled back.
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{svc} s.update(#{{ image: "{}", timeout: "60s" }});"#,
            image("1")
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    let (code, said) = play(
        dir.path(),
        &format!(r#"{svc} let r = s.rollback(); info(`back on ${{r.image}}`);"#),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("back on orion-test/web:2"), "{said}");
    assert_eq!(
        task_images(name),
        ["orion-test/web:2", "orion-test/web:2"],
        "{said}"
    );
    let (code, said) = orion(dir.path(), &["rollback", "--last"]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(
        task_images(name),
        ["orion-test/web:1", "orion-test/web:1"],
        "{said}"
    );
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{svc} s.scale(3); info(`tasks ${{s.tasks().len()}}`); fail("smoke tests failed");"#
        ),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains(&format!("docker service {name}: scale to 3")),
        "{said}"
    );
    assert_eq!(task_images(name).len(), 2, "{said}");

    // The shipped rolling-update playbook.
    let playbook =
        std::fs::read_to_string(crate::support::repo().join("playbooks/docker/swarm-rolling.rhai"))
            .unwrap();
    let (code, said) = play(
        dir.path(),
        &playbook,
        &[
            "--set",
            &format!("service={name}"),
            "--set",
            "image=orion-test/web",
            "--set",
            "version=2",
            "--set",
            "monitor=1s",
        ],
    );
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains(&format!("{name}: every task runs orion-test/web:2")),
        "{said}"
    );
    assert_eq!(
        task_images(name),
        ["orion-test/web:2", "orion-test/web:2"],
        "{said}"
    );
    let _ = docker(&["service", "rm", name]);
}

#[test]
fn the_shipped_blue_green_playbook_moves_haproxy_traffic_between_containers() {
    let (blue, green) = ("orion-t-bg-blue", "orion-t-bg-green");
    clean(&[blue, green]);
    let (pb, pg) = (free_port(), free_port());
    for (name, port) in [(blue, pb), (green, pg)] {
        let (code, out) = docker(&[
            "run",
            "-d",
            "--name",
            name,
            "-p",
            &format!("127.0.0.1:{port}:8080"),
            "--stop-timeout",
            "1",
            &image("1"),
        ]);
        assert_eq!(code, 0, "{out}");
    }
    crate::support::docker::healthy(blue);
    crate::support::docker::healthy(green);
    let lb = crate::support::servers::HAProxy::start(&[
        ("blue", format!("127.0.0.1:{pb}"), 100),
        ("green", format!("127.0.0.1:{pg}"), 0),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let playbook =
        std::fs::read_to_string(crate::support::repo().join("playbooks/docker/blue-green.rhai"))
            .unwrap();
    let entry = format!("http://127.0.0.1:{}/version.json", lb.port);
    let socket = lb.socket.display().to_string();
    let release = |version: &str| {
        let image = image(version);
        let (repo, tag) = image.split_once(':').unwrap();
        play(
            dir.path(),
            &playbook,
            &[
                "--set",
                &format!("version={tag}"),
                "--set",
                &format!("image={repo}"),
                "--set",
                "name=orion-t-bg",
                "--set",
                &format!("haproxy={socket}"),
                "--set",
                "backend=web",
                "--set",
                &format!("entry={entry}"),
                "--set",
                "keep=2s",
                "--set",
                "interval=500ms",
                "--set",
                "grace=1s",
            ],
        )
    };
    let (code, said) = release("2");
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("orion-t-bg: blue is live (1); orion-test/web:2 goes to green"),
        "{said}"
    );
    assert!(
        said.contains("verified haproxy") && said.contains("green 100.0%"),
        "{said}"
    );
    assert!(said.contains("traffic on green"), "{said}");
    let seen: Vec<String> = (0..10)
        .map(|_| {
            get(&format!("127.0.0.1:{}", lb.port), "/version")
                .unwrap()
                .body
        })
        .collect();
    assert!(seen.iter().all(|v| v.trim() == "2"), "{seen:?}");
    assert_eq!(
        inspect(blue, "{{.State.Running}}").as_deref(),
        Some("false"),
        "the old track is retired"
    );

    // A release that never turns healthy fails before the switch; the
    // idle track's container is put back and traffic never moved.
    let (code, said) = release("sick");
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains(&format!("container {blue} is unhealthy")),
        "{said}"
    );
    assert!(
        said.contains(&format!("undone: container/{blue}")),
        "{said}"
    );
    assert_eq!(
        inspect(blue, "{{.Config.Image}}").as_deref(),
        Some("orion-test/web:1")
    );
    assert_eq!(
        get(&format!("127.0.0.1:{}", lb.port), "/version")
            .unwrap()
            .body
            .trim(),
        "2"
    );
    clean(&[blue, green]);
}

#[test]
fn ctrl_c_during_a_swarm_update_ends_the_run_with_the_service_put_back() {
    use crate::support::docker::service;
    use std::io::{BufRead, BufReader};
    let name = "orion-t-svc-ctrl-c";
    service(name, &image("1"), 2);
    let started = Instant::now();
    while task_images(name) != ["orion-test/web:1", "orion-test/web:1"] {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the service did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let dir = tempfile::tempdir().unwrap();
    // Each new task is watched for 30 s: the update is still going when
    // Ctrl-C comes.
    std::fs::write(
        dir.path().join("playbook.rhai"),
        format!(
            r#"step("deploy", || docker::service("{name}").update(#{{ image: "{}", parallelism: 1, monitor: "30s", timeout: "5m" }}));"#,
            image("2")
        ),
    )
    .unwrap();
    let mut child = Command::new(ORION)
        .args(["play", "playbook.rhai", "--docker", &daemon()])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains(&format!("docker service {name}: update")) {
        assert_ne!(stderr.read_line(&mut said).unwrap(), 0, "{said}");
    }
    std::thread::sleep(Duration::from_secs(1));
    let interrupted = Instant::now();
    crate::support::process::signal(child.id(), libc::SIGINT);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let code = child.wait().unwrap().code();
    let said = format!("{said}{rest}");
    assert_eq!(code, Some(5), "{said}");
    assert!(
        said.contains(&format!("undone: service/{name}")) && said.contains("(restored)"),
        "{said}"
    );
    assert!(interrupted.elapsed() < Duration::from_secs(90), "{said}");
    assert_eq!(
        task_images(name),
        ["orion-test/web:1", "orion-test/web:1"],
        "{said}"
    );
    let _ = docker(&["service", "rm", name]);
}

#[test]
fn the_rolling_and_canary_strategies_run_unchanged_on_containers_behind_haproxy() {
    use crate::support::docker::healthy;
    use crate::support::servers::HAProxy;
    let servers = ["orion-t-roll-1", "orion-t-roll-2", "orion-t-roll-3"];
    clean(&servers);
    let ports: Vec<u16> = servers.iter().map(|_| free_port()).collect();
    for (name, port) in servers.iter().zip(&ports) {
        let (code, out) = docker(&[
            "run",
            "-d",
            "--name",
            name,
            "-p",
            &format!("127.0.0.1:{port}:8080"),
            "--stop-timeout",
            "1",
            &image("1"),
        ]);
        assert_eq!(code, 0, "{out}");
    }
    for name in servers {
        healthy(name);
    }
    let lb = HAProxy::start(
        &servers
            .iter()
            .zip(&ports)
            .map(|(n, p)| (*n, format!("127.0.0.1:{p}"), 10))
            .collect::<Vec<_>>(),
    );
    let dir = tempfile::tempdir().unwrap();
    let port_map: Vec<String> = servers
        .iter()
        .zip(&ports)
        .map(|(n, p)| format!("\"{n}\": {p}"))
        .collect();
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"import "orion/rolling" as rolling;
            let lb = traffic::haproxy(#{{ socket: "{socket}", backend: "web" }});
            let ports = #{{ {ports} }};
            rolling::behind_lb(lb, [["{a}"], ["{b}", "{c}"]],
                |server| docker::replace(server, "{v2}", #{{ grace: "1s" }}),
                |server| health::http(`http://127.0.0.1:${{ports[server]}}/version`, #{{ contains: "2", retries: 3 }}));"#,
            socket = lb.socket.display(),
            ports = port_map.join(", "),
            a = servers[0],
            b = servers[1],
            c = servers[2],
            v2 = image("2")
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("batch 2/2"), "{said}");
    let seen: Vec<String> = (0..12)
        .map(|_| {
            get(&format!("127.0.0.1:{}", lb.port), "/version")
                .unwrap()
                .body
                .trim()
                .to_string()
        })
        .collect();
    assert!(seen.iter().all(|v| v == "2"), "{seen:?}");
    clean(&servers);

    // A canary: a new container beside the stable one, its share of HAProxy's
    // traffic raised step by step and sampled, then promoted.
    let (stable, canary, ps, pc) = (
        "orion-t-can-stable",
        "orion-t-can-canary",
        free_port(),
        free_port(),
    );
    clean(&[stable, canary]);
    let (code, out) = docker(&[
        "run",
        "-d",
        "--name",
        stable,
        "-p",
        &format!("127.0.0.1:{ps}:8080"),
        "--stop-timeout",
        "1",
        &image("1"),
    ]);
    assert_eq!(code, 0, "{out}");
    healthy(stable);
    let lb = HAProxy::start(&[
        ("stable", format!("127.0.0.1:{ps}"), 100),
        ("canary", format!("127.0.0.1:{pc}"), 0),
    ]);
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"import "orion/canary" as canary;
            let lb = traffic::haproxy(#{{ socket: "{socket}", backend: "web" }});
            docker::run(#{{ name: "{canary}", image: "{v2}", ports: ["127.0.0.1:{pc}:8080"], stop_grace: "1s" }});
            canary::run(#{{ router: lb, stable: "stable", canary: "canary", steps: [50, 100], pause: "300ms", interval: "100ms",
                verify: #{{ entry: "http://127.0.0.1:{port}/version.json", identify: #{{ json: "version" }},
                           identities: #{{ stable: "1", canary: "2" }}, requests: 100, tolerance: 10 }},
                promote: || docker::replace("{stable}", "{v2}", #{{ grace: "1s" }}) }});"#,
            socket = lb.socket.display(),
            port = lb.port,
            v2 = image("2")
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("verified haproxy") && said.contains("canary 100.0%, stable 0.0%"),
        "{said}"
    );
    assert_eq!(
        inspect(stable, "{{.Config.Image}}").as_deref(),
        Some("orion-test/web:2")
    );
    clean(&[stable, canary]);
}

#[test]
fn a_daemon_is_reached_over_tcp_with_tls_and_a_certificate_from_another_ca_is_refused() {
    let (at, certs) = crate::support::docker::tls_daemon();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("playbook.rhai"),
        r#"info(`containers named so: ${docker::list(#{ name: "orion-t-tls-none" }).len()}`);"#,
    )
    .unwrap();
    let config = |tls: &std::path::Path| {
        std::fs::write(
            dir.path().join("orion.toml"),
            format!(
                "[environments.test]\ndocker = \"{at}\"\ndocker_tls = \"{}\"\n",
                tls.display()
            ),
        )
        .unwrap();
    };
    config(&certs);
    let (code, said) = orion(dir.path(), &["play", "playbook.rhai", "--env", "test"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("containers named so: 0"), "{said}");

    // The same client certificate, but trusting another CA: the daemon's
    // certificate is not accepted.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    for f in ["cert.pem", "key.pem"] {
        std::fs::copy(certs.join(f), other.join(f)).unwrap();
    }
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=another CA",
        ])
        .arg("-keyout")
        .arg(other.join("ca-key.pem"))
        .arg("-out")
        .arg(other.join("ca.pem"))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    config(&other);
    let (code, said) = orion(dir.path(), &["play", "playbook.rhai", "--env", "test"]);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!("the Docker daemon at {at} does not answer")),
        "{said}"
    );
    assert!(said.to_lowercase().contains("certificate"), "{said}");
}

#[test]
fn a_frozen_environment_refuses_docker_changes_and_approval_is_asked_for_them() {
    let name = "orion-t-gate";
    clean(&[name]);
    let dir = tempfile::tempdir().unwrap();
    let at = daemon();
    let write = |extra: &str| {
        std::fs::write(
            dir.path().join("orion.toml"),
            format!("[environments.prod]\ndocker = \"{at}\"\n{extra}"),
        )
        .unwrap();
    };
    std::fs::write(
        dir.path().join("playbook.rhai"),
        format!(
            r#"docker::run(#{{ name: "{name}", image: "{}", stop_grace: "1s" }});"#,
            image("1")
        ),
    )
    .unwrap();
    write("freeze = true\nfreeze_reason = \"release freeze until Monday\"\n");
    let (code, said) = orion(dir.path(), &["play", "playbook.rhai", "--env", "prod"]);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("release freeze until Monday"), "{said}");
    assert_eq!(inspect(name, "{{.Id}}"), None);

    // Approval required and no one to ask (no terminal, no --yes): exit 5.
    write("approval = \"required\"\n");
    let (code, said) = orion(dir.path(), &["play", "playbook.rhai", "--env", "prod"]);
    assert_eq!(code, 5, "{said}");
    assert_eq!(inspect(name, "{{.Id}}"), None);
    let (code, said) = orion(
        dir.path(),
        &[
            "play",
            "playbook.rhai",
            "--env",
            "prod",
            "--yes",
            "--approver",
            "ci",
        ],
    );
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("approved by ci"), "{said}");
    clean(&[name]);
}
