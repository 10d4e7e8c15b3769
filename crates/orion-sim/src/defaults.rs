//! Defaulting, as the real API server fills fields a client left out (kubectl
//! rollout status, for one, reads `updateStrategy.type`).

use serde_json::{json, Value};

/// Sets `o[path] = value` where it is missing (null).
fn default(o: &mut Value, path: &[&str], value: Value) {
    let mut cur = o;
    for (i, key) in path.iter().enumerate() {
        if !cur.is_object() {
            return;
        }
        if i == path.len() - 1 {
            if cur[*key].is_null() {
                cur[*key] = value;
            }
            return;
        }
        if cur[*key].is_null() {
            cur[*key] = json!({});
        }
        cur = &mut cur[*key];
    }
}

/// The value at `path`, if every step exists (unlike indexing, never inserts).
fn at<'a>(o: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter()
        .try_fold(o, |cur, key| cur.get_mut(*key))
        .filter(|v| v.is_object())
}

fn pod_spec(spec: Option<&mut Value>) {
    let Some(spec) = spec else { return };
    default(spec, &["restartPolicy"], json!("Always"));
    default(spec, &["dnsPolicy"], json!("ClusterFirst"));
    default(spec, &["schedulerName"], json!("default-scheduler"));
    default(spec, &["terminationGracePeriodSeconds"], json!(30));
    default(spec, &["securityContext"], json!({}));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs {
                let image = c["image"].as_str().unwrap_or_default();
                let latest = !image.contains(':') || image.ends_with(":latest");
                default(
                    c,
                    &["imagePullPolicy"],
                    json!(if latest { "Always" } else { "IfNotPresent" }),
                );
                default(
                    c,
                    &["terminationMessagePath"],
                    json!("/dev/termination-log"),
                );
                default(c, &["terminationMessagePolicy"], json!("File"));
                default(c, &["resources"], json!({}));
                if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
                    for p in ports {
                        default(p, &["protocol"], json!("TCP"));
                    }
                }
            }
        }
    }
}

/// `spec.<strategy>.type` RollingUpdate (unless another type is set) with
/// these `rollingUpdate` fields.
fn rolling_update(o: &mut Value, strategy: &str, fields: &[(&str, Value)]) {
    let kind = &o["spec"][strategy]["type"];
    if kind.is_null() || kind == "RollingUpdate" {
        default(o, &["spec", strategy, "type"], json!("RollingUpdate"));
        for (field, value) in fields {
            default(
                o,
                &["spec", strategy, "rollingUpdate", field],
                value.clone(),
            );
        }
    }
}

/// A Secret's write-only `stringData` goes into `data`, base64-encoded,
/// winning over the same key there, and is not stored.
fn string_data(o: &mut Value) {
    use base64::Engine;
    let Some(Value::Object(strings)) = o.as_object_mut().and_then(|m| m.remove("stringData"))
    else {
        return;
    };
    if !o["data"].is_object() {
        o["data"] = json!({});
    }
    for (k, v) in strings {
        let text = v.as_str().unwrap_or_default();
        o["data"][k] = json!(base64::engine::general_purpose::STANDARD.encode(text));
    }
}

/// Fills defaults of `kind` into a new or updated object.
pub fn apply(kind: &str, o: &mut Value) {
    match kind {
        "Pod" => {
            if o["spec"].is_object() {
                default(o, &["spec", "serviceAccountName"], json!("default"));
            }
            pod_spec(at(o, &["spec"]));
        }
        "Deployment" => {
            default(o, &["spec", "replicas"], json!(1));
            default(o, &["spec", "revisionHistoryLimit"], json!(10));
            default(o, &["spec", "progressDeadlineSeconds"], json!(600));
            rolling_update(
                o,
                "strategy",
                &[("maxSurge", json!("25%")), ("maxUnavailable", json!("25%"))],
            );
            pod_spec(at(o, &["spec", "template", "spec"]));
        }
        "ReplicaSet" => {
            default(o, &["spec", "replicas"], json!(1));
            pod_spec(at(o, &["spec", "template", "spec"]));
        }
        "StatefulSet" => {
            default(o, &["spec", "replicas"], json!(1));
            default(o, &["spec", "podManagementPolicy"], json!("OrderedReady"));
            default(o, &["spec", "revisionHistoryLimit"], json!(10));
            rolling_update(o, "updateStrategy", &[("partition", json!(0))]);
            pod_spec(at(o, &["spec", "template", "spec"]));
        }
        "DaemonSet" => {
            default(o, &["spec", "revisionHistoryLimit"], json!(10));
            rolling_update(
                o,
                "updateStrategy",
                &[("maxUnavailable", json!(1)), ("maxSurge", json!(0))],
            );
            pod_spec(at(o, &["spec", "template", "spec"]));
        }
        "Secret" => {
            default(o, &["type"], json!("Opaque"));
            string_data(o);
        }
        "Namespace" => {
            // The registry labels every namespace with its name, and a new one is Active.
            let name = o["metadata"]["name"].clone();
            if name.is_string() {
                o["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            }
            default(o, &["spec", "finalizers"], json!(["kubernetes"]));
            default(o, &["status", "phase"], json!("Active"));
        }
        "Service" => {
            default(o, &["spec", "type"], json!("ClusterIP"));
            default(o, &["spec", "sessionAffinity"], json!("None"));
            let kind = o["spec"]["type"].as_str().unwrap_or_default().to_string();
            if kind != "ExternalName" {
                default(o, &["spec", "internalTrafficPolicy"], json!("Cluster"));
            }
            if kind == "NodePort" || kind == "LoadBalancer" {
                default(o, &["spec", "externalTrafficPolicy"], json!("Cluster"));
            }
            if kind == "LoadBalancer" {
                default(o, &["spec", "allocateLoadBalancerNodePorts"], json!(true));
            }
            default(o, &["status", "loadBalancer"], json!({}));
            if let Some(ports) = at(o, &["spec"])
                .and_then(|s| s.get_mut("ports"))
                .and_then(Value::as_array_mut)
            {
                for p in ports {
                    default(p, &["protocol"], json!("TCP"));
                    let port = p["port"].clone();
                    default(p, &["targetPort"], port);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::apply;
    use serde_json::json;

    #[test]
    fn fills_what_the_real_server_fills() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "web"}]}}}});
        apply("Deployment", &mut d);
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "Always"
        );
        let mut r = json!({"spec": {"strategy": {"type": "Recreate"}}});
        apply("Deployment", &mut r);
        assert!(r["spec"]["strategy"]["rollingUpdate"].is_null());
        let mut s = json!({"spec": {"ports": [{"port": 80}]}});
        apply("Service", &mut s);
        assert_eq!(
            s["spec"]["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        let mut secret = json!({"data": {"a": "eA==", "b": "eQ=="}, "stringData": {"a": "new"}});
        apply("Secret", &mut secret);
        assert_eq!(
            secret,
            json!({"type": "Opaque", "data": {"a": "bmV3", "b": "eQ=="}})
        );
        let mut kept = json!({"spec": {"replicas": 0}});
        apply("StatefulSet", &mut kept);
        assert_eq!(kept["spec"]["replicas"], 0);
        assert_eq!(kept["spec"]["updateStrategy"]["type"], "RollingUpdate");
        let once = kept.clone();
        apply("StatefulSet", &mut kept);
        assert_eq!(kept, once, "defaulting twice changes nothing");
        assert!(
            kept["spec"]["template"].is_null(),
            "no template is invented"
        );
    }
}
