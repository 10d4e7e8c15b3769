//! Validation of the fields the real server checks most often, reported as
//! 422 Invalid with one cause per field.

use crate::resources::Resource;
use crate::status::ApiError;
use base64::Engine;
use serde_json::Value;

type Causes = Vec<(String, String)>;

fn containers(spec: &Value, path: &str, causes: &mut Causes) {
    match spec["containers"].as_array() {
        Some(cs) if !cs.is_empty() => {
            for (i, c) in cs.iter().enumerate() {
                for field in ["name", "image"] {
                    if c[field].as_str().is_none_or(str::is_empty) {
                        causes.push((
                            format!("{path}.containers[{i}].{field}"),
                            "Required value".into(),
                        ));
                    }
                }
            }
        }
        _ => causes.push((format!("{path}.containers"), "Required value".into())),
    }
}

/// Go's rendering of a label map in messages: map[string]string{"app":"web"}.
fn go_map(labels: &Value) -> String {
    let pairs: Vec<String> = labels
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k:?}:{v}")).collect())
        .unwrap_or_default();
    format!("map[string]string{{{}}}", pairs.join(", "))
}

fn workload(o: &Value, causes: &mut Causes) {
    let spec = &o["spec"];
    if spec["replicas"].as_i64().is_some_and(|r| r < 0) {
        causes.push((
            "spec.replicas".into(),
            format!(
                "Invalid value: {}: must be greater than or equal to 0",
                spec["replicas"]
            ),
        ));
    }
    let selector = &spec["selector"]["matchLabels"];
    if !spec["selector"].is_object()
        || (selector.as_object().is_none_or(|m| m.is_empty())
            && spec["selector"]["matchExpressions"].is_null())
    {
        causes.push(("spec.selector".into(), "Required value".into()));
    } else {
        let labels = &spec["template"]["metadata"]["labels"];
        let matches = selector
            .as_object()
            .is_none_or(|want| want.iter().all(|(k, v)| labels.get(k) == Some(v)));
        if !matches {
            causes.push((
                "spec.template.metadata.labels".into(),
                format!(
                    "Invalid value: {}: `selector` does not match template `labels`",
                    go_map(labels)
                ),
            ));
        }
    }
    containers(&spec["template"]["spec"], "spec.template.spec", causes);
}

/// `core.MaxSecretSize`: what a ConfigMap's or a Secret's data may total.
const MAX_DATA_BYTES: usize = 1024 * 1024;

/// The bytes a base64 value stands for (what the server counts once decoded).
fn decoded_len(value: &Value) -> usize {
    let text = value.as_str().unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_or(text.len() / 4 * 3, |bytes| bytes.len())
}

/// `ValidateConfigMap`'s size check: `data` values plus decoded `binaryData`, reported on the
/// whole object (Go's `field.NewPath("")` prints as `[]`).
fn config_map_size(o: &Value, causes: &mut Causes) {
    let data: usize = o["data"].as_object().map_or(0, |m| {
        m.values().map(|v| v.as_str().map_or(0, str::len)).sum()
    });
    let binary: usize = o["binaryData"]
        .as_object()
        .map_or(0, |m| m.values().map(decoded_len).sum());
    if data + binary > MAX_DATA_BYTES {
        causes.push(("[]".into(), too_long(MAX_DATA_BYTES)));
    }
}

/// `ValidateSecret`'s size check on the decoded `data` (`stringData` is merged in by then).
fn secret_size(o: &Value, causes: &mut Causes) {
    let total: usize = o["data"]
        .as_object()
        .map_or(0, |m| m.values().map(decoded_len).sum());
    if total > MAX_DATA_BYTES {
        causes.push(("data".into(), too_long(MAX_DATA_BYTES)));
    }
}

/// `field.TooLong`'s detail, as a v1.36 server words it.
fn too_long(max: usize) -> String {
    format!("Too long: must have at most {max} bytes")
}

/// Checks a new or updated object; `current` is the stored one on update.
pub fn check(r: &Resource, name: &str, o: &Value, current: Option<&Value>) -> Result<(), ApiError> {
    let mut causes = Causes::new();
    match r.kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            workload(o, &mut causes);
            if let Some(cur) = current {
                if cur["spec"]["selector"] != o["spec"]["selector"] && r.group == "apps" {
                    causes.push((
                        "spec.selector".into(),
                        format!(
                            "Invalid value: {}: field is immutable",
                            selector_text(&o["spec"]["selector"])
                        ),
                    ));
                }
            }
        }
        "Pod" => containers(&o["spec"], "spec", &mut causes),
        "ConfigMap" => config_map_size(o, &mut causes),
        "Secret" => secret_size(o, &mut causes),
        "Service" => {
            for (i, p) in o["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                if p["port"].as_i64().is_none_or(|n| !(1..=65535).contains(&n)) {
                    causes.push((
                        format!("spec.ports[{i}].port"),
                        format!(
                            "Invalid value: {}: must be between 1 and 65535, inclusive",
                            p["port"]
                        ),
                    ));
                }
            }
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(r, name, &causes))
    }
}

fn selector_text(selector: &Value) -> String {
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}",
        go_map(&selector["matchLabels"])
    )
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::resources::find;
    use serde_json::json;

    #[test]
    fn workloads_need_a_matching_selector_and_containers() {
        let dep = find("apps", "v1", "deployments").unwrap();
        let bad = json!({"spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "web"}]}}}});
        let err = check(dep, "web", &bad, None).unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(
            err.message,
            "Deployment.apps \"web\" is invalid: [spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`, spec.template.spec.containers[0].image: Required value]"
        );
        assert_eq!(err.details.unwrap()["causes"].as_array().unwrap().len(), 2);
        let good = json!({"spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "w:1"}]}}}});
        assert!(check(dep, "web", &good, None).is_ok());
        let mut moved = good.clone();
        moved["spec"]["selector"]["matchLabels"]["tier"] = json!("x");
        moved["spec"]["template"]["metadata"]["labels"]["tier"] = json!("x");
        assert!(check(dep, "web", &moved, Some(&good))
            .unwrap_err()
            .message
            .contains("field is immutable"));
    }

    #[test]
    fn config_maps_and_secrets_hold_at_most_1_mib() {
        let cm = find("", "v1", "configmaps").unwrap();
        let half = "x".repeat(512 * 1024);
        // 1 MiB exactly is allowed; binaryData counts decoded.
        let full = json!({"data": {"a": half, "b": half}});
        assert!(check(cm, "c", &full, None).is_ok());
        let over = json!({"data": {"a": half}, "binaryData": {"b": "AAAA".repeat(174_763)}});
        let err = check(cm, "c", &over, None).unwrap_err();
        assert_eq!(
            err.message,
            "ConfigMap \"c\" is invalid: []: Too long: must have at most 1048576 bytes"
        );
        assert_eq!(
            err.details.unwrap()["causes"][0]["reason"],
            "FieldValueTooLong"
        );
        let secret = find("", "v1", "secrets").unwrap();
        // 1 MiB of data is about 1.33 MiB of base64, and allowed.
        let encoded = "AAAA".repeat(1024 * 1024 / 3);
        assert!(check(secret, "s", &json!({"data": {"a": encoded}}), None).is_ok());
        let over = json!({"data": {"a": encoded, "b": "AAAA"}});
        assert_eq!(
            check(secret, "s", &over, None).unwrap_err().message,
            "Secret \"s\" is invalid: data: Too long: must have at most 1048576 bytes"
        );
    }
}
