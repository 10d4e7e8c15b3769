//! traffic::alb against an AWS API emulator (moto's server mode): weights of
//! a listener's and a rule's forward action set, read back (by orion and by
//! boto3), drained and put back by a failed run and by `orion rollback`;
//! a dry run; stickiness kept; target health; clear errors for a wrong
//! ARN, an endpoint that does not answer, no credentials and a missing
//! permission; no secret in any output or the journal.

use crate::support::aws::{orion, Moto};
use serde_json::{json, Value};
use std::path::Path;

/// The emulator with the fixture's ALB: (moto, its ARNs and names).
fn alb() -> (Moto, Value) {
    let moto = Moto::start();
    let made = moto.fixture("alb", json!({}));
    (moto, made)
}

/// `let r = traffic::alb(...)` for the listener (or `rule`) of `made`.
fn router(moto: &Moto, made: &Value, rule: bool) -> String {
    let rule = if rule {
        format!(", rule: \"{}\"", made["rule"].as_str().unwrap())
    } else {
        String::new()
    };
    format!(
        "let r = traffic::alb(#{{ listener: \"{}\"{rule}, endpoint_url: \"{}\" }});\n",
        made["listener"].as_str().unwrap(),
        moto.endpoint
    )
}

/// Plays `script` in `dir` with the emulator's credentials.
fn play(dir: &Path, script: &str, extra: &[&str]) -> (i32, String) {
    std::fs::write(dir.join("playbook.rhai"), script).unwrap();
    let mut args = vec!["play", "playbook.rhai"];
    args.extend_from_slice(extra);
    let (code, _, said) = orion(dir, &args, true);
    (code, said)
}

/// The listener's (or rule's) weights as boto3 reads them.
fn weights(moto: &Moto, arn: &Value) -> Value {
    moto.fixture("weights", json!({ "arn": arn }))
}

#[test]
fn alb_weights_are_set_read_back_drained_and_put_back_by_a_failed_run_and_by_rollback() {
    let (moto, made) = alb();
    let dir = tempfile::tempdir().unwrap();
    let r = router(&moto, &made, false);
    let listener = &made["listener"];

    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{r}
            let w = r.weights(); info(`before blue ${{w.blue}} green ${{w.green}}`);
            let w = r.set_weights(#{{ blue: 90, green: 10 }});
            info(`read back blue ${{w.blue}} green ${{w.green}}`);"#
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("before blue 100 green 0"), "{said}");
    assert!(said.contains("read back blue 90 green 10"), "{said}");
    assert!(
        said.contains("set weights blue 90, green 10 (was blue 100, green 0)"),
        "{said}"
    );
    assert_eq!(weights(&moto, listener), json!({"blue": 90, "green": 10}));
    // Stickiness is kept as it was.
    assert_eq!(
        moto.fixture("stickiness", json!({ "arn": listener })),
        json!({"Enabled": true, "DurationSeconds": 300})
    );

    // By ARN, and drain: weight 0.
    let green = made["groups"]["green"].as_str().unwrap();
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{r}
            let w = #{{}}; w["{green}"] = 30; r.set_weights(w);
            info(`by arn ${{r.weights().green}}`);
            r.drain("green");
            info(`drained ${{r.weights().green}}`);"#
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("by arn 30") && said.contains("drained 0"),
        "{said}"
    );

    // A rule's forward action is its own.
    let rule = router(&moto, &made, true);
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{rule}
            let w = r.weights(); info(`rule blue ${{w.blue}} green ${{w.green}}`);
            r.switch_to("green");"#
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("rule blue 90 green 10"), "{said}");
    assert_eq!(
        weights(&moto, &made["rule"]),
        json!({"blue": 0, "green": 100})
    );
    assert_eq!(weights(&moto, listener), json!({"blue": 90, "green": 0}));

    // A failed run puts the weights back.
    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{r}
            r.set_weights(#{{ blue: 0, green: 100 }});
            r.set_weights(#{{ blue: 50, green: 50 }});
            fail("the canary's error rate is 5%");"#
        ),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("(restored)"), "{said}");
    assert_eq!(weights(&moto, listener), json!({"blue": 90, "green": 0}));
    assert_eq!(
        moto.fixture("stickiness", json!({ "arn": listener })),
        json!({"Enabled": true, "DurationSeconds": 300})
    );

    // A run that succeeds, then `orion rollback --last`.
    let (code, said) = play(dir.path(), &format!("{r} r.switch_to(\"green\");"), &[]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(weights(&moto, listener), json!({"blue": 0, "green": 100}));
    let (code, _, said) = orion(dir.path(), &["rollback", "--last"], true);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("(restored)"), "{said}");
    assert_eq!(weights(&moto, listener), json!({"blue": 90, "green": 0}));

    // A dry run says the change and makes none.
    let (code, said) = play(
        dir.path(),
        &format!("{r} r.set_weights(#{{ blue: 10, green: 90 }});"),
        &["--dry-run"],
    );
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("(dry run) ALB listener") && said.contains("set weights blue 10, green 90"),
        "{said}"
    );
    assert_eq!(weights(&moto, listener), json!({"blue": 90, "green": 0}));
}

