//! What simulated containers print, read with the real `kubectl logs`: the
//! scenario's start lines, one ERROR line per 5xx served, and the options
//! that pick lines by time.

use orion_sim::scenario::Scenario;
use orion_sim::testing::http::{get, get_when_up};
use orion_sim::testing::{deployment, KubectlCluster};
use std::time::Duration;

const SCENARIO: &str = r#"
[[image]]
match = "shop/pay:1.5.0"
error_rate = 1.0
start_logs = ["ERROR cannot reach the payment provider", "WARN retrying in 5s"]
"#;

/// A cluster running one pod of shop/pay:1.5.0; returns it, the pod's name
/// and its `ip:8080`.
fn paying() -> (KubectlCluster, String, String) {
    let c = KubectlCluster::start_with(|config, _| {
        config.scenario = Scenario::parse(SCENARIO).unwrap();
        // The test sends its requests straight to the pod's IP.
        config.scenario.cluster.pod_network = orion_sim::PodNetwork::Host;
    });
    c.apply(
        "d.yaml",
        &deployment("pay", "shop/pay:1.5.0", 1, "app: pay"),
    );
    c.ready("pay", 1);
    let pod = c.ok(&["get", "pods", "-o", "jsonpath={.items[0].metadata.name}"]);
    let addr = format!("{}:8080", c.pod_ips("app=pay")[0]);
    get_when_up(&addr, "/healthz");
    (c, pod, addr)
}

/// The lines without their leading time, which must be RFC 3339.
fn messages(log: &str) -> Vec<&str> {
    log.lines()
        .map(|l| {
            let (time, message) = l.split_once(' ').unwrap();
            assert!(time.parse::<jiff::Timestamp>().is_ok(), "{l}");
            message
        })
        .collect()
}

#[test]
fn a_failing_image_logs_its_start_lines_and_each_error_it_serves() {
    let (c, pod, addr) = paying();
    for path in ["/pay", "/pay", "/refund"] {
        assert_eq!(get(&addr, path).unwrap().status, 500);
    }
    let log = c.until(&["logs", &pod], |out| out.lines().count() == 6);
    assert_eq!(
        messages(&log),
        [
            "orion-sim: container app started from image shop/pay:1.5.0",
            "ERROR cannot reach the payment provider",
            "WARN retrying in 5s",
            "ERROR GET /pay answered 500",
            "ERROR GET /pay answered 500",
            "ERROR GET /refund answered 500",
        ]
    );
    // What a playbook's error count reads: four lines contain ERROR.
    let recent = c.ok(&["logs", &pod, "--since=5m"]);
    assert_eq!(recent.lines().filter(|l| l.contains("ERROR")).count(), 4);
}

#[test]
fn since_keeps_only_lines_printed_in_the_window() {
    let (c, pod, addr) = paying();
    c.until(&["logs", &pod], |out| out.lines().count() == 3);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(c.ok(&["logs", &pod, "--since=1s"]), "");
    assert_eq!(c.ok(&["logs", &pod, "--since=1h"]).lines().count(), 3);

    get(&addr, "/late").unwrap();
    let recent = c.until(&["logs", &pod, "--since=1s"], |out| !out.is_empty());
    assert_eq!(messages(&recent), ["ERROR GET /late answered 500"]);
    // --timestamps: the runtime's time first, to the nanosecond.
    let stamped = c.ok(&["logs", &pod, "--since=1s", "--timestamps"]);
    let (time, rest) = stamped.split_once(' ').unwrap();
    assert_eq!(
        time.len(),
        "2026-01-01T00:00:00.000000000Z".len(),
        "{stamped}"
    );
    assert!(time.parse::<jiff::Timestamp>().is_ok(), "{stamped}");
    assert_eq!(rest, recent);
    let since_time = c.ok(&["logs", &pod, &format!("--since-time={time}")]);
    assert_eq!(since_time, recent);

    // Out of range is the apiserver's 422, before the pod is even looked up.
    let (code, _, err) = c.kubectl(&[
        "get",
        "--raw",
        "/api/v1/namespaces/default/pods/nothing/log?sinceSeconds=0",
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains(
            "PodLogOptions \"nothing\" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0"
        ),
        "{err}"
    );
}
