//! Figures for health checks (run: `cargo bench --bench health`):
//! 1,000 HTTP checks (status and a JSON field) against a loopback endpoint,
//! by `health::all` at concurrency 100, against a bash loop of curl doing the
//! same checks one after another — as smoke-tests.sh did — and, for scale,
//! the same curls 100 at a time with xargs -P. Targets: under 1 s, and at
//! least 20× faster than the bash loop.
//!
//! Prints figures; asserts only that every check passed.

use orion::report::memory::Memory;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

const CHECKS: usize = 1000;

fn main() {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = tokio
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/health", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/health",
        axum::routing::get(|| async {
            (
                [("content-type", "application/json")],
                r#"{"status":"healthy"}"#,
            )
        }),
    );
    tokio.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let runtime = orion::Runtime::builder()
        .sink(Arc::new(Memory::default()))
        .build()
        .unwrap();
    let script = format!(
        r#"let checks = [];
        for i in 0..{CHECKS} {{ checks.push(#{{ http: "{url}", json: #{{ status: "healthy" }} }}); }}
        let rs = health::all(checks, #{{ concurrency: 100 }});
        if !rs.all(|r| r.ok) {{ fail("a check failed"); }}"#
    );
    // One warm-up run (the binary's first connections), then the measured one.
    assert!(runtime.run_script("warm.rhai", &script).succeeded());
    let t = Instant::now();
    let outcome = runtime.run_script("checks.rhai", &script);
    let orion = t.elapsed();
    assert!(outcome.succeeded(), "{:?}", outcome.error);

    // Each curl checks the status (-f) and the body, one request per check.
    let one =
        format!("body=$(curl -sf {url}) && [ \"$body\" = '{{\"status\":\"healthy\"}}' ] || exit 1");
    let t = Instant::now();
    let status = Command::new("bash")
        .arg("-c")
        .arg(format!("for i in $(seq {CHECKS}); do {one}; done"))
        .status()
        .unwrap();
    let bash = t.elapsed();
    assert!(status.success(), "the curl loop failed");
    let t = Instant::now();
    let status = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "seq {CHECKS} | xargs -P 100 -I{{}} bash -c '{}'",
            one.replace('\'', "'\\''")
        ))
        .status()
        .unwrap();
    let xargs = t.elapsed();
    assert!(status.success(), "the parallel curls failed");

    println!(
        "{CHECKS} HTTP checks (status + JSON field) on loopback: orion health::all at concurrency 100 {:.3} s (target < 1 s); bash loop of curl {:.2} s ({:.0}× slower; target ≥ 20×); curl 100 at a time with xargs -P {:.2} s",
        orion.as_secs_f64(),
        bash.as_secs_f64(),
        bash.as_secs_f64() / orion.as_secs_f64(),
        xargs.as_secs_f64()
    );
}
