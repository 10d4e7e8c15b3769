//! A monitor's checks, written as maps: `#{http: url, expect: 200}` (any
//! `health::` check), `#{pods: "app=web", max_restarts: 2}` (crash loops and
//! restarts since the monitor started), `#{prometheus: client, query, op,
//! threshold}` and `#{cloudwatch: client, metric, op, threshold}` (a value
//! against a threshold), `#{cloudwatch: client, alarm}` (an alarm in
//! ALARM) — the last three in `metric.rs`. Each may say `name` and `for`
//! (how long a breach must last before it trips).

use super::metric::{self, AlarmCheck, MetricCheck};
use super::reading::Reading;
use crate::drivers::kube::Cluster;
use crate::drivers::probe::Check;
use crate::primitives::host::Host;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use rhai::Map;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Keys every check may carry besides its own.
const COMMON: [&str; 2] = ["name", "for"];

pub(super) enum Probe {
    Health(Box<Check>),
    /// A Prometheus or CloudWatch query whose value must satisfy `op threshold`.
    Metric(MetricCheck),
    /// A CloudWatch alarm that must not be in ALARM.
    Alarm(AlarmCheck),
    Pods {
        cluster: Arc<Cluster>,
        selector: String,
        max_restarts: i64,
        /// Restarts per pod when first seen: only new restarts count.
        seen: Mutex<HashMap<String, i64>>,
    },
}

pub(super) struct Watch {
    pub name: String,
    pub probe: Probe,
    /// How long a breach must last before the check trips.
    pub window: Duration,
    /// A breach is under way (logged once when it starts and when it ends).
    pub breaching: AtomicBool,
}

/// What a check map asks for; `cluster` connects when a check needs it.
pub(super) fn parse(
    host: &Host,
    map: &Map,
    cluster: &dyn Fn() -> Result<Arc<Cluster>, String>,
) -> Result<Watch, String> {
    let window = match map.get("for") {
        None => Duration::ZERO,
        Some(v) => crate::duration::parse(&v.to_string())
            .map_err(|e| format!("a check's `for` is a duration like \"30s\": {e}"))?,
    };
    let mut rest = map.clone();
    for key in COMMON {
        rest.remove(key);
    }
    let probe = if let Some(client) = rest.get("prometheus") {
        metric::prometheus(client, &rest)?
    } else if let Some(client) = rest.get("cloudwatch") {
        metric::cloudwatch(host, client, &rest)?
    } else if let Some(selector) = rest.get("pods") {
        for key in rest.keys() {
            if !["pods", "max_restarts"].contains(&key.as_str()) {
                return Err(format!(
                    "a pods check has no option \"{key}\"; known: pods, max_restarts, name, for"
                ));
            }
        }
        let max_restarts = match rest.get("max_restarts") {
            None => 0,
            Some(v) => v
                .as_int()
                .map_err(|_| "max_restarts is a whole number".to_string())?,
        };
        Probe::Pods {
            cluster: cluster()?,
            selector: selector.to_string(),
            max_restarts,
            seen: Mutex::new(HashMap::new()),
        }
    } else {
        Probe::Health(Box::new(crate::primitives::health::options::from_map(host, &rest).map_err(
            |e| format!("{e}\nhint: a monitor check is a health check map (#{{http: url, expect: 200}}) or #{{pods: selector, max_restarts: n}}"),
        )?))
    };
    let name = match map.get("name") {
        Some(n) => n.to_string(),
        None => match &probe {
            Probe::Health(c) => c.name.clone(),
            Probe::Pods { selector, .. } => format!("pods {selector}"),
            Probe::Metric(m) => m.source.query().to_string(),
            Probe::Alarm(a) => format!("alarm {}", a.alarm),
        },
    };
    Ok(Watch {
        name,
        probe,
        window,
        breaching: AtomicBool::new(false),
    })
}

impl Watch {
    /// Evaluates the check once.
    pub(super) async fn read(&self) -> Reading {
        match &self.probe {
            Probe::Health(check) => match crate::drivers::probe::run::run(check).await {
                Ok(p) => Reading {
                    breached: false,
                    value: None,
                    threshold: "passes".into(),
                    detail: format!("passed in {} ms", p.latency.as_millis()),
                },
                Err(f) => Reading {
                    breached: true,
                    value: None,
                    threshold: "passes".into(),
                    detail: f.message,
                },
            },
            Probe::Pods {
                cluster,
                selector,
                max_restarts,
                seen,
            } => pods(cluster, selector, *max_restarts, seen).await,
            Probe::Metric(m) => m.read().await,
            Probe::Alarm(a) => a.read().await,
        }
    }
}

/// Restarts since first seen, and crash loops, of the pods matching `selector`.
async fn pods(
    cluster: &Cluster,
    selector: &str,
    max: i64,
    seen: &Mutex<HashMap<String, i64>>,
) -> Reading {
    let threshold = format!("at most {max} restarts, no crash loop");
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), cluster.namespace());
    let list = match api.list(&ListParams::default().labels(selector)).await {
        Ok(l) => l,
        Err(e) => {
            // An API hiccup is not a verdict on the workload.
            return Reading {
                breached: false,
                value: None,
                threshold,
                detail: format!("could not list pods {selector}: {e}"),
            };
        }
    };
    let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    let mut worst: (i64, String) = (0, String::new());
    let mut looping = vec![];
    for pod in &list.items {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let statuses = pod
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.clone())
            .unwrap_or_default();
        let restarts: i64 = statuses.iter().map(|c| i64::from(c.restart_count)).sum();
        let first = *seen.entry(name.clone()).or_insert(restarts);
        if restarts - first > worst.0 {
            worst = (restarts - first, name.clone());
        }
        let crash_loop = statuses.iter().any(|c| {
            c.state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                == Some("CrashLoopBackOff")
        });
        if crash_loop {
            looping.push(name);
        }
    }
    let breached = worst.0 > max || !looping.is_empty();
    let detail = if !looping.is_empty() {
        format!("crash-looping: {}", looping.join(", "))
    } else if worst.0 > 0 {
        format!(
            "{} restarted {} times since the monitor started",
            worst.1, worst.0
        )
    } else {
        format!("{} pods, no restarts", list.items.len())
    };
    Reading {
        breached,
        value: Some(worst.0 as f64),
        threshold,
        detail,
    }
}
