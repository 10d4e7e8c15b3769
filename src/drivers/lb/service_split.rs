//! What decides a Service router's split, read from the API objects: the
//! Service's Endpoints must hold only ready pods of the backends given
//! weight, and at least one of each. A sample from outside the cluster goes
//! through a port-forward to one pod and says nothing about the split; the
//! Endpoints are what kube-proxy (or any dataplane) sends traffic to.

use super::routes::Weights;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One address of the Service's Endpoints, and the pod and backend it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub pod: String,
    pub backend: String,
    pub ip: String,
    pub port: u16,
}

/// The name of the Service's port `port` (its first port when none is
/// asked for; "" when unnamed), which names its Endpoints port too.
pub fn port_name(service: &Value, port: Option<i64>) -> Result<String, String> {
    let name = service["metadata"]["name"].as_str().unwrap_or_default();
    let ports = service["spec"]["ports"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let chosen = match port {
        Some(p) => ports
            .iter()
            .find(|s| s["port"].as_i64() == Some(p))
            .ok_or_else(|| {
                let listed: Vec<String> = ports.iter().map(|s| s["port"].to_string()).collect();
                format!(
                    "service/{name} has no port {p}\nhint: its ports: {}",
                    listed.join(", ")
                )
            })?,
        None => ports
            .first()
            .ok_or_else(|| format!("service/{name} has no ports"))?,
    };
    Ok(chosen["name"].as_str().unwrap_or_default().to_string())
}

/// An Endpoints address: IP, port, and the pod it names ("" for none).
struct Address {
    ip: String,
    port: u16,
    pod: String,
}

/// The Endpoints' addresses on the port named `port`: (ready, not ready).
fn addresses(endpoints: &Value, port: &str) -> (Vec<Address>, Vec<Address>) {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let (mut ready, mut not_ready) = (vec![], vec![]);
    for subset in list(&endpoints["subsets"]) {
        let Some(number) = list(&subset["ports"])
            .iter()
            .find(|p| p["name"].as_str().unwrap_or_default() == port)
            .and_then(|p| p["port"].as_u64())
            .and_then(|p| u16::try_from(p).ok())
        else {
            continue;
        };
        let address = |a: &Value| Address {
            ip: a["ip"].as_str().unwrap_or_default().to_string(),
            port: number,
            pod: match a["targetRef"]["kind"].as_str() {
                Some("Pod") => a["targetRef"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                _ => String::new(),
            },
        };
        ready.extend(list(&subset["addresses"]).iter().map(address));
        not_ready.extend(list(&subset["notReadyAddresses"]).iter().map(address));
    }
    (ready, not_ready)
}

/// The members of the split (ready pods of the backends with weight), or
/// every way the Endpoints differ from `want`. `pods` are the pods the
/// Service could select (its selector without `label`); a pod's backend is
/// its `label` value.
pub fn members(
    endpoints: &Value,
    port: &str,
    pods: &[Value],
    label: &str,
    want: &Weights,
) -> Result<Vec<Member>, Vec<String>> {
    let backend_of: BTreeMap<&str, &str> = pods
        .iter()
        .filter_map(|p| {
            Some((
                p["metadata"]["name"].as_str()?,
                p["metadata"]["labels"][label].as_str()?,
            ))
        })
        .collect();
    let weighted = |b: &str| want.get(b).is_some_and(|w| *w > 0);
    let (ready, not_ready) = addresses(endpoints, port);
    let mut problems = vec![];
    let mut found = vec![];
    for Address { ip, port, pod } in ready {
        match backend_of.get(pod.as_str()) {
            Some(b) if weighted(b) => found.push(Member {
                pod: pod.clone(),
                backend: b.to_string(),
                ip: ip.clone(),
                port,
            }),
            Some(b) => problems.push(format!("pod {pod} of {b} is a ready endpoint")),
            None if pod.is_empty() => problems.push(format!("{ip} is a ready endpoint and no pod")),
            None => problems.push(format!("pod {pod} is a ready endpoint and of no backend")),
        }
    }
    for Address { pod, .. } in &not_ready {
        if let Some(b) = backend_of.get(pod.as_str()).filter(|b| weighted(b)) {
            problems.push(format!("pod {pod} of {b} is not ready"));
        }
    }
    for (b, _) in want.iter().filter(|(_, w)| **w > 0) {
        if !found.iter().any(|m| &m.backend == b) {
            problems.push(format!("no ready pod of {b} is an endpoint"));
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

/// What a pod's answers may say it is: its version labels and its
/// containers' image tags ("registry/shop/web:1.5.0" → "1.5.0").
pub fn versions(pod: &Value) -> BTreeSet<String> {
    let labels = &pod["metadata"]["labels"];
    let mut out: BTreeSet<String> = ["app.kubernetes.io/version", "version"]
        .iter()
        .filter_map(|k| labels[*k].as_str().map(str::to_string))
        .collect();
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        let image = c["image"].as_str().unwrap_or_default();
        let image = image.split('@').next().unwrap_or_default();
        let last = image.rsplit('/').next().unwrap_or_default();
        if let Some((_, tag)) = last.split_once(':') {
            out.insert(tag.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, track: &str, image: &str) -> Value {
        json!({"metadata": {"name": name, "labels": {"app": "web", "track": track}},
               "spec": {"containers": [{"image": image}]}})
    }

    fn address(ip: &str, pod: &str) -> Value {
        json!({"ip": ip, "targetRef": {"kind": "Pod", "name": pod}})
    }

    fn want(w: &[(&str, i64)]) -> Weights {
        w.iter().map(|(b, w)| (b.to_string(), *w)).collect()
    }

    #[test]
    fn the_endpoints_hold_only_ready_pods_of_the_weighted_backends() {
        let pods = [
            pod("web-blue-1", "blue", "shop/web:1.4.2"),
            pod("web-green-1", "green", "shop/web:1.5.0"),
            pod("web-green-2", "green", "shop/web:1.5.0"),
        ];
        let ep = json!({"subsets": [{"ports": [{"port": 8080}],
            "addresses": [address("10.244.0.2", "web-green-1"), address("10.244.1.2", "web-green-2")]}]});
        let m = members(
            &ep,
            "",
            &pods,
            "track",
            &want(&[("blue", 0), ("green", 100)]),
        )
        .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].backend, "green");
        assert_eq!((m[1].ip.as_str(), m[1].port), ("10.244.1.2", 8080));

        // Still on blue: green has no endpoint, and blue's pod should not be one.
        let old = json!({"subsets": [{"ports": [{"port": 8080}],
            "addresses": [address("10.244.0.9", "web-blue-1")],
            "notReadyAddresses": [address("10.244.0.2", "web-green-1")]}]});
        let e = members(
            &old,
            "",
            &pods,
            "track",
            &want(&[("blue", 0), ("green", 100)]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            [
                "pod web-blue-1 of blue is a ready endpoint",
                "pod web-green-1 of green is not ready",
                "no ready pod of green is an endpoint"
            ]
        );
        let empty = members(&json!({}), "", &pods, "track", &want(&[("green", 1)])).unwrap_err();
        assert_eq!(empty, ["no ready pod of green is an endpoint"]);
    }

    #[test]
    fn the_port_is_found_by_name_and_versions_come_from_labels_and_tags() {
        let svc = json!({"metadata": {"name": "web"}, "spec": {"ports": [
            {"name": "http", "port": 80, "targetPort": "http"},
            {"name": "metrics", "port": 9090}]}});
        assert_eq!(port_name(&svc, None).unwrap(), "http");
        assert_eq!(port_name(&svc, Some(9090)).unwrap(), "metrics");
        assert!(port_name(&svc, Some(81))
            .unwrap_err()
            .contains("its ports: 80, 9090"));
        let ep = json!({"subsets": [{"ports": [{"name": "metrics", "port": 9090}, {"name": "http", "port": 8080}],
            "addresses": [address("10.244.0.2", "web-1")]}]});
        let pods = [pod("web-1", "blue", "shop/web:1")];
        let m = members(&ep, "http", &pods, "track", &want(&[("blue", 1)])).unwrap();
        assert_eq!(m[0].port, 8080);
        let p = json!({"metadata": {"labels": {"app.kubernetes.io/version": "v7"}},
            "spec": {"containers": [{"image": "registry:5000/shop/web:1.5.0@sha256:ab"}, {"image": "sidecar"}]}});
        assert_eq!(versions(&p), ["1.5.0".to_string(), "v7".to_string()].into());
    }
}
