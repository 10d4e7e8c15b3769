//! `docker::service(name)`: a Swarm service — `update(#{image, parallelism,
//! delay, failure_action, monitor, order, timeout})` watched until Swarm
//! says it completed (failing with the failing tasks' errors), `scale(n)`,
//! `rollback()` (Swarm's own), `tasks()`, `inspect()`. Each change passes
//! the guard's door and is journaled with the image, replicas and update
//! settings it replaces (never the environment), so a failed run and
//! `orion rollback` put them back.

use super::{Docker, Result};
use crate::drivers::docker::daemon::Daemon;
use crate::drivers::docker::swarm::{self, Awaited, Parts};
use crate::drivers::docker::undo::SERVICE;
use crate::guard;
use crate::primitives::doc;
use crate::primitives::door;
use crate::primitives::error::{call_site, error_at};
use crate::primitives::health::options::{duration, known, string};
use crate::primitives::k8s::convert::to_dynamic;
use crate::report::event::Level;
use rhai::{Array, Engine, Map, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// How long a change may take to roll out unless `timeout` says.
const ROLL_OUT: Duration = Duration::from_secs(300);
const UPDATE: &[&str] = &[
    "image",
    "parallelism",
    "delay",
    "failure_action",
    "monitor",
    "order",
    "timeout",
];

#[derive(Clone)]
pub(super) struct Service {
    docker: Arc<Docker>,
    name: String,
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// The parts an update map asks for, and how long to wait.
fn asked(opts: &Map) -> std::result::Result<(Parts, Duration), String> {
    known(opts, "update", UPDATE)?;
    let mut parts = Parts {
        image: string(opts, "image")?,
        ..Parts::default()
    };
    if let Some(i) = &parts.image {
        crate::drivers::docker::names::check_image(i)?;
    }
    if let Some(p) = opts.get("parallelism") {
        let n = p
            .as_int()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or("parallelism is a whole number (0: all at once)")?;
        parts.update.insert("Parallelism".into(), json!(n));
    }
    for (key, field) in [("delay", "Delay"), ("monitor", "Monitor")] {
        if let Some(d) = duration(opts, key)? {
            parts.update.insert(field.into(), json!(nanos(d)));
        }
    }
    if let Some(a) = string(opts, "failure_action")? {
        if !matches!(a.as_str(), "pause" | "continue" | "rollback") {
            return Err(format!(
                "failure_action \"{a}\": pause, continue or rollback"
            ));
        }
        parts.update.insert("FailureAction".into(), json!(a));
    }
    if let Some(o) = string(opts, "order")? {
        if !matches!(o.as_str(), "start-first" | "stop-first") {
            return Err(format!("order \"{o}\": start-first or stop-first"));
        }
        parts.update.insert("Order".into(), json!(o));
    }
    Ok((parts, duration(opts, "timeout")?.unwrap_or(ROLL_OUT)))
}

impl Service {
    fn change(&self, d: &Daemon, summary: String) -> guard::Change {
        guard::Change {
            context: "docker".into(),
            api_version: SERVICE.into(),
            kind: "Service".into(),
            namespace: d.at.journaled(),
            name: self.name.clone(),
            said: format!("docker service {}: {summary}", self.name),
            shown: format!(
                "  Docker daemon {}\n  first change: service {}: {summary}",
                d.at.address, self.name
            ),
            summary,
            in_cluster: false,
            secret: None,
        }
    }

    /// Writes `want` over the service (or Swarm's rollback), journaled, then
    /// waits for it to roll out.
    fn apply(
        &self,
        ctx: &NativeCallContext,
        want: Parts,
        awaited: Awaited,
        summary: String,
        timeout: Duration,
    ) -> Result<Map> {
        let k = &self.docker;
        let d = k.daemon(ctx)?;
        let (service, version) = k.run(ctx, swarm::inspect(&d, &self.name))?;
        let before = Parts::of(&service["Spec"]);
        let started = swarm::update_started(&service);
        let dry_run = k.host.target.dry_run;
        let spec = want.onto(service["Spec"].clone());
        let rollback = awaited == Awaited::Rollback;
        let name = self.name.clone();
        let make = async {
            if dry_run {
                return Ok(());
            }
            swarm::update(&d, &name, version, spec, rollback).await
        };
        let prior = before.to_json(version);
        door::pass(
            &k.host,
            ctx,
            None,
            self.change(&d, summary),
            async { Ok(Some(prior)) },
            make,
            |e| error_at(ctx, e),
        )?;
        if !dry_run {
            let (h, at) = (&k.host, call_site(ctx));
            let took = std::time::Instant::now();
            k.run(
                ctx,
                swarm::wait(&d, &self.name, awaited, started, timeout, |m| {
                    h.log(Level::Info, m, at.clone())
                }),
            )?;
            h.log(
                Level::Info,
                format!(
                    "service {} rolled out in {}",
                    self.name,
                    crate::duration::format(took.elapsed())
                ),
                at,
            );
        }
        self.inspect(ctx)
    }

    fn inspect(&self, ctx: &NativeCallContext) -> Result<Map> {
        let k = &self.docker;
        let d = k.daemon(ctx)?;
        let (s, version) = k.run(ctx, swarm::inspect(&d, &self.name))?;
        let parts = Parts::of(&s["Spec"]);
        let v = json!({
            "name": self.name, "id": s["ID"], "version": version,
            "image": parts.image, "replicas": parts.replicas,
            "update_status": s["UpdateStatus"]["State"], "update_message": s["UpdateStatus"]["Message"],
        });
        Ok(to_dynamic(&v).cast::<Map>())
    }

    fn tasks(&self, ctx: &NativeCallContext) -> Result<Array> {
        let k = &self.docker;
        let d = k.daemon(ctx)?;
        let list = k.run(ctx, swarm::tasks(&d, &self.name))?;
        Ok(list
            .iter()
            .map(|t: &Value| {
                to_dynamic(&json!({
                    "id": t["ID"], "slot": t["Slot"], "image": t["Spec"]["ContainerSpec"]["Image"],
                    "state": t["Status"]["State"], "desired": t["DesiredState"],
                    "error": t["Status"]["Err"], "message": t["Status"]["Message"],
                    "container": t["Status"]["ContainerStatus"]["ContainerID"],
                }))
            })
            .collect())
    }
}

pub(super) fn register(engine: &mut Engine, module: &mut rhai::Module, docker: &Arc<Docker>) {
    engine.register_type_with_name::<Service>("Service");
    let k = docker.clone();
    doc(
        "service",
        "A Swarm service on the daemon: update(#{...}), scale(n), rollback(), tasks(), inspect().",
        &["name: &str", "Service"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, name: &str| -> Result<Service> {
            crate::drivers::docker::names::check_container(name).map_err(|e| error_at(&ctx, e))?;
            Ok(Service {
                docker: k.clone(),
                name: name.to_string(),
            })
        },
    );
    doc(
        "to_string",
        "A service as text: Service(web).",
        &["service: &mut Service", "String"],
    )
    .register_into_engine(engine, |s: &mut Service| format!("Service({})", s.name));
    doc(
        "update",
        "Updates the service — #{image, parallelism, delay: \"0s\", failure_action: \"pause\"|\"continue\"|\"rollback\", monitor: \"5s\", order: \"start-first\"|\"stop-first\", timeout: \"5m\"} — and waits until Swarm says the update completed; fails with the failing tasks' errors when Swarm paused or rolled it back.",
        &["service: &mut Service", "options: Map", "Map"],
    )
    .register_into_engine(engine, |ctx: NativeCallContext, s: &mut Service, opts: Map| -> Result<Map> {
        let (want, timeout) = asked(&opts).map_err(|e| error_at(&ctx, format!("update: {e}")))?;
        let mut said = vec![];
        if let Some(i) = &want.image {
            said.push(format!("image {i}"));
        }
        said.extend(want.update.iter().map(|(k, v)| format!("{} {v}", k.to_lowercase())));
        let summary = format!("update {}", if said.is_empty() { "(nothing asked)".to_string() } else { said.join(", ") });
        s.apply(&ctx, want, Awaited::Update, summary, timeout)
    });
    doc(
        "scale",
        "Sets the service's replicas and waits until that many tasks run.",
        &["service: &mut Service", "replicas: i64", "Map"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, s: &mut Service, n: i64| -> Result<Map> {
            let n = u64::try_from(n)
                .ok()
                .filter(|n| *n <= 1000)
                .ok_or_else(|| error_at(&ctx, format!("scale: {n} is not 0 to 1000 replicas")))?;
            let want = Parts {
                replicas: Some(n),
                ..Parts::default()
            };
            s.apply(
                &ctx,
                want,
                Awaited::Scale,
                format!("scale to {n}"),
                ROLL_OUT,
            )
        },
    );
    doc(
        "rollback",
        "Swarm's own rollback to the service's previous spec; waits until it completed.",
        &["service: &mut Service", "Map"],
    )
    .register_into_engine(
        engine,
        |ctx: NativeCallContext, s: &mut Service| -> Result<Map> {
            s.apply(
                &ctx,
                Parts::default(),
                Awaited::Rollback,
                "rollback to the previous spec (Swarm's)".into(),
                ROLL_OUT,
            )
        },
    );
    doc("tasks", "The service's tasks, newest first: [#{id, slot, image, state, desired, error, message, container}].", &["service: &mut Service", "Array"])
        .register_into_engine(engine, |ctx: NativeCallContext, s: &mut Service| s.tasks(&ctx));
    doc(
        "inspect",
        "The service: #{name, id, version, image, replicas, update_status, update_message}.",
        &["service: &mut Service", "Map"],
    )
    .register_into_engine(engine, |ctx: NativeCallContext, s: &mut Service| {
        s.inspect(&ctx)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Dynamic;

    #[test]
    fn an_update_map_becomes_parts_and_odd_values_are_named() {
        let mut m = Map::new();
        m.insert("image".into(), "shop/web:2".into());
        m.insert("parallelism".into(), Dynamic::from(1_i64));
        m.insert("delay".into(), "2s".into());
        m.insert("order".into(), "start-first".into());
        let (p, timeout) = asked(&m).unwrap();
        assert_eq!(p.image.as_deref(), Some("shop/web:2"));
        assert_eq!(p.update["Delay"], json!(2_000_000_000_i64));
        assert_eq!(p.update["Order"], json!("start-first"));
        assert_eq!(timeout, ROLL_OUT);
        m.insert("order".into(), "sideways".into());
        assert!(asked(&m).unwrap_err().contains("start-first or stop-first"));
        let mut bad = Map::new();
        bad.insert("env".into(), "X=1".into());
        assert!(asked(&bad).unwrap_err().contains("unknown option \"env\""));
    }
}
