//! `docker::run(#{...})`'s map turned into the driver's `RunSpec`. Every key
//! is checked; an unknown one is an error naming the known ones (there is no
//! way to ask for a volume, a privilege or a device).

use crate::drivers::docker::spec::{Health, Port, RunSpec};
use crate::primitives::health::options::{duration, known, string};
use rhai::{Array, Dynamic, Map};
use std::collections::BTreeMap;
use std::time::Duration;

const RUN: &[&str] = &[
    "name",
    "image",
    "env",
    "ports",
    "labels",
    "network",
    "health",
    "restart",
    "cmd",
    "stop_grace",
    "timeout",
];
const HEALTH: &[&str] = &["cmd", "interval", "timeout", "retries", "start_period"];

/// How long a stop waits before SIGKILL unless `stop_grace` says.
pub(super) const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long `run` waits for a container to come up unless `timeout` says.
pub(super) const UP_TIMEOUT: Duration = Duration::from_secs(60);

fn strings(v: &Dynamic, what: &str) -> Result<Vec<String>, String> {
    v.clone()
        .into_typed_array::<rhai::ImmutableString>()
        .map(|a| a.into_iter().map(|s| s.to_string()).collect())
        .map_err(|_| format!("{what} is an array of strings, not {}", v.type_name()))
}

fn pairs(opts: &Map, key: &str) -> Result<BTreeMap<String, String>, String> {
    let Some(v) = opts.get(key) else {
        return Ok(BTreeMap::new());
    };
    let m = v.clone().try_cast::<Map>().ok_or_else(|| {
        format!(
            "option {key} is a map, not {}\nhint: {key}: #{{ MODE: \"blue\" }}",
            v.type_name()
        )
    })?;
    Ok(m.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

fn health(v: &Dynamic) -> Result<Health, String> {
    if let Ok(text) = v.clone().into_string() {
        return match text.as_str() {
            "none" => Ok(Health::Off),
            "image" => Ok(Health::Image),
            _ => Err(format!("health \"{text}\": a map #{{ cmd, interval, timeout, retries }}, \"image\" or \"none\"")),
        };
    }
    let m = v.clone().try_cast::<Map>().ok_or_else(|| {
        format!(
            "option health is a map, \"image\" or \"none\", not {}",
            v.type_name()
        )
    })?;
    known(&m, "docker::run health", HEALTH)?;
    let cmd = m
        .get("cmd")
        .ok_or("health needs cmd: a shell command or an array")?;
    let test = match cmd.clone().into_string() {
        Ok(shell) => vec!["CMD-SHELL".to_string(), shell],
        Err(_) => {
            let mut t = vec!["CMD".to_string()];
            t.extend(strings(cmd, "health cmd")?);
            t
        }
    };
    let retries = match m.get("retries") {
        None => 3,
        Some(r) => r
            .as_int()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or("health retries is a whole number from 1 to 100")?,
    };
    Ok(Health::Check {
        test,
        interval: duration(&m, "interval")?.unwrap_or(Duration::from_secs(5)),
        timeout: duration(&m, "timeout")?.unwrap_or(Duration::from_secs(3)),
        retries,
        start_period: duration(&m, "start_period")?.unwrap_or_default(),
    })
}

/// The container `opts` describes, and how long to wait for it to come up.
pub(super) fn run(opts: &Map) -> Result<(RunSpec, Duration), String> {
    known(opts, "docker::run", RUN)?;
    let need = |k: &str| {
        string(opts, k)?.ok_or_else(|| {
            format!("docker::run needs {k}: #{{ name: \"web\", image: \"shop/web:1.5.0\" }}")
        })
    };
    let ports = match opts.get("ports") {
        None => vec![],
        Some(p) => strings(p, "option ports")?
            .iter()
            .map(|p| Port::parse(p))
            .collect::<Result<_, _>>()?,
    };
    let spec = RunSpec {
        name: need("name")?,
        image: need("image")?,
        env: pairs(opts, "env")?,
        ports,
        labels: pairs(opts, "labels")?,
        network: string(opts, "network")?,
        health: opts
            .get("health")
            .map(health)
            .transpose()?
            .unwrap_or(Health::Image),
        restart: string(opts, "restart")?.unwrap_or_else(|| "no".into()),
        cmd: opts
            .get("cmd")
            .map(|c| strings(c, "option cmd"))
            .transpose()?,
        stop_grace: duration(opts, "stop_grace")?.unwrap_or(STOP_GRACE),
    };
    spec.check()?;
    let timeout = duration(opts, "timeout")?.unwrap_or(UP_TIMEOUT);
    Ok((spec, timeout))
}

/// `filters` for docker::list: #{label: "app=web"} or #{label: ["a", "b"]}.
pub(super) fn filters(
    opts: &Map,
) -> Result<std::collections::HashMap<String, Vec<String>>, String> {
    opts.iter()
        .map(|(k, v)| {
            let values = match v.clone().into_string() {
                Ok(one) => vec![one],
                Err(_) => strings(v, &format!("filter {k}"))?,
            };
            Ok((k.to_string(), values))
        })
        .collect()
}

/// Log lines as a Rhai array of strings.
pub(super) fn lines(lines: Vec<String>) -> Array {
    lines.into_iter().map(Dynamic::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: Vec<(&str, Dynamic)>) -> Map {
        pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
    }

    #[test]
    fn a_run_map_becomes_a_spec_and_odd_keys_are_named() {
        let ports: Array = vec!["18080:8080".into()];
        let mut hc = Map::new();
        hc.insert(
            "cmd".into(),
            "wget -q -O /dev/null http://127.0.0.1:8080/".into(),
        );
        hc.insert("interval".into(), "1s".into());
        let (spec, timeout) = run(&map(vec![
            ("name", "web".into()),
            ("image", "shop/web:1".into()),
            ("ports", ports.into()),
            ("health", hc.into()),
            ("stop_grace", "1s".into()),
        ]))
        .unwrap();
        assert_eq!(spec.ports[0].host_port, Some(18080));
        assert_eq!(spec.stop_grace, Duration::from_secs(1));
        assert_eq!(timeout, UP_TIMEOUT);
        let Health::Check { test, interval, .. } = spec.health else {
            panic!()
        };
        assert_eq!(test[0], "CMD-SHELL");
        assert_eq!(interval, Duration::from_secs(1));
        let e = run(&map(vec![
            ("name", "web".into()),
            ("image", "x".into()),
            ("volumes", "/:/host".into()),
        ]))
        .unwrap_err();
        assert!(e.contains("unknown option \"volumes\""), "{e}");
        let e = run(&map(vec![("image", "x".into())])).unwrap_err();
        assert!(e.contains("needs name"), "{e}");
        let e = run(&map(vec![("name", "a/../b".into()), ("image", "x".into())])).unwrap_err();
        assert!(e.contains("is not a container name"), "{e}");
    }
}
