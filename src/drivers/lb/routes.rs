//! Routers made of Kubernetes objects, read and rewritten as JSON:
//! - a Service: blue/green by its selector (one backend at a time);
//! - a Gateway API HTTPRoute: backendRef weights of one rule;
//! - an ingress-nginx canary Ingress: the canary-weight annotation
//!   (legacy: ingress-nginx is retired; prefer the Gateway API).

use crate::drivers::kube::objects::Change;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const CANARY: &str = "nginx.ingress.kubernetes.io/canary";
pub const CANARY_WEIGHT: &str = "nginx.ingress.kubernetes.io/canary-weight";

/// Weights by backend name.
pub type Weights = BTreeMap<String, i64>;

/// Which object carries the weights, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Service `name`, whose selector label `label` picks one of `backends`.
    Service {
        name: String,
        label: String,
        backends: Vec<String>,
    },
    /// HTTPRoute `route`, rule `rule`.
    Gateway { route: String, rule: usize },
    /// The canary Ingress `ingress`: backends "stable" and "canary".
    IngressNginx { ingress: String },
}

impl Route {
    /// "service/web", "httproute/web", "ingress/web-canary".
    pub fn describe(&self) -> String {
        match self {
            Route::Service { name, .. } => format!("service/{name}"),
            Route::Gateway { route, .. } => format!("httproute/{route}"),
            Route::IngressNginx { ingress } => format!("ingress/{ingress}"),
        }
    }

    /// The kind (as a plural) and name of its object.
    pub fn object(&self) -> (&'static str, &str) {
        match self {
            Route::Service { name, .. } => ("services", name),
            Route::Gateway { route, .. } => ("httproutes", route),
            Route::IngressNginx { ingress } => ("ingresses", ingress),
        }
    }
}

