//! `monitor(#{checks, interval})`: checks the host runs in the background
//! while the script goes on. When one trips, the host records the trigger in
//! the journal, stops the current step, and the run fails into compensation
//! (the automatic rollback) with the trigger as its error. Checks: health
//! checks, pods, Prometheus and CloudWatch values, CloudWatch alarms.

mod checks;
mod metric;
mod reading;
mod trip;

use crate::drivers::metrics::window::{Standing, Window};
use crate::primitives::doc;
use crate::primitives::error::{call_site, cancelled_at, error_at, CANCELLED};
use crate::primitives::host::Host;
use crate::primitives::k8s::K8s;
use crate::report::event::Level;
use checks::Watch;
use rhai::{Dynamic, Engine, EvalAltResult, Map, NativeCallContext};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub use trip::Monitors;

/// A running monitor, as a playbook holds it: `m.stop()`.
#[derive(Clone)]
pub struct Monitor {
    name: String,
    stop: CancellationToken,
}

const OPTIONS: [&str; 3] = ["checks", "interval", "name"];

pub fn register(engine: &mut Engine, host: &Arc<Host>, k8s: &Arc<K8s>) {
    engine.register_type_with_name::<Monitor>("Monitor");
    let (h, k) = (host.clone(), k8s.clone());
    doc(
        "monitor",
        "Starts checks that run in the background while the playbook goes on: #{name, interval: \"10s\", checks: [#{http: url, expect: 200, for: \"30s\"}, #{pods: \"app=web\", max_restarts: 2}, #{prometheus: prom, query, op: \"<\", threshold: 0.05}, #{cloudwatch: cw, metric: #{namespace, name, dimensions, stat}, op: \">\", threshold: 5}, #{cloudwatch: cw, alarm: \"name\"}]} (no_data: \"ignore\" or \"trip\" for the last three; an alarm in ALARM trips); when one trips, the current step stops and the run fails and is undone, the trigger in the journal.",
        &["options: map", "Monitor"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, options: Map| -> Result<Monitor, Box<EvalAltResult>> {
            start(&h, &k, &ctx, &options).map_err(|e| match e.as_str() {
                CANCELLED => cancelled_at(&ctx),
                _ => error_at(&ctx, e),
            })
        },
    );
    doc(
        "stop",
        "Stops a monitor (monitors also stop when the run ends).",
        &["monitor: Monitor", "()"],
    )
    .register_into_engine(engine, |m: &mut Monitor| m.stop.cancel());
    doc(
        "to_string",
        "The monitor's name.",
        &["monitor: Monitor", "string"],
    )
    .register_into_engine(engine, |m: &mut Monitor| format!("monitor {}", m.name));
}

fn start(
    h: &Arc<Host>,
    k8s: &K8s,
    ctx: &NativeCallContext,
    options: &Map,
) -> Result<Monitor, String> {
    if let Some(key) = options.keys().find(|k| !OPTIONS.contains(&k.as_str())) {
        return Err(format!(
            "monitor has no option \"{key}\"; known: {}",
            OPTIONS.join(", ")
        ));
    }
    let interval = match options.get("interval") {
        None => Duration::from_secs(10),
        Some(v) => crate::duration::parse(&v.to_string())
            .map_err(|e| format!("monitor interval: {e}\nhint: #{{interval: \"5s\"}}"))?,
    };
    let name = options
        .get("name")
        .map_or_else(|| "monitor".to_string(), Dynamic::to_string);
    let list = options
        .get("checks")
        .and_then(|c| c.clone().try_cast::<rhai::Array>())
        .filter(|c| !c.is_empty())
        .ok_or("monitor needs checks: #{checks: [#{http: url, expect: 200}], interval: \"10s\"}")?;
    let cluster = || {
        k8s.connected(ctx)
            .map_err(|e| crate::primitives::error::message(&e))
    };
    let mut watches = vec![];
    for (i, check) in list.iter().enumerate() {
        let map = check
            .clone()
            .try_cast::<Map>()
            .ok_or_else(|| format!("check {} of monitor {name} is not a map", i + 1))?;
        watches.push(
            checks::parse(h, &map, &cluster).map_err(|e| match e.as_str() {
                CANCELLED => e,
                _ => format!("check {} of monitor {name}: {e}", i + 1),
            })?,
        );
    }
    let stop = h.monitors.add();
    h.log(
        Level::Info,
        format!(
            "monitor {name}: {} every {}",
            watches
                .iter()
                .map(|w| w.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            crate::duration::format(interval)
        ),
        call_site(ctx),
    );
    h.spawn(watch(
        Arc::downgrade(h),
        name.clone(),
        watches,
        interval,
        stop.clone(),
    ));
    Ok(Monitor { name, stop })
}

/// Reads every check each interval until stopped or one trips.
async fn watch(
    host: Weak<Host>,
    name: String,
    watches: Vec<Watch>,
    interval: Duration,
    stop: CancellationToken,
) {
    // The same `for` semantics as metrics' assert: a breach must last the window.
    let mut windows: Vec<Window> = watches.iter().map(|w| Window::new(w.window)).collect();
    loop {
        for (w, window) in watches.iter().zip(&mut windows) {
            let reading = tokio::select! {
                biased;
                _ = stop.cancelled() => return,
                r = w.read() => r,
            };
            let Some(h) = host.upgrade() else { return };
            if let Standing::Sustained(lasted) = window.observe(Instant::now(), !reading.breached) {
                trip::trip(&h, &name, &w.name, &reading, lasted);
                return;
            }
            trip::note(&h, &name, w, &reading);
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}