#[test]
fn target_health_is_read_and_waited_for() {
    let (moto, made) = alb();
    let dir = tempfile::tempdir().unwrap();
    let r = router(&moto, &made, false);
    let stopped = made["instances"]["green"][0].as_str().unwrap().to_string();
    moto.fixture("stop", json!({ "id": stopped }));

    let (code, said) = play(
        dir.path(),
        &format!(
            r#"{r}
            for t in r.health("green") {{ info(`target ${{t.id}} ${{t.state}} ${{t.reason}}`); }}
            r.wait_healthy("green", "3s");"#
        ),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains(&format!("target {stopped} unused Target.InvalidState")),
        "{said}"
    );
    assert!(
        said.contains("target group green is not healthy after 3.0s")
            && said.contains(&format!("{stopped}:80 unused (Target.InvalidState:")),
        "{said}"
    );

    // Started again while a run waits: the wait ends.
    std::fs::write(
        dir.path().join("wait.rhai"),
        format!("{r} r.wait_healthy(\"green\", \"60s\"); info(\"green healthy\");"),
    )
    .unwrap();
    let waiting = {
        let dir = dir.path().to_path_buf();
        std::thread::spawn(move || orion(&dir, &["play", "wait.rhai"], true))
    };
    std::thread::sleep(std::time::Duration::from_secs(2));
    moto.fixture("start", json!({ "id": stopped }));
    let (code, _, said) = waiting.join().unwrap();
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("waiting for target group green to be healthy")
            && said.contains("target group green: all 2 targets healthy")
            && said.contains("green healthy"),
        "{said}"
    );
}

#[test]
fn alb_errors_say_what_went_wrong_and_change_nothing() {
    let (moto, made) = alb();
    let dir = tempfile::tempdir().unwrap();
    let listener = made["listener"].as_str().unwrap();
    let endpoint = &moto.endpoint;

    // A listener that does not exist.
    let gone = format!("{}0", &listener[..listener.len() - 1]);
    let (code, said) = play(
        dir.path(),
        &format!(
            "traffic::alb(#{{ listener: \"{gone}\", endpoint_url: \"{endpoint}\" }}).weights();"
        ),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains(&format!("reading listener {gone}")) && said.contains("ListenerNotFound"),
        "{said}"
    );

    // Hostile or wrong options are refused before anything is asked.
    for (options, expected) in [
        (
            format!("listener: \"{listener}\\nx\""),
            "is not a listener ARN",
        ),
        (
            format!("listener: \"{listener}\", endpoint_url: \"http://10.1.2.3:5000\""),
            "unencrypted",
        ),
        (
            format!("listener: \"{listener}\", endpoint_url: \"file:///etc/passwd\""),
            "is not an http(s) URL",
        ),
        (format!("listener: \"{listener}\", port: 80"), "has no option \"port\""),
        (
            format!("listener: \"{listener}\", profile: \"p\", credentials: #{{ access_key_id: \"a\", secret_access_key: \"b\" }}"),
            "profile or credentials, not both",
        ),
    ] {
        let (code, said) = play(dir.path(),
            &format!("traffic::alb(#{{ {options} }}).weights();"),
            &[],
        );
        assert_eq!(code, 2, "{said}");
        assert!(said.contains(expected), "{expected}: {said}");
    }
    let r = router(&moto, &made, false);
    let (code, said) = play(
        dir.path(),
        &format!("{r} r.set_weights(#{{ blue: 1000 }});"),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains("ALB weights are 0 to 999, not 1000"),
        "{said}"
    );
    let (code, said) = play(
        dir.path(),
        &format!("{r} r.set_weights(#{{ purple: 10 }});"),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains("no target group purple") && said.contains("blue, green"),
        "{said}"
    );

    // An endpoint where nothing answers.
    let closed = format!("http://127.0.0.1:{}", crate::support::servers::free_port());
    let (code, said) = play(
        dir.path(),
        &format!(
            "traffic::alb(#{{ listener: \"{listener}\", endpoint_url: \"{closed}\" }}).weights();"
        ),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(said.contains(&format!("cannot reach {closed}")), "{said}");

    // No credentials anywhere.
    std::fs::write(
        dir.path().join("playbook.rhai"),
        format!("{r} r.weights();"),
    )
    .unwrap();
    let (code, _, said) = orion(dir.path(), &["play", "playbook.rhai"], false);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("no usable AWS credentials"), "{said}");

    // Verify without entry samples the ALB's DNS name, which the emulator
    // does not serve.
    let (code, said) = play(
        dir.path(),
        &format!("{r} r.verify(#{{ requests: 5 }});"),
        &[],
    );
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains(&format!(
            "verify: http://{}:80/, the ALB's own address, does not answer",
            made["dns_name"].as_str().unwrap()
        )) && said.contains("give entry"),
        "{said}"
    );
    assert_eq!(
        weights(&moto, &made["listener"]),
        json!({"blue": 100, "green": 0})
    );
}

