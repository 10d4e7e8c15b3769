//! Routers on Kubernetes objects, one shape for all: `weights()` read back
//! from the live object, `set_weights(...)` written through the k8s mutation
//! path (gate, journal with the prior object, --dry-run), so a failed run
//! puts the previous weights back.
//! - a Service: blue/green by its selector (one backend at a time);
//! - a Gateway API HTTPRoute: backendRef weights of one rule;
//! - an ingress-nginx canary Ingress: the canary-weight annotation
//!   (legacy: ingress-nginx is retired; prefer the Gateway API).

use super::haproxy::{HAProxy, ServerChange};
use super::nginx::NginxRouter;
use crate::drivers::kube::objects::Change;
use crate::primitives::k8s::K8s;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const CANARY: &str = "nginx.ingress.kubernetes.io/canary";
pub const CANARY_WEIGHT: &str = "nginx.ingress.kubernetes.io/canary-weight";

/// Weights by backend name.
pub type Weights = BTreeMap<String, i64>;

#[derive(Debug, Clone)]
pub enum Target {
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
    /// A HAProxy backend, through the runtime API.
    HAProxy(HAProxy),
    /// An nginx upstream in a file orion renders.
    Nginx(NginxRouter),
}

#[derive(Clone)]
pub struct Router {
    pub k8s: Arc<K8s>,
    pub target: Target,
}

impl Router {
    /// "service/web", "httproute/web", "ingress/web-canary".
    pub fn describe(&self) -> String {
        match &self.target {
            Target::Service { name, .. } => format!("service/{name}"),
            Target::Gateway { route, .. } => format!("httproute/{route}"),
            Target::IngressNginx { ingress } => format!("ingress/{ingress}"),
            Target::HAProxy(p) => format!("haproxy {} backend {}", p.address, p.backend),
            Target::Nginx(n) => format!("nginx upstream {}", n.upstream),
        }
    }

    /// The Kubernetes kind and name of the router's object (None for HAProxy).
    fn object(&self) -> Option<(&'static str, &str)> {
        match &self.target {
            Target::Service { name, .. } => Some(("services", name)),
            Target::Gateway { route, .. } => Some(("httproutes", route)),
            Target::IngressNginx { ingress } => Some(("ingresses", ingress)),
            Target::HAProxy(_) | Target::Nginx(_) => None,
        }
    }
}

