//! The `metrics` namespace against a real Prometheus scraping simulated
//! pods, metrics.k8s.io of the simulated cluster, and a real HTTP server.

use crate::support::servers::{free_port, OddServer};
use orion::report::event::Event;
use orion::report::memory::Memory;
use orion::{Outcome, Runtime};
use orion_sim::scenario::Scenario;
use orion_sim::testing::deployment;
use orion_sim::testing::http::{get, get_when_up};
use orion_sim::testing::KubectlCluster;
use orion_sim::testing::Prometheus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Runs `script` against the cluster of `kubeconfig`; its outcome and events.
fn play(kubeconfig: &std::path::Path, script: &str) -> (Outcome, Vec<Event>) {
    let memory = Arc::new(Memory::default());
    let dir = tempfile::tempdir().unwrap();
    let runtime = Runtime::builder()
        .kubeconfig(kubeconfig.to_path_buf())
        .journal_dir(dir.path())
        .sink(memory.clone())
        .build()
        .unwrap();
    let outcome = runtime.run_script("test.rhai", script);
    (outcome, memory.events())
}

/// The logged messages of `events`, one per line.
fn logs(events: &[Event]) -> String {
    let lines: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Log { message, .. } => Some(message.clone()),
            _ => None,
        })
        .collect();
    lines.join("\n")
}

/// The Metric events: (query, value, verdict, detail).
fn metrics(events: &[Event]) -> Vec<(String, Option<f64>, Option<String>, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Metric {
                query,
                value,
                verdict,
                detail,
                ..
            } => Some((query.clone(), *value, verdict.clone(), detail.clone())),
            _ => None,
        })
        .collect()
}

fn succeeds(kubeconfig: &std::path::Path, script: &str) -> Vec<Event> {
    let (outcome, events) = play(kubeconfig, script);
    assert!(
        outcome.succeeded(),
        "{:?}\nlogs:\n{}",
        outcome.error,
        logs(&events)
    );
    events
}

fn fails(kubeconfig: &std::path::Path, script: &str) -> String {
    let (outcome, events) = play(kubeconfig, script);
    let e = outcome
        .error
        .unwrap_or_else(|| panic!("expected a failure; logs:\n{}", logs(&events)));
    format!("{}\n{}", e.message, e.hint.unwrap_or_default())
}

/// Requests to every address until dropped.
struct Traffic(Arc<AtomicBool>);

