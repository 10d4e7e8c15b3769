//! ALB figures against an AWS API emulator (moto's server mode, which
//! ./scripts/test installs):
//!
//!     cargo bench --bench alb
//!
//! - `set_weights` to weights read back changed, through orion's driver
//!   (ModifyListener, then DescribeListeners + DescribeTargetGroups until
//!   the new weights show), against boto3 doing the same calls in one
//!   Python process (the AWS CLI's library, interpreter start excluded);
//! - a whole `orion play` of one `set_weights` (start, gate, journal,
//!   write, read back).
//!
//! The emulator answers on loopback, so these are orion's own costs plus
//! the emulator's; against AWS, its API latency adds to both sides alike.
//! Prints figures; asserts nothing about them.

#[allow(dead_code)]
#[path = "../tests/support/moto.rs"]
mod moto;

use moto::Moto;
use orion::drivers::aws::alb::Alb;
use orion::drivers::aws::{Account, Connection};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const RUNS: usize = 30;

fn quantiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() * 9 / 10])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

const BOTO3: &str = r#"
import boto3, sys, time, statistics
endpoint, listener, blue, green, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
elb = boto3.client("elbv2", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
took = []
for i in range(runs):
    want = {blue: 100 - (i % 2) * 50, green: (i % 2) * 50 + 1}
    t = time.perf_counter()
    actions = elb.describe_listeners(ListenerArns=[listener])["Listeners"][0]["DefaultActions"]
    fwd = next(a for a in actions if a["Type"] == "forward")
    fwd["ForwardConfig"]["TargetGroups"] = [{"TargetGroupArn": a, "Weight": w} for a, w in want.items()]
    elb.modify_listener(ListenerArn=listener, DefaultActions=actions)
    while True:
        got = elb.describe_listeners(ListenerArns=[listener])["Listeners"][0]["DefaultActions"]
        tgs = next(a for a in got if a["Type"] == "forward")["ForwardConfig"]["TargetGroups"]
        elb.describe_target_groups(TargetGroupArns=[t["TargetGroupArn"] for t in tgs])
        if {t["TargetGroupArn"]: t["Weight"] for t in tgs} == want:
            break
    took.append(time.perf_counter() - t)
took.sort()
print(took[len(took) // 2] * 1000, took[len(took) * 9 // 10] * 1000)
"#;

fn main() {
    let m = Moto::start();
    let made = m.fixture("alb", serde_json::json!({}));
    let listener = made["listener"].as_str().unwrap().to_string();
    let blue = made["groups"]["blue"].as_str().unwrap().to_string();
    let green = made["groups"]["green"].as_str().unwrap().to_string();
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let account = Account {
        region: Some("us-east-1".into()),
        endpoint_url: Some(m.endpoint.clone()),
        ..Account::default()
    };
    let alb = Alb {
        connection: Arc::new(Connection::new(account)),
        listener: listener.clone(),
        rule: None,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let took: Vec<Duration> = rt.block_on(async {
        alb.groups().await.expect("the emulator answers");
        let mut took = vec![];
        for i in 0..RUNS as i64 {
            let want = [
                (blue.clone(), 100 - (i % 2) * 50),
                (green.clone(), (i % 2) * 50 + 1),
            ];
            let t = Instant::now();
            alb.write(&want).await.unwrap();
            loop {
                let groups = alb.groups().await.unwrap();
                let shows = want
                    .iter()
                    .all(|(arn, w)| groups.iter().any(|g| &g.arn == arn && g.weight == *w));
                if shows {
                    break;
                }
            }
            took.push(t.elapsed());
        }
        took
    });
    let (p50, p90) = quantiles(took);
    println!(
        "set_weights -> read back changed, orion driver: p50 {} p90 {} ({RUNS} runs)",
        ms(p50),
        ms(p90)
    );

    let out = Command::new("python3")
        .args([
            "-c",
            BOTO3,
            &m.endpoint,
            &listener,
            &blue,
            &green,
            &RUNS.to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let figures: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    println!(
        "set_weights -> read back changed, boto3 (same calls): p50 {:.2} ms p90 {:.2} ms ({RUNS} runs)",
        figures[0], figures[1]
    );

    let dir = tempfile_dir();
    let script = format!(
        "let r = traffic::alb(#{{ listener: \"{listener}\", endpoint_url: \"{}\" }}); let w = r.weights(); r.set_weights(#{{ blue: w.green, green: w.blue }});",
        m.endpoint
    );
    std::fs::write(dir.join("playbook.rhai"), script).unwrap();
    let mut plays = vec![];
    for _ in 0..10 {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_orion"))
            .args(["play", "playbook.rhai", "-q"])
            .current_dir(&dir)
            .env("XDG_DATA_HOME", dir.join(".data"))
            .env("AWS_REGION", "us-east-1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        plays.push(t.elapsed());
    }
    let (p50, p90) = quantiles(plays);
    println!(
        "orion play of one set_weights (whole process): p50 {} p90 {} (10 runs)",
        ms(p50),
        ms(p90)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("orion-bench-alb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
