//! metrics::cloudwatch against an AWS API emulator (moto's server mode,
//! behind tests/fixtures/cloudwatch_cbor.py, which speaks the CBOR protocol
//! the SDK uses for CloudWatch and asks moto in JSON): values of metrics
//! put with boto3, an expression, no-data policies, a sustained assert,
//! compare, alarm states, monitors tripping on a metric and an alarm,
//! clear errors for an endpoint that does not answer, no credentials and
//! bad metrics; no secret in any output.

use crate::support::aws::{clean_env, CloudWatchShim, Moto};
use crate::support::servers::free_port;
use crate::support::{Output, Test};
use serde_json::{json, Value};
use std::io::BufRead;
use std::process::Stdio;

/// moto, and CloudWatch's protocol in front of it; stopped when dropped.
struct Emulator {
    // Held to keep it running; dropped first, then the emulator behind it.
    _shim: CloudWatchShim,
    moto: Moto,
    endpoint: String,
}

impl Emulator {
    fn start() -> Emulator {
        let moto = Moto::start();
        let shim = moto.cloudwatch();
        let endpoint = shim.endpoint.clone();
        Emulator {
            _shim: shim,
            moto,
            endpoint,
        }
    }

    /// Puts `values` ([seconds ago, value]) of Shop's `name` for Service=`service`.
    fn metric(&self, name: &str, service: &str, values: Value) {
        self.moto.fixture(
            "metric",
            json!({"namespace": "Shop", "name": name, "dimensions": {"Service": service}, "values": values}),
        );
    }

    /// Runs `script` after `let cw = metrics::cloudwatch(...)` for the emulator.
    fn play(&self, script: &str, extra: &[&str]) -> Output {
        self.test(script, extra).run()
    }

    fn test(&self, script: &str, extra: &[&str]) -> Test {
        let playbook = format!(
            "let cw = metrics::cloudwatch(#{{ region: \"us-east-1\", endpoint_url: \"{}\" }});\n{script}",
            self.endpoint
        );
        let mut args = vec!["play".to_string(), "playbook.rhai".to_string()];
        args.extend(extra.iter().map(|a| a.to_string()));
        self.moto
            .env(Test::new().playbook(&playbook).arg_list(args))
    }

    /// "http://127.0.0.1:PORT (us-east-1)": the source of its events.
    fn at(&self) -> String {
        format!("{} (us-east-1)", self.endpoint)
    }
}

/// Shop Errors of Service=web, summed each minute.
const ERRORS: &str = r#"#{ namespace: "Shop", name: "Errors", dimensions: #{ Service: "web" }, stat: "Sum", lookback: "10m" }"#;
const SHOWN: &str = r#"Shop Errors{Service="web"} Sum over 60s"#;

fn fails(out: Output, code: i32) -> String {
    out.status(code).stderr
}

