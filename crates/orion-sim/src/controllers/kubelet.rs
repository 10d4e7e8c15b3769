//! The kubelet of every simulated node. A bound pod goes ContainerCreating →
//! Running → Ready; images the scenario marks misbehave as real ones do:
//! ErrImagePull → ImagePullBackOff, crashes (Error or OOMKilled) into
//! CrashLoopBackOff with a doubling back-off, or never become ready. What a
//! container prints (its start, the scenario's `start_logs`, the 5xx answers
//! its server printed, why it exits) goes to its log.

use crate::controllers::events;
use crate::controllers::object::set_condition;
use crate::controllers::object::{name, namespace, resource, uid};
use crate::controllers::pod_status::{containers, exited, with_states, ContainerState};
use crate::controllers::terminate::terminating;
use crate::controllers::Timing;
use crate::logs::Logs;
use crate::meta;
use crate::network::Network;
use crate::scenario::{ImageBehaviour, Scenario};
use crate::serving::Effective;
use crate::store::Store;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// One container's life on the node.
#[derive(Debug, Clone, Default)]
struct Container {
    /// When the current run started (None: not running).
    running_since: Option<(Instant, String)>,
    restarts: u32,
    /// Crash-loop back-off: when the next start is due.
    backoff_until: Option<Instant>,
    last: Option<Value>,
    pull_failed_at: Option<Instant>,
    unhealthy_reported: bool,
    /// Exited for good (restartPolicy Never, or OnFailure after exit 0).
    finished: Option<Value>,
}

/// What the kubelet remembers between passes, per pod uid.
#[derive(Default)]
pub struct Kubelet {
    pods: HashMap<String, (Instant, Vec<Container>)>,
    next_ip: HashMap<String, u32>,
    /// The soonest timed transition (start, ready, crash, back-off end).
    next_due: Option<Instant>,
    /// Pods being stopped, by uid: when their containers are done.
    stopping: HashMap<String, Instant>,
}

/// Remembers the soonest of the deadlines it is shown.
fn due(next: &mut Option<Instant>, at: Instant) {
    if next.is_none_or(|n| at < n) {
        *next = Some(at);
    }
}

fn ready_delay(c: &Value, b: Option<&ImageBehaviour>, timing: &Timing) -> Duration {
    b.and_then(|b| b.ready_delay)
        .or_else(|| {
            c["readinessProbe"]["initialDelaySeconds"]
                .as_u64()
                .map(Duration::from_secs)
        })
        .unwrap_or(timing.ready)
}

impl Kubelet {
    /// When the next timed transition is due, as of the last pass.
    pub fn next_due(&self) -> Option<Instant> {
        self.next_due
    }

