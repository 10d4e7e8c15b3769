//! A check as a playbook writes it — `health::http(url, #{...})` or, for
//! `health::all`, `#{http: url, ...}` — turned into the driver's `Check`.
//! Every option is checked: an unknown key is an error naming the known ones.

use crate::drivers::probe::http::{Http, TlsAndRedirects};
use crate::drivers::probe::postgres::Postgres;
use crate::drivers::probe::redis::Redis;
use crate::drivers::probe::{Check, Probe};
use crate::primitives::host::Host;
use rhai::{Dynamic, Map};
use serde_json::Value;
use std::time::Duration;

/// Options every kind of check takes.
const COMMON: &[&str] = &["name", "timeout", "retries", "interval", "backoff"];
const HTTP: &[&str] = &[
    "method",
    "headers",
    "body",
    "expect",
    "json",
    "contains",
    "matches",
    "within",
    "ca_file",
    "insecure",
    "follow_redirects",
];

/// The kinds, as the key naming a check's target in `health::all`.
pub const KINDS: [&str; 5] = ["http", "tcp", "postgres", "redis", "dns"];

pub(crate) fn string(opts: &Map, key: &str) -> Result<Option<String>, String> {
    match opts.get(key) {
        None => Ok(None),
        Some(v) => v
            .clone()
            .into_string()
            .map(Some)
            .map_err(|t| format!("option {key} is a string, not {t}")),
    }
}

/// Fails on an option `function` does not know, naming those it does.
pub(crate) fn known(opts: &Map, function: &str, keys: &[&str]) -> Result<(), String> {
    match opts.keys().find(|k| !keys.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(format!(
            "{function}: unknown option \"{k}\"; the known options are {}",
            keys.join(", ")
        )),
    }
}

pub(crate) fn duration(opts: &Map, key: &str) -> Result<Option<Duration>, String> {
    string(opts, key)?
        .map(|s| crate::duration::parse(&s).map_err(|e| format!("option {key}: {e}")))
        .transpose()
}

fn boolean(opts: &Map, key: &str) -> Result<Option<bool>, String> {
    opts.get(key)
        .map(|v| {
            v.as_bool()
                .map_err(|t| format!("option {key} is true or false, not {t}"))
        })
        .transpose()
}

fn json(v: &Dynamic) -> Value {
    rhai::serde::from_dynamic(v).unwrap_or(Value::Null)
}

/// "200", 200, "2xx", "200-299", or an array of them → inclusive ranges.
fn statuses(v: &Dynamic) -> Result<Vec<(u16, u16)>, String> {
    let bad = || {
        format!("expect is a status (200), a class (\"2xx\"), a range (\"200-299\") or an array of them, not {v}")
    };
    if let Some(items) = v.read_lock::<rhai::Array>() {
        return items
            .iter()
            .map(statuses)
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.concat());
    }
    if let Ok(n) = v.as_int() {
        let n = u16::try_from(n).map_err(|_| bad())?;
        return Ok(vec![(n, n)]);
    }
    let text = v.clone().into_string().map_err(|_| bad())?;
    let text = text.trim().to_ascii_lowercase();
    if let Some(class) = text.strip_suffix("xx") {
        let c: u16 = class.parse().map_err(|_| bad())?;
        return Ok(vec![(c * 100, c * 100 + 99)]);
    }
    if let Some((a, b)) = text.split_once('-') {
        return Ok(vec![(
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        )]);
    }
    let n: u16 = text.parse().map_err(|_| bad())?;
    Ok(vec![(n, n)])
}