impl Traffic {
    fn start(addrs: Vec<String>) -> Traffic {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                for a in &addrs {
                    let _ = get(a, "/checkout");
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Traffic(stop)
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// 5xx share of a deployment's requests over 10 s (0 when none failed).
fn error_ratio(deployment: &str) -> String {
    format!(
        r#"(sum(rate(http_requests_total{{deployment="{deployment}",code=~"5.."}}[10s])) or vector(0)) / sum(rate(http_requests_total{{deployment="{deployment}"}}[10s]))"#
    )
}

/// A cluster with "bad" (20% errors), "base" and "twin" (2% each) under
/// traffic, scraped by a real Prometheus until it has `seconds` of rates.
fn lab(seconds: u64) -> (KubectlCluster, Prometheus, Traffic) {
    let c = KubectlCluster::start_with(|config, dir| {
        config.scenario = Scenario::parse(
            "[[image]]\nmatch = \"shop/web:2*\"\nerror_rate = 0.2\n[[image]]\nmatch = \"shop/web:1*\"\nerror_rate = 0.02\n",
        )
        .unwrap();
        // The traffic is sent from this machine straight to pod IPs: host pod network.
        config.scenario.cluster.pod_network = orion_sim::PodNetwork::Host;
        config.scrape_targets = Some(dir.join("targets.json"));
    });
    for (name, image) in [
        ("bad", "shop/web:2.0"),
        ("base", "shop/web:1.0"),
        ("twin", "shop/web:1.0"),
    ] {
        c.apply(
            &format!("{name}.yaml"),
            &deployment(name, image, 1, &format!("app: {name}")),
        );
    }
    let mut pods = vec![];
    for name in ["bad", "base", "twin"] {
        c.ready(name, 1);
        let pod = format!("{}:8080", c.pod_ips(&format!("app={name}"))[0]);
        get_when_up(&pod, "/healthz");
        pods.push(pod);
    }
    let targets = c.dir.path().join("targets.json");
    let traffic = Traffic::start(pods);
    let prometheus = Prometheus::start(&targets);
    let deadline = Instant::now() + Duration::from_secs(60);
    let rated = "count(rate(http_requests_total[10s]) > 0) >= 3";
    while prometheus.value(rated).is_none() {
        assert!(
            Instant::now() < deadline,
            "Prometheus never rated the three deployments' requests"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(seconds));
    (c, prometheus, traffic)
}

#[test]
fn values_no_data_policies_and_asserts_against_scraped_pods() {
    let (c, prom, _traffic) = lab(2);
    let k = &c.kubeconfig;
    let url = prom.url();
    let events = succeeds(
        k,
        &format!(
            r#"let p = metrics::prometheus("{url}");
        let up = p.query("up");
        let names = up.map(|s| s.labels.deployment);
        names.sort();
        info(`up: ${{up.len()}} series, ${{names}}`);
        info(`sum: ${{p.value("sum(up)")}}`);
        info(`missing inconclusive: ${{p.value("nothing_here", #{{no_data: "inconclusive"}}) == ()}}`);
        info(`missing zero: ${{p.value("nothing_here", #{{no_data: "zero"}})}}`);
        let r = p.assert(`{good}`, "<", 0.1);
        info(`good: ${{r.ok}} ${{r.value}}`);
        let range = p.query_range("sum(up)", #{{window: "10s", step: "1s"}});
        let points = range[0].values;
        info(`range: ${{range.len()}} series, ${{points.len() >= 3}}, ${{points[points.len() - 1][1]}}`);
        "#,
            good = error_ratio("base"),
        ),
    );
    let text = logs(&events);
    assert!(
        text.contains(r#"up: 3 series, ["bad", "base", "twin"]"#),
        "{text}"
    );
    assert!(text.contains("sum: 3.0"), "{text}");
    assert!(text.contains("missing inconclusive: true"), "{text}");
    assert!(text.contains("missing zero: 0.0"), "{text}");
    assert!(text.contains("good: true"), "{text}");
    assert!(text.contains("range: 1 series, true, 3.0"), "{text}");
    let m = metrics(&events);
    assert!(
        m.iter()
            .any(|(q, v, verdict, _)| q == "sum(up)" && *v == Some(3.0) && verdict.is_none()),
        "{m:?}"
    );
    assert!(
        m.iter().any(|(q, v, verdict, d)| q == "nothing_here"
            && v.is_none()
            && verdict.as_deref() == Some("inconclusive")
            && d.contains("inconclusive")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|(q, _, verdict, d)| q.contains("deployment=\"base\"")
                && verdict.as_deref() == Some("pass")
                && d == "< 0.1"),
        "{m:?}"
    );

    let e = fails(
        k,
        &format!(r#"metrics::prometheus("{url}").value("nothing_here");"#),
    );
    assert!(
        e.contains(&format!(
            "nothing_here has no data at {url} (no series, or NaN)"
        )),
        "{e}"
    );
    assert!(
        e.contains(r#"no_data: "error" (the default), "inconclusive" (returns ()) or "zero""#),
        "{e}"
    );
    let e = fails(k, &format!(r#"metrics::prometheus("{url}").value("up");"#));
    assert!(e.contains("up gives 3 series, not one number: up{"), "{e}");
    assert!(e.contains("aggregate it"), "{e}");
    let e = fails(
        k,
        &format!(r#"metrics::prometheus("{url}").value("sum(");"#),
    );
    assert!(
        e.contains(&format!(
            "Prometheus at {url} refused the query sum( (400 Bad Request, bad_data)"
        )),
        "{e}"
    );
    let e = fails(
        k,
        &format!(r#"metrics::prometheus("{url}").value("up", #{{no_data: "skip", tries: 2}});"#),
    );
    assert!(
        e.contains("value has no option \"tries\"") && e.contains("its options are no_data"),
        "{e}"
    );

    let bad = error_ratio("bad");
    let e = fails(
        k,
        &format!(r#"metrics::prometheus("{url}").assert(`{bad}`, "<", 0.05);"#),
    );
    let value: f64 = e
        .split_once(&format!("{bad} is "))
        .and_then(|(_, rest)| rest.split_once(&format!(" at {url}, not < 0.05")))
        .and_then(|(v, _)| v.parse().ok())
        .unwrap_or_else(|| panic!("no value in {e}"));
    assert!((0.08..=0.4).contains(&value), "{value} from {e}");
    assert!(
        e.starts_with("metric check failed: (sum(rate(http_requests_total{deployment=\"bad\""),
        "{e}"
    );
}

#[test]
fn compare_fails_a_worse_canary_and_passes_an_equal_one() {
    let (c, prom, _traffic) = lab(12);
    let k = &c.kubeconfig;
    let url = prom.url();
    let (bad, base, twin) = (error_ratio("bad"), error_ratio("base"), error_ratio("twin"));
    // Traffic goes round the pods in turn: base and twin serve the same rate.
    let rate = |d: &str| format!(r#"sum(rate(http_requests_total{{deployment="{d}"}}[10s]))"#);
    let (base_rate, twin_rate) = (rate("base"), rate("twin"));
    let opts = r#"window: "12s", step: "1s""#;
    let e = fails(
        k,
        &format!(
            r#"metrics::prometheus("{url}").compare(`{bad}`, `{base}`, #{{{opts}, min_samples: 8}});"#
        ),
    );
    assert!(
        e.starts_with("canary analysis failed: the canary is significantly higher (p = "),
        "{e}"
    );
    assert!(e.contains("#{soft: true}"), "{e}");
    let events = succeeds(
        k,
        &format!(
            r#"let p = metrics::prometheus("{url}");
        let worse = p.compare(`{bad}`, `{base}`, #{{{opts}, min_samples: 8, soft: true}});
        info(`worse: ${{worse.verdict}} ${{worse.p_value < 0.05}} ${{worse.increase > 1.0}} ${{worse.canary_samples >= 8}}`);
        let same = p.compare(`{twin_rate}`, `{base_rate}`, #{{{opts}, min_samples: 8}});
        info(`same: ${{same.verdict}} ${{same.canary_median > 10.0}} ${{same.increase.abs() < 0.1}}`);
        let few = p.compare(`{twin}`, `{base}`, #{{{opts}, min_samples: 1000}});
        info(`few: ${{few.verdict}} ${{few.reason}}`);
        "#
        ),
    );
    let text = logs(&events);
    assert!(text.contains("worse: fail true true true"), "{text}");
    assert!(text.contains("same: pass true true"), "{text}");
    assert!(
        text.contains("few: inconclusive too few samples to judge: canary "),
        "{text}"
    );
    assert!(text.contains("at least 1000 each needed"), "{text}");
    let verdicts: Vec<String> = metrics(&events)
        .into_iter()
        .filter_map(|(q, _, v, _)| v.filter(|_| q.starts_with("compare(")))
        .collect();
    assert_eq!(verdicts, ["fail", "pass", "inconclusive"]);
    let e = fails(
        k,
        &format!(
            r#"metrics::prometheus("{url}").compare("up", "up", #{{confidence: 0.95, alpha: 1}});"#
        ),
    );
    assert!(e.contains("compare has no option \"alpha\""), "{e}");
    assert!(
        e.contains("confidence, max_increase, min_samples, soft, step, window"),
        "{e}"
    );
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Prometheus alone (no targets): its clock, `time()`, makes breaches of known length.
fn lone_prometheus() -> (tempfile::TempDir, Prometheus) {
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.json");
    std::fs::write(&targets, "[]").unwrap();
    let p = Prometheus::start(&targets);
    let deadline = Instant::now() + Duration::from_secs(30);
    while p.value("vector(1)").is_none() {
        assert!(Instant::now() < deadline, "Prometheus never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
    (dir, p)
}

#[test]
fn a_breach_shorter_than_the_for_window_passes_and_one_that_lasts_fails() {
    let (dir, prom) = lone_prometheus();
    let kubeconfig = dir.path().join("no-kubeconfig");
    let url = prom.url();
    // time() >= T is breached until T, 2 s from now, then holds.
    let started = Instant::now();
    let events = succeeds(
        &kubeconfig,
        &format!(
            r#"let r = metrics::prometheus("{url}").assert("time()", ">=", {t}, #{{"for": "20s", interval: "250ms"}});
        info(`${{r.verdict}} ${{r.ok}}`);"#,
            t = now() + 2.0
        ),
    );
    let took = started.elapsed();
    assert!(logs(&events).contains("pass true"), "{}", logs(&events));
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(15),
        "{took:?}"
    );
    let m = metrics(&events);
    let breached = m
        .iter()
        .filter(|(_, _, v, _)| v.as_deref() == Some("breached"))
        .count();
    assert!(breached >= 4, "{m:?}");
    assert_eq!(m.last().unwrap().2.as_deref(), Some("pass"), "{m:?}");

    let started = Instant::now();
    let e = fails(
        &kubeconfig,
        &format!(
            r#"metrics::prometheus("{url}").assert("time()", ">=", {t}, #{{"for": "2s", interval: "250ms"}});"#,
            t = now() + 1000.0
        ),
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(e.starts_with("metric check failed: time() is "), "{e}");
    assert!(e.contains("breached at every evaluation for 2"), "{e}");
    assert!(e.contains("(for: 2.0s, every 250ms)"), "{e}");

    // A scalar: one value, no labels.
    let events = succeeds(
        &kubeconfig,
        &format!(
            r#"let p = metrics::prometheus("{url}");
        let s = p.query("scalar(vector(2.5))");
        info(`${{s.len()}} ${{s[0].labels.len()}} ${{s[0].value}} ${{p.value("vector(1) * 4")}}`);
        let r = p.assert("vector(0)", "<", 1, #{{no_data: "zero"}});
        info(`${{r.value}} ${{r.ok}}`);
        let n = p.assert("absent_metric", "<", 1, #{{no_data: "inconclusive"}});
        info(`${{n.verdict}} ${{n.value == ()}}`);"#
        ),
    );
    let text = logs(&events);
    assert!(text.contains("1 0 2.5 4.0"), "{text}");
    assert!(text.contains("0.0 true"), "{text}");
    assert!(text.contains("inconclusive true"), "{text}");
}

#[test]
fn json_output_carries_every_metric_event() {
    let (_dir, prom) = lone_prometheus();
    let url = prom.url();
    let out = crate::support::Test::new()
        .playbook(&format!(
            "let p = metrics::prometheus(\"{url}\");\np.value(\"vector(7)\");\np.assert(\"vector(7)\", \"<\", 5);\n"
        ))
        .args(["play", "playbook.rhai", "-o", "json"])
        .run();
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let metric: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "metric").collect();
    assert_eq!(metric.len(), 2, "{events:?}");
    assert_eq!(metric[0]["source"], url.as_str());
    assert_eq!(metric[0]["query"], "vector(7)");
    assert_eq!(metric[0]["value"], 7.0);
    assert!(metric[0].get("verdict").is_none(), "{:?}", metric[0]);
    assert_eq!(metric[1]["verdict"], "fail");
    assert_eq!(metric[1]["value"], 7.0);
    assert_eq!(metric[1]["detail"], "not < 5");
    assert!(metric[1]["ts"].is_string());
    let finished = events.last().unwrap();
    assert_eq!(finished["event"], "run_finished");
    assert_ne!(finished["exit_code"], 0);
}

#[test]
fn pod_usage_reads_metrics_k8s_io_of_the_runs_namespace() {
    // The load is sent from this machine straight to pod IPs: host pod network.
    let c = KubectlCluster::host();
    c.apply(
        "busy.yaml",
        &deployment("busy", "shop/web:1", 2, "app: busy"),
    );
    c.apply(
        "idle.yaml",
        &deployment("idle", "shop/web:1", 1, "app: idle"),
    );
    c.ready("busy", 2);
    c.ready("idle", 1);
    let pods: Vec<String> = c
        .pod_ips("app=busy")
        .iter()
        .map(|ip| format!("{ip}:8080"))
        .collect();
    for p in &pods {
        get_when_up(p, "/healthz");
    }
    let _traffic = Traffic::start(pods);
    std::thread::sleep(Duration::from_secs(2));
    let events = succeeds(
        &c.kubeconfig,
        r#"
        let busy = metrics::pod_usage("app=busy");
        let idle = metrics::pod_usage("app=idle");
        info(`busy ${busy.len()} ${busy.all(|u| u.pod.starts_with("busy-") && u.cpu_millicores > 2.0 && u.memory_bytes >= 25165824.0)}`);
        info(`idle ${idle.len()} ${idle[0].cpu_millicores} ${idle[0].memory_bytes}`);
        info(`all ${metrics::pod_usage("").len()}`);
    "#,
    );
    let text = logs(&events);
    assert!(text.contains("busy 2 true"), "{text}");
    assert!(text.contains("idle 1 2.0 25165824.0"), "{text}");
    assert!(text.contains("all 3"), "{text}");
    assert!(metrics(&events)
        .iter()
        .any(|(q, _, _, d)| q == "pods \"app=busy\" in default" && d.starts_with("2 pods")));
}

#[test]
fn http_value_reads_a_number_from_a_json_endpoint() {
    let server = OddServer::start(false);
    let (echo, ok, fail) = (server.url("/echo"), server.url("/ok"), server.url("/fail"));
    let kubeconfig = std::path::Path::new("/nonexistent/kubeconfig");
    let events = succeeds(
        kubeconfig,
        &format!(
            r#"info(`kpi ${{metrics::http_value("{echo}", "token", #{{headers: #{{"X-Token": "42.5"}}, timeout: "5s"}})}}`);"#
        ),
    );
    assert!(logs(&events).contains("kpi 42.5"), "{}", logs(&events));
    assert!(metrics(&events)
        .iter()
        .any(|(q, v, _, _)| q == "token" && *v == Some(42.5)));
    let e = fails(
        kubeconfig,
        &format!(r#"metrics::http_value("{ok}", "status");"#),
    );
    assert!(
        e.contains(&format!("GET {ok}: status is \"healthy\", not a number")),
        "{e}"
    );
    let e = fails(
        kubeconfig,
        &format!(r#"metrics::http_value("{ok}", "checks.cache");"#),
    );
    assert!(e.contains("the body has no field checks.cache"), "{e}");
    let e = fails(
        kubeconfig,
        &format!(r#"metrics::http_value("{fail}", "status");"#),
    );
    assert!(
        e.contains(&format!("GET {fail} answered 500 Internal Server Error")),
        "{e}"
    );
    let e = fails(
        kubeconfig,
        &format!(r#"metrics::http_value("{ok}", "status", #{{retries: 3}});"#),
    );
    assert!(e.contains("http_value has no option \"retries\""), "{e}");
}

#[test]
fn an_unreachable_prometheus_is_named_with_what_to_try() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let kubeconfig = std::path::Path::new("/nonexistent/kubeconfig");
    let e = fails(
        kubeconfig,
        &format!(r#"metrics::prometheus("{url}", #{{timeout: "2s"}}).value("up");"#),
    );
    assert!(
        e.starts_with(&format!("cannot reach Prometheus at {url}: ")),
        "{e}"
    );
    assert!(e.contains(&format!("try curl {url}/-/ready")), "{e}");
    let e = fails(kubeconfig, r#"metrics::prometheus("prometheus:9090");"#);
    assert!(e.contains("is not an http(s) URL"), "{e}");
}

#[test]
fn ctrl_c_stops_an_assert_waiting_out_its_window() {
    use std::io::BufRead;
    let (_dir, prom) = lone_prometheus();
    let url = prom.url();
    let playbook = format!(
        "metrics::prometheus(\"{url}\").assert(\"time()\", \">=\", {}, #{{\"for\": \"60s\", interval: \"5s\"}});\n",
        now() + 1000.0
    );
    let t = crate::support::Test::new()
        .playbook(&playbook)
        .args(["play", "playbook.rhai"]);
    let mut child = t
        .command()
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start orion");
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("breached") {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "orion ended early:\n{seen}"
        );
        seen.push_str(&line);
    }
    let sent = Instant::now();
    crate::support::process::signal(child.id(), libc::SIGINT);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(5), "{seen}{rest}");
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "{:?}",
        sent.elapsed()
    );
    assert!(
        rest.contains("cancelled by the operator (Ctrl-C)"),
        "{seen}{rest}"
    );
}
