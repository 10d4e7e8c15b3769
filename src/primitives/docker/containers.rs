//! `docker::run`, `stop`, `remove` (changes, through the guard's door) and
//! `inspect`, `logs`, `list` (reads). A removed container is kept, stopped,
//! as NAME.orion-previous (the one kept before it goes), so the run's undo
//! and `orion rollback` can put it back without the journal holding its
//! configuration or its environment's secrets.

use super::spec::{self, STOP_GRACE};
use super::{Docker, Result};
use crate::drivers::docker::containers::{self as driver, Up};
use crate::drivers::docker::daemon::Daemon;
use crate::drivers::docker::names::kept;
use crate::drivers::docker::spec::RUN;
use crate::drivers::docker::undo::{prior, CONTAINER};
use crate::guard;
use crate::primitives::doc;
use crate::primitives::door;
use crate::primitives::error::{call_site, error_at};
use crate::primitives::k8s::convert::to_dynamic;
use crate::report::event::Level;
use bollard::models::ContainerInspectResponse;
use rhai::{Dynamic, Map, Module, NativeCallContext};
use serde_json::{json, Value};
use std::sync::Arc;

/// A change to container `name` on `d`, as the door takes it.
fn change(d: &Daemon, name: &str, summary: String) -> guard::Change {
    guard::Change {
        context: "docker".into(),
        api_version: CONTAINER.into(),
        kind: "Container".into(),
        namespace: d.at.journaled(),
        name: name.into(),
        said: format!("docker container {name}: {summary}"),
        shown: format!(
            "  Docker daemon {}\n  first change: container {name}: {summary}",
            d.at.address
        ),
        summary,
        in_cluster: false,
        secret: None,
    }
}

/// What a playbook sees of a container.
fn shown(c: &ContainerInspectResponse) -> Value {
    let v = serde_json::to_value(c).unwrap_or_default();
    let state = &v["State"];
    json!({
        "id": v["Id"],
        "name": v["Name"].as_str().unwrap_or_default().trim_start_matches('/'),
        "image": v["Config"]["Image"],
        "status": state["Status"],
        "running": state["Running"],
        "health": state["Health"]["Status"],
        "exit_code": state["ExitCode"],
        "labels": v["Config"]["Labels"],
        "ports": v["NetworkSettings"]["Ports"],
        "ip": v["NetworkSettings"]["IPAddress"],
    })
}

/// The container `name`, which must exist.
fn existing(
    k: &Docker,
    ctx: &NativeCallContext,
    d: &Daemon,
    name: &str,
) -> Result<ContainerInspectResponse> {
    k.run(ctx, driver::find(d, name))?.ok_or_else(|| {
        error_at(
            ctx,
            format!("no container named {name} on the Docker daemon at {}\nhint: docker::list(#{{}}) shows them", d.at.address),
        )
    })
}

/// What the journal keeps of `c` (see drivers::docker::undo).
fn prior_of(c: &ContainerInspectResponse) -> Value {
    let running = c.state.as_ref().and_then(|s| s.running).unwrap_or(false);
    let image = c
        .config
        .as_ref()
        .and_then(|x| x.image.clone())
        .unwrap_or_default();
    prior(c.id.as_deref().unwrap_or_default(), &image, running)
}

/// `docker::run(#{name, image, ...})`.
fn run(k: &Docker, ctx: &NativeCallContext, opts: &Map) -> Result<Dynamic> {
    let (mut spec, timeout) = spec::run(opts).map_err(|e| error_at(ctx, e))?;
    if let Some(run) = k.host.gate().run_id() {
        spec.labels.insert(RUN.into(), run.into());
    }
    let d = k.daemon(ctx)?;
    if let Some(c) = k.run(ctx, driver::find(&d, &spec.name))? {
        let v = shown(&c);
        return Err(error_at(
            ctx,
            format!(
                "a container named {} exists ({}, {})\nhint: docker::replace(\"{0}\", image) replaces it; docker::remove(\"{0}\") takes it away",
                spec.name, v["image"].as_str().unwrap_or("?"), v["status"].as_str().unwrap_or("?")
            ),
        ));
    }
    let ports: Vec<String> = spec
        .ports
        .iter()
        .map(|p| match p.host_port {
            Some(h) => format!("{h}:{}", p.container_port),
            None => p.container_port.to_string(),
        })
        .collect();
    let summary = if ports.is_empty() {
        format!("run {}", spec.image)
    } else {
        format!("run {} (ports {})", spec.image, ports.join(", "))
    };
    let dry_run = k.host.target.dry_run;
    let make = async {
        if dry_run {
            return Ok(None);
        }
        driver::create_and_start(&d, &spec).await.map(Some)
    };
    door::pass(
        &k.host,
        ctx,
        None,
        change(&d, &spec.name, summary),
        async { Ok(None) },
        make,
        |e| error_at(ctx, e),
    )?;
    if dry_run {
        return Ok(to_dynamic(
            &json!({"name": spec.name, "image": spec.image, "dry_run": true}),
        ));
    }
    let (h, at) = (&k.host, call_site(ctx));
    let up = k.run(
        ctx,
        driver::wait_up(&d, &spec.name, timeout, |m| {
            h.log(Level::Info, m, at.clone())
        }),
    )?;
    let c = existing(k, ctx, &d, &spec.name)?;
    let how = match up {
        Up::Healthy => "healthy",
        Up::Running => "running (no health check; it kept running for 1s)",
    };
    h.log(Level::Info, format!("container {} is {how}", spec.name), at);
    Ok(to_dynamic(&shown(&c)))
}