#[test]
fn values_an_expression_and_no_data_policies_through_get_metric_data() {
    let e = Emulator::start();
    // A minute apart: the newest is alone in its period.
    e.metric("Errors", "web", json!([[200, 1], [5, 4]]));
    let out = e
        .play(
            &format!(
                r#"let m = {ERRORS};
                info(`value ${{cw.value(m)}}`);
                info(`average ${{cw.value(#{{ namespace: "Shop", name: "Errors", dimensions: #{{ Service: "web" }} }})}}`);
                info(`expression ${{cw.value(#{{ expression: "errors", metrics: #{{ errors: #{{ namespace: "Shop", name: "Errors", dimensions: #{{ Service: "web" }}, stat: "Maximum" }} }}, lookback: "10m" }})}}`);
                let missing = #{{ namespace: "Shop", name: "Errors", dimensions: #{{ Service: "api" }} }};
                info(`zero ${{cw.value(missing, #{{ no_data: "zero" }})}}`);
                info(`inconclusive ${{cw.value(missing, #{{ no_data: "inconclusive" }}) == ()}}`);
                let r = cw.assert(missing, "<", 1, #{{ no_data: "inconclusive" }});
                info(`assert ${{r.verdict}} ${{r.value == ()}}`);
                info(`${{cw}}`);
                cw.value(missing);"#
            ),
            &[],
        );
    let said = fails(out, 2);
    for line in [
        "value 4.0",
        "average 4.0",
        "expression 4.0",
        "zero 0.0",
        "inconclusive true",
        "assert inconclusive true",
    ] {
        assert!(said.contains(line), "{line}:\n{said}");
    }
    assert!(said.contains(&format!("CloudWatch({})", e.at())), "{said}");
    assert!(
        said.contains(&format!(
            "error: Shop Errors{{Service=\"api\"}} Average over 60s has no data at {}: no data point in the last ",
            e.at()
        )),
        "{said}"
    );
    assert!(
        said.contains(r#"or choose what no data means with no_data: "error""#),
        "{said}"
    );

    // The events, as the Prometheus client emits them.
    let out = e.play(
        &format!("let m = {ERRORS};\ncw.value(m);\ncw.assert(m, \"<\", 5);\ncw.assert(m, \">\", 5, #{{ no_data: \"zero\" }});\n"),
        &["-o", "json"],
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
    let metric: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|x| panic!("{x}: {l}")))
        .filter(|e| e["event"] == "metric")
        .collect();
    assert_eq!(metric.len(), 3, "{metric:?}");
    for m in &metric {
        assert_eq!(m["source"], e.at().as_str());
        assert_eq!(m["query"], SHOWN);
        assert_eq!(m["value"], 4.0);
    }
    assert!(metric[0].get("verdict").is_none(), "{:?}", metric[0]);
    assert_eq!(metric[1]["verdict"], "pass");
    assert_eq!(metric[1]["detail"], "< 5");
    assert_eq!(metric[2]["verdict"], "fail");
    assert_eq!(metric[2]["detail"], "not > 5");
}

#[test]
fn a_breach_that_lasts_the_for_window_fails_and_one_that_clears_passes() {
    let e = Emulator::start();
    e.metric("Errors", "web", json!([[1, 5]]));
    let said = fails(
        e.play(
            &format!(r#"cw.assert({ERRORS}, "<", 1, #{{ "for": "1s", interval: "200ms" }});"#),
            &[],
        ),
        2,
    );
    assert!(
        said.contains(&format!(
            "error: metric check failed: {SHOWN} is 5 at {}, not < 1, breached at every evaluation for ",
            e.at()
        )),
        "{said}"
    );
    assert!(said.contains("(for: 1.0s, every 200ms)"), "{said}");

    // Per second: the value put once the assert is breached is the newest.
    let t = e.test(
        r#"let m = #{ namespace: "Shop", name: "Errors", dimensions: #{ Service: "web" }, stat: "Maximum", period: 1, lookback: "10m" };
        let r = cw.assert(m, "<", 1, #{ "for": "60s", interval: "250ms" });
        info(`recovered ${r.verdict} ${r.value}`);"#,
        &[],
    );
    let mut child = t
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
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
    e.metric("Errors", "web", json!([[0, 0]]));
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "{seen}{rest}");
    assert!(rest.contains("recovered pass 0.0"), "{seen}{rest}");
    assert!(
        seen.contains("not < 1, for ") && seen.contains(" of the 1m00s window"),
        "{seen}"
    );
}

#[test]
fn compare_fails_a_worse_canary_and_passes_an_equal_one() {
    let e = Emulator::start();
    // One point a minute for 15 minutes: the default window and step.
    let series =
        |f: fn(u64) -> f64| -> Value { (0..15u64).map(|i| json!([30 + 60 * i, f(i)])).collect() };
    e.metric("Errors", "canary", series(|i| 10.0 + (i % 3) as f64));
    e.metric("Errors", "base", series(|i| 1.0 + (i % 2) as f64));
    e.metric("Errors", "twin", series(|i| 1.0 + ((i + 1) % 2) as f64));
    let metric = |s: &str| {
        format!(
            r#"#{{ namespace: "Shop", name: "Errors", dimensions: #{{ Service: "{s}" }}, stat: "Sum" }}"#
        )
    };
    let (canary, base, twin) = (metric("canary"), metric("base"), metric("twin"));
    let out = e.play(
        &format!(
            r#"let worse = cw.compare({canary}, {base}, #{{ soft: true }});
            info(`worse ${{worse.verdict}} ${{worse.canary_samples}} ${{worse.baseline_samples}} ${{worse.canary_median}} ${{worse.baseline_median}}`);
            let same = cw.compare({twin}, {base});
            info(`same ${{same.verdict}}`);
            let few = cw.compare({twin}, {base}, #{{ window: "5m", step: "1m" }});
            info(`few ${{few.verdict}}`);
            cw.compare({canary}, {base});"#
        ),
        &[],
    );
    let said = fails(out, 2);
    assert!(said.contains("worse fail 15 15 11.0 1.0"), "{said}");
    assert!(said.contains("same pass"), "{said}");
    assert!(said.contains("few inconclusive"), "{said}");
    assert!(
        said.contains("error: canary analysis failed: the canary is significantly higher"),
        "{said}"
    );
    assert!(
        said.contains(
            r#"canary   Shop Errors{Service="canary"} Sum over 60s: median 11 of 15 points"#
        ),
        "{said}"
    );
    let said = fails(
        e.play(
            &format!("cw.compare({canary}, {base}, #{{ step: \"15s\" }});"),
            &[],
        ),
        2,
    );
    assert!(
        said.contains("step 15s is not a CloudWatch period"),
        "{said}"
    );
}

#[test]
fn alarm_state_is_ok_or_insufficient_data_and_throws_in_alarm() {
    let e = Emulator::start();
    for (name, state, reason) in [
        ("quiet", "OK", "all good"),
        ("new", "INSUFFICIENT_DATA", "no datapoints yet"),
        (
            "errors-high",
            "ALARM",
            "Threshold Crossed: 1 datapoint [7.0] was greater than 1.0",
        ),
    ] {
        e.moto.fixture(
            "alarm",
            json!({"name": name, "state": state, "reason": reason}),
        );
    }
    let said = fails(
        e.play(
            r#"info(`quiet ${cw.alarm_state("quiet")}`);
            info(`new ${cw.alarm_state("new")}`);
            info(`soft ${cw.alarm_state("errors-high", #{ soft: true })}`);
            cw.alarm_state("errors-high");"#,
            &[],
        ),
        2,
    );
    for line in ["quiet OK", "new INSUFFICIENT_DATA", "soft ALARM"] {
        assert!(said.contains(line), "{line}:\n{said}");
    }
    assert!(
        said.contains(&format!(
            "error: alarm errors-high is in ALARM at {}: Threshold Crossed: 1 datapoint [7.0] was greater than 1.0",
            e.at()
        )),
        "{said}"
    );
    assert!(said.contains("#{soft: true}) returns \"ALARM\""), "{said}");
    let said = fails(e.play(r#"cw.alarm_state("Errors-High");"#, &[]), 2);
    assert!(
        said.contains(&format!(
            "error: no alarm named \"Errors-High\" at {}",
            e.at()
        )),
        "{said}"
    );
    let said = fails(
        e.play(r#"cw.alarm_state("quiet", #{ hard: true });"#, &[]),
        2,
    );
    assert!(
        said.contains("alarm_state has no option \"hard\""),
        "{said}"
    );
}

#[test]
fn monitors_trip_on_a_metric_and_on_an_alarm_and_an_aws_error_is_no_verdict() {
    let e = Emulator::start();
    e.metric("Errors", "web", json!([[1, 5]]));
    e.moto.fixture(
        "alarm",
        json!({"name": "errors-high", "state": "ALARM", "reason": "Threshold Crossed"}),
    );
    e.moto.fixture(
        "alarm",
        json!({"name": "new", "state": "INSUFFICIENT_DATA", "reason": "no datapoints yet"}),
    );
    let watch = |check: &str, wait: &str| {
        format!(
            "monitor(#{{ name: \"cw\", interval: \"200ms\", checks: [{check}] }});\nsleep(\"{wait}\");\ninfo(\"never tripped\");"
        )
    };
    let said = fails(
        e.play(
            &watch(
                &format!("#{{ cloudwatch: cw, metric: {ERRORS}, op: \"<\", threshold: 1 }}"),
                "60s",
            ),
            &[],
        ),
        2,
    );
    assert!(
        said.contains(&format!(
            "monitor cw tripped: {SHOWN}: value 5 (allowed: < 1)"
        )),
        "{said}"
    );
    assert!(!said.contains("never tripped"), "{said}");
    let said = fails(
        e.play(
            &watch(
                "#{ name: \"errors alarm\", cloudwatch: cw, alarm: \"errors-high\" }",
                "60s",
            ),
            &[],
        ),
        2,
    );
    assert!(
        said.contains(
            "monitor cw tripped: errors alarm: ALARM: Threshold Crossed (allowed: not in ALARM)"
        ),
        "{said}"
    );
    let missing = r#"#{ namespace: "Shop", name: "Errors", dimensions: #{ Service: "api" } }"#;
    let said = fails(
        e.play(
            &watch(
                &format!(
                    "#{{ cloudwatch: cw, metric: {missing}, threshold: 1, no_data: \"trip\" }}"
                ),
                "60s",
            ),
            &[],
        ),
        2,
    );
    assert!(
        said.contains("Average over 60s: no data (allowed: < 1)"),
        "{said}"
    );
    let said = fails(
        e.play(
            &watch(
                "#{ cloudwatch: cw, alarm: \"new\", no_data: \"trip\" }",
                "60s",
            ),
            &[],
        ),
        2,
    );
    assert!(
        said.contains("monitor cw tripped: alarm new: INSUFFICIENT_DATA: no datapoints yet"),
        "{said}"
    );

    // No data and INSUFFICIENT_DATA are no verdict by default; neither is
    // an endpoint that stops answering.
    let out = e.play(
        &format!(
            "{}\nlet gone = metrics::cloudwatch(#{{ region: \"us-east-1\", endpoint_url: \"http://127.0.0.1:{}\", timeout: \"1s\" }});\nmonitor(#{{ interval: \"200ms\", checks: [#{{ cloudwatch: gone, metric: {ERRORS}, threshold: 1 }}] }});\nsleep(\"1500ms\");",
            watch(
                &format!("#{{ cloudwatch: cw, metric: {missing}, threshold: 1 }}, #{{ cloudwatch: cw, alarm: \"new\" }}"),
                "1s"
            ),
            free_port()
        ),
        &[],
    );
    let said = out.status(0).stderr;
    assert!(said.contains("never tripped"), "{said}");
    let said = fails(
        e.play(&watch("#{ cloudwatch: cw, alarm: \"nope\" }", "1s"), &[]),
        2,
    );
    assert!(
        said.contains("check 1 of monitor cw: no alarm named \"nope\""),
        "{said}"
    );
    let said = fails(
        e.play(
            &watch("#{ cloudwatch: cw, metric: \"m1\", treshold: 1 }", "1s"),
            &[],
        ),
        2,
    );
    assert!(
        said.contains("a cloudwatch check has no option \"treshold\""),
        "{said}"
    );
}

#[test]
fn an_unreachable_endpoint_missing_credentials_and_bad_metrics_are_named() {
    let e = Emulator::start();
    let closed = format!("http://127.0.0.1:{}", free_port());
    let said = fails(
        e.moto
            .env(Test::new().playbook(&format!(
                "metrics::cloudwatch(#{{ region: \"us-east-1\", endpoint_url: \"{closed}\" }}).value({ERRORS});"
            )))
            .args(["play", "playbook.rhai"])
            .run(),
        2,
    );
    assert!(
        said.contains(&format!(
            "error: GetMetricData {SHOWN}: cannot reach {closed} (us-east-1): "
        )),
        "{said}"
    );
    assert!(
        said.contains("hint: is the endpoint right and reachable"),
        "{said}"
    );

    // No credentials anywhere.
    let said = fails(
        clean_env(Test::new().playbook(&format!(
            "metrics::cloudwatch(#{{ endpoint_url: \"{}\" }}).alarm_state(\"a\");",
            e.endpoint
        )))
        .args(["play", "playbook.rhai"])
        .run(),
        2,
    );
    assert!(
        said.contains(&format!(
            "error: DescribeAlarms a at {}: no usable AWS credentials",
            e.endpoint
        )),
        "{said}"
    );
    assert!(said.contains("hint: set AWS_ACCESS_KEY_ID"), "{said}");

    for (script, expected) in [
        (
            "metrics::cloudwatch(#{ regin: \"us-east-1\" });",
            "metrics::cloudwatch has no option \"regin\"",
        ),
        (
            "cw.value(#{ namespace: \"Shop\", name: \"Errors\", period: \"45s\" });",
            "period 45s is not a CloudWatch period",
        ),
        (
            "cw.value(#{ namespace: \"Shop\", metric: \"Errors\" });",
            "a CloudWatch metric has no option \"metric\"",
        ),
        (
            "cw.value(#{ name: \"Errors\" });",
            "a CloudWatch metric needs a namespace",
        ),
        (
            "cw.value(42);",
            "a CloudWatch metric is a map or an expression string, not i64",
        ),
        (
            "cw.assert(#{ namespace: \"Shop\", name: \"Errors\" }, \"=<\", 1);",
            "\"=<\" is not a comparison",
        ),
    ] {
        let said = fails(e.play(script, &[]), 2);
        assert!(said.contains(expected), "{expected}:\n{said}");
    }
}

#[test]
fn a_secret_given_as_credentials_never_shows() {
    let e = Emulator::start();
    let (secret, token) = (
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
        "FQoGZXIvYXdzEXAMPLEsessiontoken",
    );
    let script = format!(
        r#"let cw = metrics::cloudwatch(#{{ region: "us-east-1", endpoint_url: "{}",
            credentials: #{{ access_key_id: "AKIAEXAMPLE", secret_access_key: "{secret}", session_token: "{token}" }} }});
        info(`${{cw}}`);
        info(`${{cw.value({ERRORS}, #{{ no_data: "zero" }})}}`);
        monitor(#{{ interval: "200ms", checks: [#{{ cloudwatch: cw, metric: {ERRORS}, op: ">", threshold: 1, no_data: "trip" }}] }});
        sleep("60s");"#,
        e.endpoint
    );
    for extra in [&[][..], &["-o", "json"][..]] {
        let out = clean_env(Test::new().playbook(&script))
            .args(["play", "playbook.rhai"])
            .arg_list(extra.iter().map(|a| a.to_string()))
            .run();
        assert_eq!(out.status, 2, "{}{}", out.stdout, out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains("tripped"), "{all}");
        assert!(!all.contains(secret) && !all.contains(token), "{all}");
    }
}
