//! Validation of the fields the real server checks most often, reported as
//! 422 Invalid with one cause per field.

use crate::resources::Resource;
use crate::status::ApiError;
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
}