#[test]
fn a_missing_permission_is_named_and_the_keys_never_shown() {
    let (moto, made) = alb();
    let dir = tempfile::tempdir().unwrap();
    let users = moto.fixture("users", json!({}));
    let (reader, admin) = (&users["reader"], &users["admin"]);
    let secret = reader["secret"].as_str().unwrap();
    let script = format!(
        r#"let r = traffic::alb(#{{ listener: "{}", endpoint_url: "{}",
            credentials: #{{ access_key_id: "{}", secret_access_key: "{secret}" }} }});
        let w = r.weights(); info(`reader sees blue ${{w.blue}}`);
        r.set_weights(#{{ blue: 0, green: 100 }});"#,
        made["listener"].as_str().unwrap(),
        moto.endpoint,
        reader["id"].as_str().unwrap()
    );
    std::fs::write(dir.path().join("playbook.rhai"), &script).unwrap();
    let (code, out, said) = orion(dir.path(), &["play", "playbook.rhai"], false);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("reader sees blue 100"), "{said}");
    assert!(
        said.contains("AccessDenied") && said.contains("lack a permission"),
        "{said}"
    );
    let mut journal = String::new();
    for f in walk(&dir.path().join(".orion")) {
        journal.push_str(&std::fs::read_to_string(f).unwrap_or_default());
    }
    assert!(
        !journal.is_empty(),
        "the refused change was journaled before it was tried"
    );
    for text in [&out, &said, &journal] {
        assert!(!text.contains(secret), "the secret key was shown: {text}");
    }
    assert_eq!(
        moto.fixture("weights", json!({ "arn": made["listener"], "as": admin })),
        json!({"blue": 100, "green": 0})
    );
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(walk(&p));
        } else {
            found.push(p);
        }
    }
    found
}

#[test]
fn the_blue_green_and_canary_strategies_run_unchanged_on_an_alb() {
    let (moto, made) = alb();
    let dir = tempfile::tempdir().unwrap();
    let r = router(&moto, &made, false);
    let listener = &made["listener"];

    let (code, said) = play(
        dir.path(),
        &format!(
            r#"import "orion/blue_green" as blue_green;
            {r}
            blue_green::run(#{{
                router: r, blue: "blue", green: "green",
                deploy: || r.wait_healthy("green", "10s"),
                check: || {{
                    let sick = r.health("green").filter(|t| t.state != "healthy");
                    if sick.len() > 0 {{ throw `green has unhealthy targets: ${{sick}}`; }}
                }},
                keep: "1s", interval: "500ms",
            }});"#
        ),
        &[],
    );
    assert_eq!(code, 0, "{said}");
    assert_eq!(weights(&moto, listener), json!({"blue": 0, "green": 100}));

    // A canary of blue (now the idle group), its analysis given.
    let canary = |analysis: &str| {
        play(
            dir.path(),
            &format!(
                r#"import "orion/canary" as canary;
                {r}
                canary::run(#{{
                    router: r, stable: "green", canary: "blue",
                    steps: [10, 50, 100], pause: "500ms", interval: "250ms",
                    analysis: {analysis},
                }});"#
            ),
            &[],
        )
    };

    // Failing at 50%: aborted back to green, and the run's changes undone.
    let (code, said) = canary(r#"|weight| { if weight >= 50 { throw "5xx rate 7% over 1%"; } }"#);
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains("set weights blue 10, green 90")
            && said.contains("canary aborted: at 50%: 5xx rate 7% over 1%"),
        "{said}"
    );
    assert_eq!(weights(&moto, listener), json!({"blue": 0, "green": 100}));

    // The same canary passing every step ends with all traffic on blue.
    let (code, said) = canary("|weight| info(`analysed at ${weight}`)");
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("analysed at 50"), "{said}");
    assert_eq!(weights(&moto, listener), json!({"blue": 100, "green": 0}));
}