fn http(host: &Host, url: String, opts: &Map) -> Result<Http, String> {
    let tls = TlsAndRedirects {
        // Read as `import` reads: under the playbook's directory or read_paths.
        ca_file: string(opts, "ca_file")?
            .map(|f| {
                let path = host.gate().sandbox.readable(&f)?;
                crate::drivers::probe::http::check_ca_file(&path)?;
                Ok(path)
            })
            .transpose()
            .map_err(|e: String| format!("ca_file: {e}"))?,
        insecure: boolean(opts, "insecure")?.unwrap_or(false),
        follow_redirects: boolean(opts, "follow_redirects")?.unwrap_or(true),
    };
    let headers = match opts.get("headers") {
        None => vec![],
        Some(h) => h
            .read_lock::<Map>()
            .ok_or("option headers is a map of names to values")?
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let body = opts.get("body").map(|b| match b.clone().into_string() {
        Ok(text) => text,
        Err(_) => json(b).to_string(),
    });
    let json_fields = match opts.get("json") {
        None => vec![],
        Some(m) => m
            .read_lock::<Map>()
            .ok_or("option json is a map of fields to the values they must equal: #{status: \"healthy\"}")?
            .iter()
            .map(|(k, v)| (k.to_string(), json(v)))
            .collect(),
    };
    let matches = string(opts, "matches")?
        .map(|re| {
            regex::Regex::new(&re)
                .map_err(|e| format!("option matches is not a regular expression: {e}"))
        })
        .transpose()?;
    Ok(Http {
        method: string(opts, "method")?
            .unwrap_or_else(|| "GET".into())
            .to_ascii_uppercase(),
        headers,
        body,
        expect: opts
            .get("expect")
            .map(statuses)
            .transpose()?
            .unwrap_or(vec![(200, 299)]),
        json: json_fields,
        contains: string(opts, "contains")?,
        matches,
        within: duration(opts, "within")?,
        client: host.http_clients.get(&tls)?,
        url,
    })
}

/// The check of kind `kind` at `target`, with `opts`.
pub fn check(
    host: &Host,
    kind: &str,
    target: String,
    opts: &Map,
    extra_keys: &[&str],
) -> Result<Check, String> {
    let own: &[&str] = match kind {
        "http" => HTTP,
        "postgres" => &["query"],
        "redis" => &["round_trip"],
        _ => &[],
    };
    for key in opts.keys() {
        let key = key.as_str();
        if !COMMON.contains(&key) && !own.contains(&key) && !extra_keys.contains(&key) {
            let mut known: Vec<&str> = COMMON.iter().chain(own).copied().collect();
            known.sort();
            return Err(format!(
                "{} {kind} check has no option \"{key}\"\nhint: its options are {}",
                if kind == "http" { "an" } else { "a" },
                known.join(", ")
            ));
        }
    }
    let probe = match kind {
        "http" => Probe::Http(http(host, target, opts)?),
        "tcp" => Probe::Tcp(target),
        "postgres" => Probe::Postgres(Postgres::parse(&target, string(opts, "query")?)?),
        "redis" => Probe::Redis(Redis {
            url: target,
            round_trip: boolean(opts, "round_trip")?.unwrap_or(false),
        }),
        "dns" => Probe::Dns(target),
        other => return Err(format!("no check of kind {other}")),
    };
    let mut c = Check::new(probe);
    if let Some(name) = string(opts, "name")? {
        c.name = name;
    }
    if let Some(t) = duration(opts, "timeout")? {
        c.timeout = t;
    }
    if let Some(i) = duration(opts, "interval")? {
        c.interval = i;
    }
    if let Some(r) = opts.get("retries") {
        c.retries = r
            .as_int()
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or("option retries is a whole number")?;
    }
    if let Some(b) = opts.get("backoff") {
        c.backoff = b
            .as_float()
            .or_else(|_| b.as_int().map(|i| i as f64))
            .map_err(|_| "option backoff is a number (2.0 doubles each wait)")?;
    }
    Ok(c)
}

/// A check written as a map for `health::all`: `#{http: url, ...}`.
pub fn from_map(host: &Host, map: &Map) -> Result<Check, String> {
    let kinds: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|k| map.contains_key(*k))
        .collect();
    let [kind] = kinds[..] else {
        return Err(format!(
            "a check names one target: #{{http: url}}, #{{tcp: \"host:port\"}}, #{{postgres: dsn}}, #{{redis: url}} or #{{dns: name}}; this one has {}",
            if kinds.is_empty() { "none".to_string() } else { kinds.join(" and ") }
        ));
    };
    let target = string(map, kind)?.unwrap_or_default();
    check(host, kind, target, map, &KINDS)
}
