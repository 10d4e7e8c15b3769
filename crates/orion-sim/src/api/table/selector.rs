//! Label formatting: `labels.FormatLabels`, `metav1.LabelSelectorAsSelector`
//! + `String()`, and `metav1.FormatLabelSelector`.

use serde_json::{Map, Value};

/// `labels.FormatLabels`: sorted "k=v" pairs joined by ",", or "<none>".
pub(super) fn format_labels(map: Option<&Map<String, Value>>) -> String {
    let mut pairs: Vec<String> = map
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        "<none>".to_string()
    } else {
        pairs.join(",")
    }
}

/// `LabelSelectorAsSelector(sel).String()`: requirements sorted by key
/// ("app=web,tier in (a,b),!legacy"); "" for a missing or empty selector;
/// `Err` for an invalid operator/value combination.
pub(super) fn selector_string(sel: Option<&Value>) -> Result<String, ()> {
    let Some(sel) = sel.filter(|s| !s.is_null()) else {
        return Ok(String::new());
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(labels) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in labels {
            reqs.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or(""))));
        }
    }
    let exprs = sel.get("matchExpressions").and_then(Value::as_array);
    for expr in exprs.into_iter().flatten() {
        let key = expr.get("key").and_then(Value::as_str).unwrap_or("");
        reqs.push((key.to_string(), requirement(key, expr)?));
    }
    // `Selector.Add` sorts by key; a stable sort keeps equal keys in order.
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(reqs
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Vec<_>>()
        .join(","))
}

/// One `matchExpressions` entry as `Requirement.String()` prints it.
fn requirement(key: &str, expr: &Value) -> Result<String, ()> {
    let mut values: Vec<&str> = expr
        .get("values")
        .and_then(Value::as_array)
        .map(|vs| vs.iter().map(|v| v.as_str().unwrap_or("")).collect())
        .unwrap_or_default();
    values.sort_unstable();
    let op = expr.get("operator").and_then(Value::as_str).unwrap_or("");
    match op {
        "In" | "NotIn" if !values.is_empty() => {
            let word = if op == "In" { "in" } else { "notin" };
            Ok(format!("{key} {word} ({})", values.join(",")))
        }
        "Exists" if values.is_empty() => Ok(key.to_string()),
        "DoesNotExist" if values.is_empty() => Ok(format!("!{key}")),
        _ => Err(()),
    }
}

/// `metav1.FormatLabelSelector`: the selector string, "<none>" when empty,
/// "<error>" when invalid.
pub(super) fn format_label_selector(sel: Option<&Value>) -> String {
    match selector_string(sel) {
        Ok(s) if s.is_empty() => "<none>".to_string(),
        Ok(s) => s,
        Err(()) => "<error>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_are_sorted_pairs_or_none() {
        let m = json!({"tier": "web", "app": "shop"});
        assert_eq!(format_labels(m.as_object()), "app=shop,tier=web");
        assert_eq!(format_labels(None), "<none>");
        assert_eq!(format_labels(json!({}).as_object()), "<none>");
    }

    #[test]
    fn selector_sorts_requirements_and_values() {
        let sel = json!({
            "matchLabels": {"app": "shop"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["web", "api"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "NotIn", "values": ["b"]},
                {"key": "canary", "operator": "Exists", "values": []}
            ]
        });
        assert_eq!(
            selector_string(Some(&sel)).unwrap(),
            "app=shop,canary,!legacy,tier in (api,web),zone notin (b)"
        );
    }

    #[test]
    fn empty_missing_and_invalid_selectors() {
        assert_eq!(selector_string(None).unwrap(), "");
        assert_eq!(selector_string(Some(&json!({}))).unwrap(), "");
        assert_eq!(format_label_selector(Some(&json!({}))), "<none>");
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Near"}]});
        assert!(selector_string(Some(&bad)).is_err());
        assert_eq!(format_label_selector(Some(&bad)), "<error>");
        let no_values = json!({"matchExpressions": [{"key": "a", "operator": "In"}]});
        assert_eq!(format_label_selector(Some(&no_values)), "<error>");
        let sel = json!({"matchLabels": {"app": "x"}});
        assert_eq!(format_label_selector(Some(&sel)), "app=x");
    }
}