/// `docker::replace(name, image[, #{timeout, grace}])`.
fn replace(
    k: &Docker,
    ctx: &NativeCallContext,
    name: &str,
    image: &str,
    opts: &Map,
) -> Result<Dynamic> {
    use crate::drivers::docker::replace::{publishes, start_in_place_of};
    use crate::primitives::health::options::{duration, known};
    let options = known(opts, "docker::replace", &["timeout", "grace"])
        .and_then(|_| Ok((duration(opts, "timeout")?, duration(opts, "grace")?)))
        .and_then(|o| crate::drivers::docker::names::check_image(image).map(|_| o));
    let (timeout, grace) = options.map_err(|e| error_at(ctx, e))?;
    let (timeout, grace) = (
        timeout.unwrap_or(spec::UP_TIMEOUT),
        grace.unwrap_or(STOP_GRACE),
    );
    let d = k.daemon(ctx)?;
    let old = existing(k, ctx, &d, name)?;
    let before = prior_of(&old);
    let was = before["image"].as_str().unwrap_or("?").to_string();
    let keep = kept(name);
    let how = if publishes(&old) {
        "the old one stops first: the new one needs its host ports"
    } else {
        "the old one stops once the new one is up"
    };
    let summary = format!("replace {was} with {image} ({how}; kept stopped as {keep})");
    let run = k.host.gate().run_id().map(str::to_string);
    let dry_run = k.host.target.dry_run;
    let make = async {
        if dry_run {
            return Ok(false);
        }
        start_in_place_of(&d, name, &old, image, run.as_deref(), grace).await
    };
    let passed = door::pass(
        &k.host,
        ctx,
        None,
        change(&d, name, summary),
        async { Ok(Some(before)) },
        make,
        |e| error_at(ctx, e),
    )?;
    if dry_run {
        return Ok(to_dynamic(
            &json!({"name": name, "image": image, "dry_run": true}),
        ));
    }
    let (h, at) = (&k.host, call_site(ctx));
    k.run(
        ctx,
        driver::wait_up(&d, name, timeout, |m| h.log(Level::Info, m, at.clone())),
    )?;
    if passed.made {
        k.run(ctx, driver::stop(&d, &keep, grace))?;
    }
    h.log(
        Level::Info,
        format!("container {name} runs {image}; the one it replaced is kept stopped as {keep}"),
        at,
    );
    Ok(to_dynamic(&shown(&existing(k, ctx, &d, name)?)))
}

/// How long a stop may wait: #{grace: "1s"}, else the default.
fn grace(ctx: &NativeCallContext, opts: &Map, function: &str) -> Result<std::time::Duration> {
    crate::primitives::health::options::known(opts, function, &["grace"])
        .and_then(|_| crate::primitives::health::options::duration(opts, "grace"))
        .map(|g| g.unwrap_or(STOP_GRACE))
        .map_err(|e| error_at(ctx, e))
}

/// `docker::stop(name[, #{grace}])`.
fn stop(k: &Docker, ctx: &NativeCallContext, name: &str, opts: &Map) -> Result<()> {
    let grace = grace(ctx, opts, "docker::stop")?;
    let d = k.daemon(ctx)?;
    let c = existing(k, ctx, &d, name)?;
    let before = prior_of(&c);
    let dry_run = k.host.target.dry_run;
    let make = async {
        if dry_run {
            return Ok(());
        }
        driver::stop(&d, name, grace).await
    };
    door::pass(
        &k.host,
        ctx,
        None,
        change(&d, name, "stop".into()),
        async { Ok(Some(before)) },
        make,
        |e| error_at(ctx, e),
    )?;
    Ok(())
}

/// `docker::remove(name[, #{grace}])`: stopped and kept as NAME.orion-previous.
fn remove(k: &Docker, ctx: &NativeCallContext, name: &str, opts: &Map) -> Result<()> {
    let grace = grace(ctx, opts, "docker::remove")?;
    let d = k.daemon(ctx)?;
    let c = existing(k, ctx, &d, name)?;
    let before = prior_of(&c);
    let keep = kept(name);
    let summary =
        format!("remove (kept stopped as {keep} until the next remove or replace of {name})");
    let dry_run = k.host.target.dry_run;
    let make = async {
        if dry_run {
            return Ok(());
        }
        driver::remove(&d, &keep).await?;
        driver::stop(&d, name, grace).await?;
        driver::rename(&d, name, &keep).await
    };
    door::pass(
        &k.host,
        ctx,
        None,
        change(&d, name, summary),
        async { Ok(Some(before)) },
        make,
        |e| error_at(ctx, e),
    )?;
    Ok(())
}

