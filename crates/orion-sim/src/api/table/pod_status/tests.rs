//! Each STATUS the pod printer can show, from realistic pod shapes.

use super::*;
use serde_json::json;

fn pod(spec: Value, status: Value) -> Value {
    json!({"metadata": {"name": "p"}, "spec": spec, "status": status})
}

fn one_container() -> Value {
    json!({"containers": [{"name": "app", "image": "nginx"}]})
}

fn reason(p: &Value) -> String {
    summarize(p).reason
}

#[test]
fn pending_unscheduled() {
    let p = pod(one_container(), json!({"phase": "Pending"}));
    let s = summarize(&p);
    assert_eq!(
        (s.ready, s.total, s.reason.as_str(), s.restarts),
        (0, 1, "Pending", 0)
    );
}

#[test]
fn scheduling_gated_overrides_phase() {
    let conds = json!([{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]);
    let p = pod(
        one_container(),
        json!({"phase": "Pending", "conditions": conds}),
    );
    assert_eq!(reason(&p), "SchedulingGated");
}

#[test]
fn waiting_reasons_show_through() {
    for why in [
        "ContainerCreating",
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
    ] {
        let cs = json!([{"name": "app", "ready": false, "restartCount": 0,
                         "state": {"waiting": {"reason": why}}}]);
        let p = pod(
            one_container(),
            json!({"phase": "Pending", "containerStatuses": cs}),
        );
        assert_eq!(reason(&p), why);
    }
}

#[test]
fn running_and_ready_counts() {
    let spec = json!({"containers": [{"name": "a"}, {"name": "b"}]});
    let cs = json!([
        {"name": "a", "ready": true, "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}},
        {"name": "b", "ready": false, "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}
    ]);
    let s = summarize(&pod(
        spec,
        json!({"phase": "Running", "containerStatuses": cs}),
    ));
    assert_eq!((s.ready, s.total, s.reason.as_str()), (1, 2, "Running"));
}

#[test]
fn terminated_reasons_and_exit_codes() {
    let term = |t: Value| {
        let cs = json!([{"name": "app", "state": {"terminated": t}}]);
        reason(&pod(
            one_container(),
            json!({"phase": "Running", "containerStatuses": cs}),
        ))
    };
    assert_eq!(
        term(json!({"reason": "OOMKilled", "exitCode": 137})),
        "OOMKilled"
    );
    assert_eq!(
        term(json!({"reason": "Completed", "exitCode": 0})),
        "Completed"
    );
    assert_eq!(term(json!({"exitCode": 2})), "ExitCode:2");
    assert_eq!(term(json!({"exitCode": 137, "signal": 9})), "Signal:9");
}

#[test]
fn completed_with_a_running_container_is_running_or_not_ready() {
    let spec = json!({"containers": [{"name": "a"}, {"name": "b"}]});
    let cs = json!([
        {"name": "a", "ready": true, "state": {"running": {}}},
        {"name": "b", "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}
    ]);
    let ready = json!([{"type": "Ready", "status": "True"}]);
    let with = pod(
        spec.clone(),
        json!({"phase": "Running", "containerStatuses": cs, "conditions": ready}),
    );
    assert_eq!(reason(&with), "Running");
    let without = pod(spec, json!({"phase": "Running", "containerStatuses": cs}));
    assert_eq!(reason(&without), "NotReady");
}

#[test]
fn init_progress_and_failures() {
    let spec = json!({"initContainers": [{"name": "init"}], "containers": [{"name": "app"}]});
    let init = |st: Value| {
        let ics = json!([{"name": "init", "restartCount": 0, "state": st}]);
        reason(&pod(
            spec.clone(),
            json!({"phase": "Pending", "initContainerStatuses": ics}),
        ))
    };
    assert_eq!(init(json!({"running": {}})), "Init:0/1");
    assert_eq!(
        init(json!({"waiting": {"reason": "PodInitializing"}})),
        "Init:0/1"
    );
    assert_eq!(
        init(json!({"waiting": {"reason": "ImagePullBackOff"}})),
        "Init:ImagePullBackOff"
    );
    assert_eq!(
        init(json!({"terminated": {"reason": "Error", "exitCode": 1}})),
        "Init:Error"
    );
    assert_eq!(
        init(json!({"terminated": {"exitCode": 3}})),
        "Init:ExitCode:3"
    );
    assert_eq!(
        init(json!({"terminated": {"exitCode": 1, "signal": 15}})),
        "Init:Signal:15"
    );
}

#[test]
fn finished_init_then_containers_decide() {
    let spec = json!({"initContainers": [{"name": "init"}], "containers": [{"name": "app"}]});
    let ics = json!([{"name": "init", "restartCount": 2,
                      "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]);
    let cs = json!([{"name": "app", "ready": true, "restartCount": 1, "state": {"running": {}}}]);
    let s = summarize(&pod(
        spec,
        json!({"phase": "Running", "initContainerStatuses": ics,
                                        "containerStatuses": cs}),
    ));
    // Non-sidecar init restarts are dropped once initialization is over.
    assert_eq!(
        (s.reason.as_str(), s.ready, s.total, s.restarts),
        ("Running", 1, 1, 1)
    );
}

#[test]
fn sidecars_count_toward_ready_total_and_restarts() {
    let spec = json!({"initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
                      "containers": [{"name": "app"}]});
    let ics = json!([{"name": "proxy", "started": true, "ready": true, "restartCount": 4,
                      "lastState": {"terminated": {"finishedAt": "2024-01-01T00:10:00Z"}},
                      "state": {"running": {}}}]);
    let cs = json!([{"name": "app", "ready": true, "restartCount": 1, "state": {"running": {}},
                     "lastState": {"terminated": {"finishedAt": "2024-01-01T00:05:00Z"}}}]);
    let conds = json!([{"type": "Initialized", "status": "True"}]);
    let s = summarize(&pod(
        spec,
        json!({"phase": "Running", "initContainerStatuses": ics,
                                        "containerStatuses": cs, "conditions": conds}),
    ));
    assert_eq!((s.ready, s.total, s.restarts), (2, 2, 5));
    assert_eq!(
        s.last_restart,
        Some("2024-01-01T00:10:00Z".parse().unwrap())
    );
}

#[test]
fn terminating_unknown_and_terminal_phases() {
    let cs = json!([{"name": "app", "ready": true, "state": {"running": {}}}]);
    let mut p = pod(
        one_container(),
        json!({"phase": "Running", "containerStatuses": cs}),
    );
    p["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
    assert_eq!(reason(&p), "Terminating");
    p["status"]["reason"] = json!("NodeLost");
    assert_eq!(reason(&p), "Unknown");
    let mut done = pod(one_container(), json!({"phase": "Succeeded"}));
    done["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
    assert_eq!(reason(&done), "Succeeded");
    let evicted = pod(
        one_container(),
        json!({"phase": "Failed", "reason": "Evicted"}),
    );
    assert_eq!(reason(&evicted), "Evicted");
}

#[test]
fn latest_finish_time_wins_and_garbage_never_panics() {
    let spec = json!({"containers": [{"name": "a"}, {"name": "b"}]});
    let cs = json!([
        {"name": "a", "restartCount": 2, "state": {"running": {}}, "ready": true,
         "lastState": {"terminated": {"finishedAt": "2024-01-01T00:00:00Z"}}},
        {"name": "b", "restartCount": 1, "state": {"running": {}}, "ready": true,
         "lastState": {"terminated": {"finishedAt": "2024-01-02T00:00:00Z"}}}
    ]);
    let s = summarize(&pod(
        spec,
        json!({"phase": "Running", "containerStatuses": cs}),
    ));
    assert_eq!(s.restarts, 3);
    assert_eq!(
        s.last_restart,
        Some("2024-01-02T00:00:00Z".parse().unwrap())
    );
    let junk = json!({"spec": 4, "status": {"containerStatuses": [7, "x", {"state": 1}]}});
    let s = summarize(&junk);
    assert_eq!(
        (s.ready, s.total, s.reason.as_str(), s.restarts),
        (0, 0, "", 0)
    );
}
