//! CloudWatch figures (run: `cargo bench --bench cloudwatch`; needs
//! moto[server] and python3, as the tests do, and Prometheus for the
//! comparison):
//!
//! - one poll of a CloudWatch `assert` (GetMetricData for the newest value,
//!   judged), median and p90 over 50 polls, and orion's own CPU time per
//!   poll; against moto behind tests/fixtures/cloudwatch_cbor.py;
//! - the same for a Prometheus `assert` against a local Prometheus;
//! - a playbook of 50 CloudWatch asserts (Rhai, events) timed whole, divided.
//!
//! The emulator is Python: a poll's time is mostly the emulator's, not
//! orion's, and not AWS's latency. Prints figures; asserts only that every
//! poll found a value that holds.

#[allow(dead_code)]
#[path = "../tests/support/moto.rs"]
mod moto;

use moto::Moto;
use orion::drivers::aws::cloudwatch::{CloudWatch, Metric, Query, What, DEFAULT_TIMEOUT};
use orion::drivers::aws::{Account, Keys};
use orion::drivers::metrics::{Op, Prometheus, Source};
use orion::report::memory::Memory;
use std::sync::Arc;
use std::time::{Duration, Instant};

const POLLS: usize = 50;

fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// (median, p90, CPU per poll) of `POLLS` evaluations of `source` against `< threshold`.
fn polls(
    tokio: &tokio::runtime::Runtime,
    source: &Source,
    threshold: f64,
) -> (Duration, Duration, Duration) {
    for _ in 0..3 {
        tokio.block_on(source.value()).expect("a warm-up poll");
    }
    let mut times = vec![];
    let cpu_before = cpu();
    for _ in 0..POLLS {
        let t = Instant::now();
        let value = tokio.block_on(source.value()).expect("a poll");
        let holds = value.is_some_and(|v| Op::Lt.holds(v, threshold));
        times.push(t.elapsed());
        assert!(holds, "{} gave {value:?}", source.query());
    }
    let cpu_per_poll = (cpu() - cpu_before) / POLLS as u32;
    times.sort();
    (times[POLLS / 2], times[POLLS * 9 / 10], cpu_per_poll)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let moto = Moto::start();
    let shim = moto.cloudwatch();
    moto.fixture(
        "metric",
        serde_json::json!({"namespace": "Shop", "name": "Errors", "dimensions": {"Service": "web"}, "values": [[200, 1], [130, 2], [70, 3], [10, 4]]}),
    );
    let account = Account {
        region: Some("us-east-1".into()),
        endpoint_url: Some(shim.endpoint.clone()),
        keys: Some(Keys {
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
            session_token: None,
        }),
        ..Account::default()
    };
    let metric = Metric::new(
        "Shop",
        "Errors",
        vec![("Service".into(), "web".into())],
        "Sum",
    )
    .unwrap();
    let cloudwatch = Source::CloudWatch {
        client: Arc::new(CloudWatch::new(account, DEFAULT_TIMEOUT)),
        query: Arc::new(Query::new(What::Metric(metric), 60, None).unwrap()),
    };
    let (median, p90, cpu_cw) = polls(&tokio, &cloudwatch, 100.0);
    println!(
        "CloudWatch assert, one poll (GetMetricData through moto + the CBOR shim, judged), {POLLS} polls: median {}, p90 {}; orion CPU per poll {}",
        ms(median),
        ms(p90),
        ms(cpu_cw)
    );

    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.json");
    std::fs::write(&targets, "[]").unwrap();
    let prometheus = orion_sim::testing::Prometheus::start(&targets);
    let deadline = Instant::now() + Duration::from_secs(30);
    while prometheus.value("vector(1)").is_none() {
        assert!(Instant::now() < deadline, "Prometheus never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
    let promql = Source::Prometheus {
        client: Arc::new(Prometheus::new(&prometheus.url()).unwrap()),
        promql: "vector(1)".into(),
    };
    let (median, p90, cpu_prom) = polls(&tokio, &promql, 100.0);
    println!(
        "Prometheus assert, one poll (an instant query, judged), {POLLS} polls: median {}, p90 {}; orion CPU per poll {}",
        ms(median),
        ms(p90),
        ms(cpu_prom)
    );

    let runtime = orion::Runtime::builder()
        .sink(Arc::new(Memory::default()))
        .build()
        .unwrap();
    let script = format!(
        r#"let cw = metrics::cloudwatch(#{{ region: "us-east-1", endpoint_url: "{}",
            credentials: #{{ access_key_id: "testing", secret_access_key: "testing" }} }});
        let m = #{{ namespace: "Shop", name: "Errors", dimensions: #{{ Service: "web" }}, stat: "Sum" }};
        cw.value(m);
        for i in 0..{POLLS} {{ cw.assert(m, "<", 100); }}"#,
        shim.endpoint
    );
    let t = Instant::now();
    let outcome = runtime.run_script("asserts.rhai", &script);
    let whole = t.elapsed();
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    println!(
        "a playbook of {POLLS} CloudWatch asserts (and one value): {:.2} s, {} per assert",
        whole.as_secs_f64(),
        ms(whole / (POLLS as u32 + 1))
    );
}