pub(super) fn register(module: &mut Module, docker: &Arc<Docker>) {
    let k = docker.clone();
    doc(
        "run",
        "Makes and starts a container, then waits until it is healthy (or running, without a health check); fails at once, with its exit code and last log lines, when it exits or turns unhealthy. #{name, image, env: #{K: \"v\"}, ports: [\"18080:8080\"], labels, network, health: #{cmd, interval, timeout, retries, start_period} | \"image\" | \"none\", restart: \"no\", cmd: [...], stop_grace: \"10s\", timeout: \"60s\"}. The image is pulled only when the daemon does not have it.",
        &["options: Map", "Map"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, opts: Map| run(&k, &ctx, &opts));
    for (name, what) in [
        ("stop", "Stops a container (SIGTERM, then SIGKILL after grace: 10s); a failed run starts it again."),
        ("remove", "Takes a container away: stopped and kept as NAME.orion-previous (replacing the one kept before), so a failed run or orion rollback puts it back."),
    ] {
        let f: fn(&Docker, &NativeCallContext, &str, &Map) -> Result<()> = if name == "stop" { stop } else { remove };
        let k = docker.clone();
        doc(name, what, &["name: &str", "()"]).set_into_module(module, move |ctx: NativeCallContext, n: &str| f(&k, &ctx, n, &Map::new()));
        let k = docker.clone();
        doc(name, &format!("{what} Options: #{{grace: \"1s\"}}."), &["name: &str", "options: Map", "()"])
            .set_into_module(module, move |ctx: NativeCallContext, n: &str, o: Map| f(&k, &ctx, n, &o));
    }
    for with_options in [false, true] {
        let k = docker.clone();
        let what = "Replaces a container with one of another image, configured as it was (environment, ports, labels, network, restart policy); the new one runs beside the old until it is healthy, unless the old one publishes host ports (then the old one stops first). The old one is kept stopped as NAME.orion-previous, so a failed run or orion rollback puts it back.";
        if with_options {
            doc(
                "replace",
                &format!("{what} Options: #{{timeout: \"60s\", grace: \"10s\"}}."),
                &["name: &str", "image: &str", "options: Map", "Map"],
            )
            .set_into_module(
                module,
                move |ctx: NativeCallContext, n: &str, i: &str, o: Map| replace(&k, &ctx, n, i, &o),
            );
        } else {
            doc("replace", what, &["name: &str", "image: &str", "Map"]).set_into_module(
                module,
                move |ctx: NativeCallContext, n: &str, i: &str| {
                    replace(&k, &ctx, n, i, &Map::new())
                },
            );
        }
    }
    let k = docker.clone();
    doc(
        "inspect",
        "A container as #{id, name, image, status, running, health, exit_code, labels, ports, ip}, or () when there is none.",
        &["name: &str", "Map | ()"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, name: &str| -> Result<Dynamic> {
        let d = k.daemon(&ctx)?;
        Ok(k.run(&ctx, driver::find(&d, name))?
            .map_or(Dynamic::UNIT, |c| to_dynamic(&shown(&c))))
    });
    let k = docker.clone();
    doc(
        "logs",
        "A container's last n log lines (stdout and stderr).",
        &["name: &str", "n: i64", "Array"],
    )
    .set_into_module(
        module,
        move |ctx: NativeCallContext, name: &str, n: i64| -> Result<rhai::Array> {
            let n = usize::try_from(n)
                .ok()
                .filter(|n| (1..=10_000).contains(n))
                .ok_or_else(|| error_at(&ctx, "logs: n is from 1 to 10000"))?;
            let d = k.daemon(&ctx)?;
            Ok(spec::lines(k.run(&ctx, driver::logs(&d, name, n))?))
        },
    );
    let k = docker.clone();
    doc(
        "list",
        "Containers, running or not, matching Docker's filters (#{label: \"app=web\"}, #{name: \"web\", status: \"running\"}; #{} for all): [#{id, name, image, state, status, labels}].",
        &["filters: Map", "Array"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, filters: Map| -> Result<rhai::Array> {
        let filters = spec::filters(&filters).map_err(|e| error_at(&ctx, e))?;
        let d = k.daemon(&ctx)?;
        let found = k.run(&ctx, driver::list(&d, filters))?;
        Ok(found
            .iter()
            .map(|c| {
                let v = serde_json::to_value(c).unwrap_or_default();
                let name = v["Names"][0].as_str().unwrap_or_default().trim_start_matches('/');
                to_dynamic(&json!({"id": v["Id"], "name": name, "image": v["Image"], "state": v["State"], "status": v["Status"], "labels": v["Labels"]}))
            })
            .collect::<rhai::Array>())
    });
}
