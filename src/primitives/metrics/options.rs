//! Options maps of the `metrics` functions, read strictly: an unknown key is
//! an error naming the known ones, a wrong type says what is expected.

use crate::drivers::metrics::NoData;
use crate::primitives::health::options::string;
use rhai::{Dynamic, Map};
use std::time::Duration;

/// Fails on a key of `opts` not in `known`, naming the function and the known keys.
pub fn only(opts: &Map, function: &str, known: &[&str]) -> Result<(), String> {
    match opts.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => {
            let mut known = known.to_vec();
            known.sort();
            Err(format!(
                "{function} has no option \"{key}\"\nhint: its options are {}",
                known.join(", ")
            ))
        }
    }
}

/// A duration option ("30s"), or `default`.
pub fn duration(opts: &Map, key: &str, default: Duration) -> Result<Duration, String> {
    match string(opts, key)? {
        None => Ok(default),
        Some(text) => crate::duration::parse(&text).map_err(|e| format!("option {key}: {e}")),
    }
}

/// A number (int or float), as Rhai scripts write either.
pub fn number(value: &Dynamic) -> Option<f64> {
    value
        .as_float()
        .ok()
        .or_else(|| value.as_int().ok().map(|i| i as f64))
}

/// A number option, or `default`.
pub fn float(opts: &Map, key: &str, default: f64) -> Result<f64, String> {
    opts.get(key).map_or(Ok(default), |v| {
        number(v).ok_or_else(|| format!("option {key} is a number, not {}", v.type_name()))
    })
}

/// A whole-number option of at least 1, or `default`.
pub fn count(opts: &Map, key: &str, default: usize) -> Result<usize, String> {
    opts.get(key).map_or(Ok(default), |v| {
        v.as_int()
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("option {key} is a whole number of at least 1, not {v}"))
    })
}

pub fn boolean(opts: &Map, key: &str) -> Result<bool, String> {
    opts.get(key).map_or(Ok(false), |v| {
        v.as_bool()
            .map_err(|t| format!("option {key} is true or false, not {t}"))
    })
}

/// The `no_data` option (default "error").
pub fn no_data(opts: &Map) -> Result<NoData, String> {
    string(opts, "no_data")?.map_or(Ok(NoData::Error), |t| NoData::parse(&t))
}

/// The `headers` option: a map of names to values.
pub fn headers(opts: &Map) -> Result<Vec<(String, String)>, String> {
    match opts.get("headers") {
        None => Ok(vec![]),
        Some(h) => Ok(h
            .read_lock::<Map>()
            .ok_or(
                "option headers is a map of names to values: #{\"Authorization\": \"Bearer ...\"}",
            )?
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect()
    }

    #[test]
    fn options_are_checked_by_name_and_type() {
        let m = map(&[
            ("window", "5m".into()),
            ("confidence", Dynamic::from_int(1)),
        ]);
        assert!(only(&m, "compare", &["window", "confidence"]).is_ok());
        let e = only(&m, "value", &["no_data"]).unwrap_err();
        assert!(e.starts_with("value has no option \""), "{e}");
        assert!(e.ends_with("its options are no_data"), "{e}");
        assert_eq!(
            duration(&m, "window", Duration::ZERO),
            Ok(Duration::from_secs(300))
        );
        assert_eq!(
            duration(&m, "step", Duration::from_secs(15)),
            Ok(Duration::from_secs(15))
        );
        assert_eq!(float(&m, "confidence", 0.95), Ok(1.0));
        assert!(float(&m, "window", 0.0)
            .unwrap_err()
            .contains("is a number"));
        assert_eq!(count(&m, "min_samples", 10), Ok(10));
        assert!(count(&map(&[("n", Dynamic::from_int(0))]), "n", 1).is_err());
        assert_eq!(
            no_data(&map(&[("no_data", "zero".into())])),
            Ok(NoData::Zero)
        );
        assert!(no_data(&map(&[("no_data", "skip".into())])).is_err());
        assert!(boolean(&map(&[("soft", "yes".into())]), "soft").is_err());
    }
}