    pub fn reconcile(
        &mut self,
        store: &Store,
        logs: &Logs,
        network: &Network,
        timing: &Timing,
        scenario: &Scenario,
    ) {
        self.next_due = None;
        let pods_r = resource("", "pods");
        let (pods, _) = store.list_shared(pods_r, None);
        let live: HashSet<&str> = pods.iter().map(|p| uid(p)).collect();
        let names: HashSet<(&str, &str)> = pods.iter().map(|p| (namespace(p), name(p))).collect();
        logs.retain(|ns, pod| names.contains(&(ns, pod)));
        self.pods.retain(|k, _| live.contains(k.as_str()));
        self.stopping.retain(|k, _| live.contains(k.as_str()));
        // Each node's InternalIP, the hostIP of its pods.
        let host_ips: HashMap<String, String> = store
            .list(resource("", "nodes"), None)
            .0
            .iter()
            .filter_map(|n| {
                let ip = n["status"]["addresses"]
                    .as_array()?
                    .iter()
                    .find(|a| a["type"] == "InternalIP")?;
                Some((name(n).to_string(), ip["address"].as_str()?.to_string()))
            })
            .collect();
        let mut used_ips = ips_in_use(&pods);
        for pod in &pods {
            let node = pod["spec"]["nodeName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if node.is_empty() {
                continue;
            }
            if terminating(pod) {
                for c in containers(pod) {
                    take_printed(logs, network, pod, c["name"].as_str().unwrap_or_default());
                }
                self.stop(store, logs, pod, timing);
                continue;
            }
            let specs = containers(pod);
            let (bound, mut state) = self
                .pods
                .remove(uid(pod))
                .unwrap_or_else(|| (Instant::now(), vec![Container::default(); specs.len()]));
            state.resize(specs.len(), Container::default());
            let now = meta::now();
            let mut shown = Vec::new();
            for (c, spec) in state.iter_mut().zip(&specs) {
                let image = spec["image"].as_str().unwrap_or_default();
                let b = scenario.behaviour(image);
                let cname = spec["name"].as_str().unwrap_or_default();
                // The container's server counts requests; the scenario may end it after N.
                let crash_requested = c.running_since.is_some()
                    && network
                        .stats(uid(pod), cname)
                        .is_some_and(|s| s.crash_requested());
                // Taken after the flag is read, so the lines printed before a crash
                // land in the run that crashed.
                take_printed(logs, network, pod, cname);
                shown.push(step(
                    store,
                    logs,
                    pod,
                    c,
                    spec,
                    b,
                    bound,
                    timing,
                    &now,
                    &mut self.next_due,
                    crash_requested,
                ));
            }
            let ip = pod["status"]["podIP"]
                .as_str()
                .map(str::to_string)
                .or_else(|| {
                    shown
                        .iter()
                        .any(|s| matches!(s, ContainerState::Running { .. }))
                        .then(|| self.pod_ip(store, &node, &mut used_ips))
                        .flatten()
                });
            let restarts: Vec<u32> = state.iter().map(|c| c.restarts).collect();
            let last: Vec<Option<Value>> = state.iter().map(|c| c.last.clone()).collect();
            let host_ip = host_ips.get(&node).cloned();
            let _ = store.modify(pods_r, namespace(pod), name(pod), |cur| {
                let mut next = with_states(cur, &shown, &restarts, &last, ip.as_deref(), &now);
                if let Some(host) = &host_ip {
                    next["status"]["hostIP"] = json!(host);
                    next["status"]["hostIPs"] = json!([{ "ip": host }]);
                }
                Ok(next)
            });
            self.pods.insert(uid(pod).to_string(), (bound, state));
        }
    }

    /// Stops a pod being deleted: Killing events and not ready at once, gone
    /// once its containers have stopped (the stop time, at most the grace period).
    fn stop(&mut self, store: &Store, logs: &Logs, pod: &Value, timing: &Timing) {
        let id = uid(pod).to_string();
        let done = match self.stopping.get(&id) {
            Some(done) => *done,
            None => {
                let grace = Duration::from_secs(
                    pod["metadata"]["deletionGracePeriodSeconds"]
                        .as_u64()
                        .unwrap_or(30),
                );
                let done = Instant::now() + timing.stop.min(grace);
                self.stopping.insert(id.clone(), done);
                let now = meta::now();
                for c in containers(pod) {
                    let cname = c["name"].as_str().unwrap_or_default();
                    events::record(
                        store,
                        pod,
                        "Normal",
                        "Killing",
                        &format!("Stopping container {cname}"),
                        "kubelet",
                    );
                    logs.append(
                        namespace(pod),
                        name(pod),
                        cname,
                        format!("{now} orion-sim: container {cname} stopping (SIGTERM)"),
                    );
                }
                let _ = store.modify(resource("", "pods"), namespace(pod), name(pod), |cur| {
                    let mut next = cur.clone();
                    if let Some(statuses) = next["status"]["containerStatuses"].as_array_mut() {
                        for s in statuses {
                            s["ready"] = json!(false);
                        }
                    }
                    set_condition(
                        &mut next,
                        "ContainersReady",
                        "False",
                        "ContainersNotReady",
                        "containers with unready status",
                        &now,
                    );
                    set_condition(
                        &mut next,
                        "Ready",
                        "False",
                        "ContainersNotReady",
                        "containers with unready status",
                        &now,
                    );
                    Ok(next)
                });
                done
            }
        };
        if Instant::now() >= done {
            let _ = store.delete(resource("", "pods"), namespace(pod), name(pod));
            self.stopping.remove(&id);
            self.pods.remove(&id);
        } else {
            due(&mut self.next_due, done);
        }
    }