impl Route {
    /// The weights `object` (the route's live object) carries.
    pub fn weights(&self, object: &Value) -> Result<Weights, String> {
        match self {
            Route::Service {
                name,
                label,
                backends,
            } => {
                let current = object["spec"]["selector"][label.as_str()]
                    .as_str()
                    .ok_or_else(|| {
                        format!(
                            "service/{name} does not select by {label}\nhint: its selector is {}",
                            object["spec"]["selector"]
                        )
                    })?;
                Ok(backends
                    .iter()
                    .map(|b| (b.clone(), if b == current { 100 } else { 0 }))
                    .collect())
            }
            Route::Gateway { route, rule } => {
                let refs = object["spec"]["rules"][*rule]["backendRefs"]
                    .as_array()
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| {
                        format!("httproute/{route} has no backendRefs in rule {rule}")
                    })?;
                Ok(refs
                    .iter()
                    .map(|r| {
                        // The Gateway API's default weight is 1.
                        (
                            r["name"].as_str().unwrap_or_default().to_string(),
                            r["weight"].as_i64().unwrap_or(1),
                        )
                    })
                    .collect())
            }
            Route::IngressNginx { ingress } => {
                let annotations = &object["metadata"]["annotations"];
                if annotations[CANARY].as_str() != Some("true") {
                    return Err(format!(
                    "ingress/{ingress} is not a canary Ingress\nhint: it needs the annotation {CANARY}: \"true\" (and a stable Ingress for the same host)"
                ));
                }
                let w: i64 = annotations[CANARY_WEIGHT]
                    .as_str()
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0);
                Ok([("stable".to_string(), 100 - w), ("canary".to_string(), w)].into())
            }
        }
    }

    /// The change that makes `object` carry `want`, and what it says.
    pub fn change(&self, object: &Value, want: &Weights) -> Result<(Change, String), String> {
        let current = self.weights(object)?;
        if let Some(unknown) = want.keys().find(|b| !current.contains_key(*b)) {
            return Err(format!(
                "no backend \"{unknown}\" here\nhint: the backends are {}",
                current.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        if let Some((b, w)) = want.iter().find(|(_, w)| **w < 0) {
            return Err(format!("backend {b} has a negative weight ({w})"));
        }
        let shown = want
            .iter()
            .map(|(b, w)| format!("{b}={w}"))
            .collect::<Vec<_>>()
            .join(" ");
        match self {
            Route::Service { label, .. } => {
                let on: Vec<&String> = want
                    .iter()
                    .filter(|(_, w)| **w > 0)
                    .map(|(b, _)| b)
                    .collect();
                let [to] = on[..] else {
                    return Err(format!(
                    "a Service sends all traffic to one backend; {shown} splits it\nhint: switch_to(\"backend\"), or split with traffic::gateway or traffic::ingress_nginx"
                ));
                };
                Ok((
                    Change::Merge(json!({"spec": {"selector": {label.as_str(): to}}})),
                    format!("switch selector to {label}={to}"),
                ))
            }
            Route::Gateway { rule, .. } => {
                if want.values().all(|w| *w == 0) && want.len() == current.len() {
                    return Err(
                        "every backend would get weight 0: the route would send nothing anywhere"
                            .into(),
                    );
                }
                let mut rules = object["spec"]["rules"].clone();
                for r in rules[*rule]["backendRefs"]
                    .as_array_mut()
                    .into_iter()
                    .flatten()
                {
                    let name = r["name"].as_str().unwrap_or_default().to_string();
                    if let Some(w) = want.get(&name) {
                        r["weight"] = json!(w);
                    }
                }
                Ok((
                    Change::Merge(json!({"spec": {"rules": rules}})),
                    format!("set weights {shown}"),
                ))
            }
            Route::IngressNginx { .. } => {
                let stable = want.get("stable").copied().unwrap_or(current["stable"]);
                let canary = want.get("canary").copied().unwrap_or(current["canary"]);
                if stable + canary != 100 {
                    return Err(format!(
                    "an ingress-nginx canary splits 100 between stable and canary; {shown} adds up to {}",
                    stable + canary
                ));
                }
                Ok((
                    Change::Merge(
                        json!({"metadata": {"annotations": {CANARY_WEIGHT: canary.to_string()}}}),
                    ),
                    format!("set canary-weight {canary}"),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(pairs: &[(&str, i64)]) -> Weights {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn gateway_weights_are_read_and_rewritten_in_place() {
        let route = json!({"spec": {"rules": [{"backendRefs": [{"name": "v1", "port": 80, "weight": 100}, {"name": "v2", "port": 80}]}]}});
        let t = Route::Gateway {
            route: "web".into(),
            rule: 0,
        };
        assert_eq!(t.weights(&route).unwrap(), w(&[("v1", 100), ("v2", 1)]));
        let (Change::Merge(patch), _) = t.change(&route, &w(&[("v1", 90), ("v2", 10)])).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            patch["spec"]["rules"][0]["backendRefs"][1],
            json!({"name": "v2", "port": 80, "weight": 10})
        );
        assert!(t
            .change(&route, &w(&[("v3", 1)]))
            .unwrap_err()
            .contains("the backends are v1, v2"));
    }

    #[test]
    fn a_service_switches_and_a_canary_splits_100() {
        let svc = json!({"spec": {"selector": {"app": "web", "version": "blue"}}});
        let t = Route::Service {
            name: "web".into(),
            label: "version".into(),
            backends: vec!["blue".into(), "green".into()],
        };
        assert_eq!(t.weights(&svc).unwrap(), w(&[("blue", 100), ("green", 0)]));
        assert!(t
            .change(&svc, &w(&[("blue", 50), ("green", 50)]))
            .unwrap_err()
            .contains("one backend"));
        let ing = json!({"metadata": {"annotations": {CANARY: "true", CANARY_WEIGHT: "10"}}});
        let t = Route::IngressNginx {
            ingress: "web-canary".into(),
        };
        assert_eq!(
            t.weights(&ing).unwrap(),
            w(&[("canary", 10), ("stable", 90)])
        );
        assert!(t
            .change(&ing, &w(&[("stable", 70), ("canary", 20)]))
            .unwrap_err()
            .contains("adds up to 90"));
    }
}
