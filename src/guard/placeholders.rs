//! Secret placeholders: values like `CHANGE_ME` or `<password>` left from a
//! template. No Secret holding one is written (the gate refuses it), and
//! `secrets::assert_no_placeholders` checks an env file or manifests before
//! a deploy. Patterns are orion.toml's `secret_placeholders`: shell-style
//! (`*`, `?`), matched against the whole value, ignoring case.

use base64::Engine as _;
use orion_glob::glob;
use serde_json::Value;

/// The patterns used unless an environment lists its own.
pub fn default_patterns() -> Vec<String> {
    [
        "*change_me*",
        "*changeme*",
        "*change-me*",
        "*replace_me*",
        "*replaceme*",
        "*replace-me*",
        "*placeholder*",
        "todo",
        "todo:*",
        "todo *",
        "fixme",
        "fixme:*",
        "tbd",
        "xxx*",
        "<*>",
        "${*}",
        "your_*_here",
        "your-*-here",
        "changeit",
        "password",
        "secret",
    ]
    .map(String::from)
    .to_vec()
}

/// The pattern `value` matches, if any.
pub fn matching<'a>(patterns: &'a [String], value: &str) -> Option<&'a str> {
    let value = value.trim().to_lowercase();
    patterns
        .iter()
        .find(|p| glob(&p.to_lowercase(), &value))
        .map(String::as_str)
}

/// The keys of a Secret (or a patch of one) whose values are placeholders,
/// each with the pattern it matched. `data` values are decoded first.
pub fn in_secret(object: &Value, patterns: &[String]) -> Vec<(String, String)> {
    let mut found = vec![];
    let mut check = |key: &str, value: &str| {
        if let Some(p) = matching(patterns, value) {
            found.push((key.to_string(), p.to_string()));
        }
    };
    for (field, encoded) in [("data", true), ("stringData", false)] {
        for (key, value) in object[field].as_object().into_iter().flatten() {
            let Some(text) = value.as_str() else { continue };
            let decoded = encoded
                .then(|| base64::engine::general_purpose::STANDARD.decode(text).ok())
                .flatten()
                .and_then(|b| String::from_utf8(b).ok());
            check(key, decoded.as_deref().unwrap_or(text));
        }
    }
    // A JSON patch: its operations' values under /data and /stringData.
    for op in object.as_array().into_iter().flatten() {
        let path = op["path"].as_str().unwrap_or_default();
        let (Some(key), Some(text)) = (
            path.strip_prefix("/data/")
                .or_else(|| path.strip_prefix("/stringData/")),
            op["value"].as_str(),
        ) else {
            continue;
        };
        let decoded = path
            .starts_with("/data/")
            .then(|| base64::engine::general_purpose::STANDARD.decode(text).ok())
            .flatten()
            .and_then(|b| String::from_utf8(b).ok());
        check(key, decoded.as_deref().unwrap_or(text));
    }
    found
}

/// Placeholders in an env file (`KEY=VALUE` lines, as kustomize's
/// secretGenerator reads): (line number, key, pattern).
pub fn in_env_file(text: &str, patterns: &[String]) -> Vec<(usize, String, String)> {
    let mut found = vec![];
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        if let Some(p) = matching(patterns, unquoted) {
            found.push((i + 1, key.trim().to_string(), p.to_string()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_values_are_found_and_real_ones_are_not() {
        let p = default_patterns();
        for v in [
            "CHANGE_ME",
            "please-change-me",
            "<db password>",
            "${DB_PASSWORD}",
            "TODO",
            "xxxx",
            "your-api-key-here",
        ] {
            assert!(matching(&p, v).is_some(), "{v}");
        }
        for v in [
            "kT9#vL2qX8",
            "postgres://shop@db:5432/shop",
            "",
            "todos-are-done-7",
        ] {
            assert_eq!(matching(&p, v), None, "{v}");
        }
    }

    #[test]
    fn secrets_are_checked_decoded_and_env_files_by_line() {
        let p = default_patterns();
        let secret = json!({"data": {"a": "Q0hBTkdFX01F", "b": "czNjcjN0LXZhbHVl"}, "stringData": {"c": "<token>"}});
        let keys: Vec<String> = in_secret(&secret, &p).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "c"]);
        let ops = json!([{"op": "replace", "path": "/stringData/d", "value": "changeme"}]);
        assert_eq!(in_secret(&ops, &p)[0].0, "d");
        let env = "# database\nDB_USER=shop\nexport DB_PASSWORD=\"CHANGE_ME\"\n\nAPI_KEY=k-83jd\n";
        assert_eq!(
            in_env_file(env, &p),
            [(3, "DB_PASSWORD".to_string(), "*change_me*".to_string())]
        );
        assert!(in_env_file(env, &[]).is_empty(), "no patterns, no check");
    }
}