#[test]
fn the_shipped_canary_playbook_grows_a_canary_judged_by_cloudwatch_and_aborts_a_bad_one() {
    let (moto, made) = alb();
    let shim = moto.cloudwatch();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::support::repo().join("playbooks/aws/canary-alb.rhai"),
        dir.path().join("canary-alb.rhai"),
    )
    .unwrap();
    let listener = made["listener"].as_str().unwrap();
    let resource = |arn: &str| arn.splitn(6, ':').nth(5).unwrap().to_string();
    let green = resource(made["groups"]["green"].as_str().unwrap());
    let load_balancer = resource(listener)
        .split('/')
        .skip(1)
        .take(3)
        .collect::<Vec<_>>()
        .join("/");
    let put = |name: &str, value: f64| {
        moto.fixture(
            "metric",
            json!({"namespace": "AWS/ApplicationELB", "name": name,
                   "dimensions": {"TargetGroup": green, "LoadBalancer": load_balancer},
                   "values": [[20, value]]}),
        );
    };
    let run = |extra: &[&str]| {
        let set = [
            format!("listener={listener}"),
            "stable=blue".into(),
            "canary=green".into(),
            "steps=10,50,100".into(),
            "pause=1s".into(),
            "interval=500ms".into(),
            format!("endpoint_url={}", moto.endpoint),
            format!("cloudwatch_endpoint_url={}", shim.endpoint),
        ];
        let mut args = vec!["play".to_string(), "canary-alb.rhai".to_string()];
        for s in set.iter().map(String::as_str).chain(extra.iter().copied()) {
            args.push("--set".into());
            args.push(s.to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        orion(dir.path(), &args, true)
    };

    // No requests have reached the canary: no data is not a pass.
    let (code, _, said) = run(&[]);
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains("RequestCount") && said.contains("no data"),
        "{said}"
    );
    assert_eq!(
        weights(&moto, &made["listener"]),
        json!({"blue": 100, "green": 0})
    );

    // 1 of 200 requests failed: 0.5%, under 1%. Every step passes.
    put("RequestCount", 200.0);
    put("HTTPCode_Target_5XX_Count", 1.0);
    let (code, _, said) = run(&[]);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("green at 50%: 5xx rate 0.5% (1.0 of 200.0 requests)"),
        "{said}"
    );
    assert_eq!(
        weights(&moto, &made["listener"]),
        json!({"blue": 0, "green": 100})
    );
    let (code, _, said) = orion(dir.path(), &["rollback", "--last"], true);
    assert_eq!(code, 0, "{said}");
    assert_eq!(
        weights(&moto, &made["listener"]),
        json!({"blue": 100, "green": 0})
    );

    // 20 more failed: 10.5%. Aborted at the first step, traffic back on blue.
    put("HTTPCode_Target_5XX_Count", 20.0);
    let (code, _, said) = run(&[]);
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains("canary aborted: at 10%: green's 5xx rate is 10.5%"),
        "{said}"
    );
    assert_eq!(
        weights(&moto, &made["listener"]),
        json!({"blue": 100, "green": 0})
    );

    // An alarm in ALARM stops it before any change.
    moto.fixture(
        "alarm",
        json!({"name": "web-5xx", "state": "ALARM", "reason": "5xx over 1% for 3 minutes"}),
    );
    let (code, _, said) = run(&["alarm=web-5xx"]);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("5xx over 1% for 3 minutes"), "{said}");
    assert!(!said.contains("set weights"), "{said}");
}
