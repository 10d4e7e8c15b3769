//! `notify::slack(url, #{...})` and `notify::webhook(url, #{...})` options
//! turned into the driver's `Webhook`. Every key is checked: an unknown one
//! is an error naming the known ones. Header values never appear in errors.

use crate::drivers::notify::webhook::{Format, Webhook};
use crate::drivers::notify::Kind;
use crate::primitives::health::options::{known, string};
use reqwest::header::{HeaderName, HeaderValue};
use rhai::Map;
use std::time::Duration;

const SLACK: &[&str] = &["channel", "on", "timeout", "username"];
const WEBHOOK: &[&str] = &["headers", "on", "timeout"];

/// Longest timeout a post may have: notifications are not worth waiting for.
const MAX_TIMEOUT: Duration = Duration::from_secs(60);

/// A Slack-compatible webhook at `url`.
pub(super) fn slack(url: &str, opts: &Map) -> Result<Webhook, String> {
    known(opts, "notify::slack", SLACK)?;
    let format = Format::Slack {
        channel: string(opts, "channel")?,
        username: string(opts, "username")?,
    };
    common(Webhook::new(url, format)?, opts)
}

/// A generic JSON webhook at `url`.
pub(super) fn webhook(url: &str, opts: &Map) -> Result<Webhook, String> {
    known(opts, "notify::webhook", WEBHOOK)?;
    let headers = match opts.get("headers") {
        None => Vec::new(),
        Some(h) => {
            let map = h.clone().try_cast::<Map>().ok_or_else(|| {
                format!("option headers is a map of names to values, not {}\nhint: #{{ headers: #{{ \"Authorization\": \"Bearer ...\" }} }}", h.type_name())
            })?;
            map.iter()
                .map(|(name, value)| header(name, value))
                .collect::<Result<_, _>>()?
        }
    };
    common(Webhook::new(url, Format::Generic { headers })?, opts)
}

fn header(name: &str, value: &rhai::Dynamic) -> Result<(HeaderName, HeaderValue), String> {
    let n = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("header name \"{name}\" is not a valid HTTP header name"))?;
    let text = value
        .clone()
        .into_string()
        .map_err(|t| format!("header {name}: the value is a string, not {t}"))?;
    let mut v = HeaderValue::from_str(&text).map_err(|_| {
        format!("header {name}: the value is not a valid HTTP header value (value not shown)")
    })?;
    v.set_sensitive(true);
    Ok((n, v))
}

fn common(mut hook: Webhook, opts: &Map) -> Result<Webhook, String> {
    if let Some(t) = string(opts, "timeout")? {
        let d = crate::duration::parse(&t).map_err(|e| format!("option timeout: {e}"))?;
        if d.is_zero() || d > MAX_TIMEOUT {
            return Err(format!(
                "option timeout: {t} is not between 1ms and 60s\nhint: the default is \"5s\""
            ));
        }
        hook.timeout = d;
    }
    if let Some(on) = opts.get("on") {
        let names = on.clone().into_typed_array::<rhai::ImmutableString>().map_err(|_| {
            format!("option on is an array of event names, not {}\nhint: on: [\"failure\", \"rollback\"]", on.type_name())
        })?;
        hook.on = names
            .iter()
            .map(|n| {
                Kind::parse(n).ok_or_else(|| {
                    format!("option on: unknown event \"{n}\"; the events are start, success, failure, rollback")
                })
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(hook)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, rhai::Dynamic)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect()
    }

    #[test]
    fn options_are_checked_and_header_values_never_shown() {
        let e = slack("https://h/x", &map(&[("chanel", "#a".into())])).unwrap_err();
        assert_eq!(
            e,
            "notify::slack: unknown option \"chanel\"; the known options are channel, on, timeout, username"
        );
        let on: rhai::Array = vec!["failure".into()];
        let h = slack(
            "https://h/x",
            &map(&[("on", on.into()), ("timeout", "1s".into())]),
        )
        .unwrap();
        assert_eq!(
            (h.on.clone(), h.timeout),
            (vec![Kind::Failure], Duration::from_secs(1))
        );
        let bad: rhai::Array = vec!["finish".into()];
        assert!(slack("https://h/x", &map(&[("on", bad.into())]))
            .unwrap_err()
            .contains("\"finish\""));
        let mut headers = Map::new();
        headers.insert("Authorization".into(), "Bearer tok\nen".into());
        let e = webhook("https://h/x", &map(&[("headers", headers.into())])).unwrap_err();
        assert!(e.contains("Authorization") && !e.contains("tok"), "{e}");
        assert!(webhook("https://h/x", &map(&[("timeout", "2m".into())])).is_err());
    }
}