    /// The next free address in the node's pod CIDR (a /24 on loopback),
    /// going round from the last one given, as host-local IPAM does.
    fn pod_ip(&mut self, store: &Store, node: &str, used: &mut HashSet<String>) -> Option<String> {
        let cidr = store
            .get(resource("", "nodes"), "", node)
            .and_then(|n| n["spec"]["podCIDR"].as_str().map(str::to_string))?;
        let base = cidr.strip_suffix("0/24")?.to_string();
        let last = self.next_ip.entry(node.to_string()).or_insert(1);
        let host = (1..=253)
            .map(|step| (*last + step - 2) % 253 + 2)
            .find(|h| !used.contains(&format!("{base}{h}")))?;
        *last = host;
        let ip = format!("{base}{host}");
        used.insert(ip.clone());
        Some(ip)
    }
}

/// Moves what the running container `cname` of `pod` printed into its log.
fn take_printed(logs: &Logs, network: &Network, pod: &Value, cname: &str) {
    let Some(stats) = network.stats(uid(pod), cname) else {
        return;
    };
    for line in stats.take_printed() {
        logs.append_at(namespace(pod), name(pod), cname, line.at, line.text);
    }
}

/// The pod IPs held on the machine's pods (by live, unfinished pods).
fn ips_in_use(pods: &[std::sync::Arc<Value>]) -> HashSet<String> {
    pods.iter()
        .filter(|p| !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")))
        .filter_map(|p| p["status"]["podIP"].as_str().map(str::to_string))
        .collect()
}

/// Advances one container and returns what it shows now.
#[allow(clippy::too_many_arguments)]
fn step(
    store: &Store,
    logs: &Logs,
    pod: &Value,
    c: &mut Container,
    spec: &Value,
    b: Option<&ImageBehaviour>,
    bound: Instant,
    timing: &Timing,
    now: &str,
    next: &mut Option<Instant>,
    crash_requested: bool,
) -> ContainerState {
    if let Some(state) = &c.finished {
        return ContainerState::Terminated(state.clone());
    }
    let image = spec["image"].as_str().unwrap_or_default();
    let cname = spec["name"].as_str().unwrap_or_default();
    let start_at = timing.start + b.and_then(|b| b.start_delay).unwrap_or_default();
    if bound.elapsed() < start_at && c.running_since.is_none() && c.restarts == 0 {
        due(next, bound + start_at);
        return ContainerState::Waiting("ContainerCreating", String::new());
    }
    if b.is_some_and(|b| b.pull_error) {
        let failed = *c.pull_failed_at.get_or_insert_with(|| {
            let msg = format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found");
            events::record(store, pod, "Warning", "Failed", &msg, "kubelet");
            Instant::now()
        });
        if failed.elapsed() < timing.backoff {
            due(next, failed + timing.backoff);
            return ContainerState::Waiting(
                "ErrImagePull",
                format!("failed to pull and unpack image \"{image}\": not found"),
            );
        }
        if failed.elapsed() < timing.backoff + timing.tick * 2 {
            events::record(
                store,
                pod,
                "Normal",
                "BackOff",
                &format!("Back-off pulling image \"{image}\""),
                "kubelet",
            );
        }
        return ContainerState::Waiting(
            "ImagePullBackOff",
            format!("Back-off pulling image \"{image}\""),
        );
    }
    if let Some(until) = c.backoff_until {
        if Instant::now() < until {
            due(next, until);
            return crash_loop(back_off(timing, c.restarts), cname, pod);
        }
        c.backoff_until = None;
        c.running_since = None;
    }
    let (since, since_text) = match &c.running_since {
        Some(x) => x.clone(),
        None => {
            if c.restarts == 0 {
                events::record(
                    store,
                    pod,
                    "Normal",
                    "Pulled",
                    &format!("Container image \"{image}\" already present on machine"),
                    "kubelet",
                );
            }
            events::record(
                store,
                pod,
                "Normal",
                "Created",
                &format!("Created container: {cname}"),
                "kubelet",
            );
            events::record(
                store,
                pod,
                "Normal",
                "Started",
                &format!("Started container {cname}"),
                "kubelet",
            );
            // The run began when it was due, not when this pass noticed: delays
            // then add up to what the scenario says, whatever the tick.
            let due = if c.restarts == 0 {
                bound + start_at
            } else {
                Instant::now()
            };
            let started = (due.min(Instant::now()), now.to_string());
            c.running_since = Some(started.clone());
            let line = format!("{now} orion-sim: container {cname} started from image {image}");
            logs.append(namespace(pod), name(pod), cname, line);
            for text in b.map(|b| b.start_logs.as_slice()).unwrap_or_default() {
                logs.append(namespace(pod), name(pod), cname, format!("{now} {text}"));
            }
            started
        }
    };
    let timed = b.and_then(|b| b.crash_after);
    let finishes = b.and_then(|b| b.exit_after);
    for at in [timed, finishes].into_iter().flatten() {
        due(next, since + at);
    }
    let by_time = timed.is_some_and(|after| since.elapsed() >= after);
    let by_exit = finishes.is_some_and(|after| since.elapsed() >= after);
    if by_time || crash_requested || by_exit {
        let crashed = by_time || crash_requested;
        let oom = crashed && b.is_some_and(|b| b.oom);
        let code = match (crashed, oom) {
            (_, true) => 137,
            (true, false) => 1,
            (false, _) => b.map_or(0, |b| b.exit_code),
        };
        let state = exited(code, oom, &since_text, now);
        let why = if oom {
            "killed: out of memory (OOMKilled), exit code 137".to_string()
        } else if by_time {
            "exiting with code 1 (the scenario's crash_after)".to_string()
        } else if crash_requested {
            "exiting with code 1 (the scenario's crash_after_requests)".to_string()
        } else {
            format!("finished with exit code {code} (the scenario's exit_after)")
        };
        logs.append(
            namespace(pod),
            name(pod),
            cname,
            format!("{now} orion-sim: container {cname} {why}"),
        );
        // restartPolicy decides whether the kubelet starts it again.
        let restart = match pod["spec"]["restartPolicy"].as_str() {
            Some("Never") => false,
            Some("OnFailure") => code != 0,
            _ => true,
        };
        if !restart {
            c.running_since = None;
            c.finished = Some(state.clone());
            return ContainerState::Terminated(state);
        }
        c.last = Some(state);
        c.restarts += 1;
        logs.restart(namespace(pod), name(pod), cname);
        let wait = back_off(timing, c.restarts);
        c.backoff_until = Some(Instant::now() + wait);
        let msg = format!(
            "Back-off restarting failed container {cname} in pod {}_{}({})",
            name(pod),
            namespace(pod),
            uid(pod)
        );
        events::record(store, pod, "Warning", "BackOff", &msg, "kubelet");
        return crash_loop(wait, cname, pod);
    }
    // A readiness probe sees what the container's health endpoint answers
    // now: the scenario's `unhealthy`, which a phase may switch on later.
    let probed = !spec["readinessProbe"].is_null();
    let health = Effective::at(b, since.elapsed());
    let never = b.is_some_and(|b| b.never_ready);
    let failing = never || (probed && health.unhealthy);
    let ready = !failing && since.elapsed() >= ready_delay(spec, b, timing);
    if !failing && !ready {
        due(next, since + ready_delay(spec, b, timing));
    }
    for phase in b.map(|b| b.phases.as_slice()).unwrap_or_default() {
        if since.elapsed() < phase.after {
            due(next, since + phase.after);
        }
    }
    if failing && probed {
        if !c.unhealthy_reported {
            c.unhealthy_reported = true;
            let status = if health.unhealthy {
                health.unhealthy_status
            } else {
                503
            };
            events::record(
                store,
                pod,
                "Warning",
                "Unhealthy",
                &format!("Readiness probe failed: HTTP probe failed with statuscode: {status}"),
                "kubelet",
            );
        }
    } else {
        c.unhealthy_reported = false;
    }
    ContainerState::Running {
        since: since_text,
        ready,
    }
}

/// The back-off after `restarts` restarts: doubling from `timing.backoff`, up to 30 times it.
fn back_off(timing: &Timing, restarts: u32) -> Duration {
    timing
        .backoff
        .saturating_mul(1 << restarts.saturating_sub(1).min(5))
        .min(timing.backoff * 30)
}

/// What a crash-looping container shows while it waits `wait` to restart.
fn crash_loop(wait: Duration, cname: &str, pod: &Value) -> ContainerState {
    ContainerState::Waiting(
        "CrashLoopBackOff",
        format!(
            "back-off {} restarting failed container={cname} pod={}_{}({})",
            human(wait),
            name(pod),
            namespace(pod),
            uid(pod)
        ),
    )
}

/// "10s", "1m20s", "5m0s": Go's duration format as the kubelet prints back-offs.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else if s > 0 {
        format!("{s}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}