/// The weights `object` (the router's live object) carries.
pub fn weights_of(target: &Target, object: &Value) -> std::result::Result<Weights, String> {
    match target {
        Target::Service {
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
        Target::Gateway { route, rule } => {
            let refs = object["spec"]["rules"][*rule]["backendRefs"]
                .as_array()
                .filter(|r| !r.is_empty())
                .ok_or_else(|| format!("httproute/{route} has no backendRefs in rule {rule}"))?;
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
        Target::IngressNginx { ingress } => {
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
        Target::HAProxy(_) | Target::Nginx(_) => {
            Err("a load balancer's router has no Kubernetes object".into())
        }
    }
}

/// The change that makes `object` carry `want`, and what it says.
fn change_for(
    target: &Target,
    object: &Value,
    want: &Weights,
) -> std::result::Result<(Change, String), String> {
    let current = weights_of(target, object)?;
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
    match target {
        Target::Service { label, .. } => {
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
        Target::Gateway { rule, .. } => {
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
        Target::IngressNginx { .. } => {
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
        Target::HAProxy(_) | Target::Nginx(_) => {
            Err("a load balancer's router has no Kubernetes object".into())
        }
    }
}

type RhaiResult<T> = std::result::Result<T, Box<rhai::EvalAltResult>>;

fn err(ctx: &rhai::NativeCallContext, e: String) -> Box<rhai::EvalAltResult> {
    crate::primitives::error::error_at(ctx, e)
}

impl Router {
    fn live(&self, ctx: &rhai::NativeCallContext, kind: &str, name: &str) -> RhaiResult<Value> {
        self.k8s.read(ctx, kind, name)?.ok_or_else(|| {
            err(
                ctx,
                format!("{} not found in the run's namespace", self.describe()),
            )
        })
    }

    /// The weights now, read back from the cluster or the load balancer.
    pub fn weights(&self, ctx: &rhai::NativeCallContext) -> RhaiResult<Weights> {
        match &self.target {
            Target::HAProxy(p) => return p.weights(self.k8s.host(), ctx),
            Target::Nginx(n) => return n.weights(ctx),
            _ => {}
        }
        let (kind, name) = self.object().expect("a Kubernetes router");
        let object = self.live(ctx, kind, name)?;
        weights_of(&self.target, &object).map_err(|e| err(ctx, e))
    }

    /// Writes `want` (backends left out keep their weight); returns the
    /// weights as read back.
    pub fn set_weights(
        &self,
        ctx: &rhai::NativeCallContext,
        want: &Weights,
    ) -> RhaiResult<Weights> {
        if let Target::Nginx(n) = &self.target {
            return n.set(self.k8s.host(), ctx, want);
        }
        if let Target::HAProxy(p) = &self.target {
            let changes: Vec<ServerChange> = want
                .iter()
                .map(|(s, w)| ServerChange {
                    server: s.clone(),
                    weight: Some(*w),
                    state: None,
                })
                .collect();
            return p.change(self.k8s.host(), ctx, &changes);
        }
        let (kind, name) = self.object().expect("a Kubernetes router");
        let object = self.live(ctx, kind, name)?;
        let (change, summary) = change_for(&self.target, &object, want).map_err(|e| err(ctx, e))?;
        let written = self.k8s.write(ctx, kind, name, change, summary)?;
        weights_of(&self.target, &written).map_err(|e| err(ctx, e))
    }

    /// Puts one backend in a state: "drain" (no new connections), "maint"
    /// (out), "ready" (back in). Load balancers only.
    pub fn set_state(
        &self,
        ctx: &rhai::NativeCallContext,
        backend: &str,
        state: &'static str,
    ) -> RhaiResult<Weights> {
        match &self.target {
            Target::HAProxy(p) => p.change(
                self.k8s.host(),
                ctx,
                &[ServerChange {
                    server: backend.to_string(),
                    weight: None,
                    state: Some(state),
                }],
            ),
            Target::Nginx(n) => n.set_state(self.k8s.host(), ctx, backend, state),
            _ => Err(err(
                ctx,
                format!(
                    "{} has no per-backend state\nhint: set_weights(#{{{backend}: 0}}) takes it out of rotation",
                    self.describe()
                ),
            )),
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
        let t = Target::Gateway {
            route: "web".into(),
            rule: 0,
        };
        assert_eq!(
            weights_of(&t, &route).unwrap(),
            w(&[("v1", 100), ("v2", 1)])
        );
        let (Change::Merge(patch), _) =
            change_for(&t, &route, &w(&[("v1", 90), ("v2", 10)])).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            patch["spec"]["rules"][0]["backendRefs"][1],
            json!({"name": "v2", "port": 80, "weight": 10})
        );
        assert!(change_for(&t, &route, &w(&[("v3", 1)]))
            .unwrap_err()
            .contains("the backends are v1, v2"));
    }

    #[test]
    fn a_service_switches_and_a_canary_splits_100() {
        let svc = json!({"spec": {"selector": {"app": "web", "version": "blue"}}});
        let t = Target::Service {
            name: "web".into(),
            label: "version".into(),
            backends: vec!["blue".into(), "green".into()],
        };
        assert_eq!(
            weights_of(&t, &svc).unwrap(),
            w(&[("blue", 100), ("green", 0)])
        );
        assert!(change_for(&t, &svc, &w(&[("blue", 50), ("green", 50)]))
            .unwrap_err()
            .contains("one backend"));
        let ing = json!({"metadata": {"annotations": {CANARY: "true", CANARY_WEIGHT: "10"}}});
        let t = Target::IngressNginx {
            ingress: "web-canary".into(),
        };
        assert_eq!(
            weights_of(&t, &ing).unwrap(),
            w(&[("canary", 10), ("stable", 90)])
        );
        assert!(change_for(&t, &ing, &w(&[("stable", 70), ("canary", 20)]))
            .unwrap_err()
            .contains("adds up to 90"));
    }
}
