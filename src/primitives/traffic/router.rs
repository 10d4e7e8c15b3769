//! Routers, one shape for all: `weights()` read back from the live object
//! or load balancer, `set_weights(...)` through the guard's door (gate,
//! journal with what it replaces, --dry-run), so a failed run puts the
//! previous weights back. The Kubernetes objects (Service, HTTPRoute,
//! canary Ingress) are read and rewritten by `drivers::lb::routes`; HAProxy,
//! nginx and an AWS ALB by their own files here.

use super::alb::AlbRouter;
use super::haproxy::{HAProxy, ServerChange};
use super::nginx::NginxRouter;
use crate::drivers::lb::routes::Route;
use crate::primitives::k8s::K8s;
use serde_json::Value;
use std::sync::Arc;

pub use crate::drivers::lb::routes::Weights;

#[derive(Debug, Clone)]
pub enum Target {
    /// A Service's selector, an HTTPRoute's weights, a canary Ingress.
    Kube(Route),
    /// A HAProxy backend, through the runtime API.
    HAProxy(HAProxy),
    /// An nginx upstream in a file orion renders.
    Nginx(NginxRouter),
    /// An AWS ALB forward action's weighted target groups.
    Alb(AlbRouter),
}

#[derive(Clone)]
pub struct Router {
    pub k8s: Arc<K8s>,
    pub target: Target,
}

impl Router {
    /// "service/web", "httproute/web", "haproxy ... backend web".
    pub fn describe(&self) -> String {
        match &self.target {
            Target::Kube(r) => r.describe(),
            Target::HAProxy(p) => format!("haproxy {} backend {}", p.address, p.backend),
            Target::Nginx(n) => format!("nginx upstream {}", n.upstream),
            Target::Alb(a) => a.alb.describe(),
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
            Target::HAProxy(p) => p.weights(self.k8s.host(), ctx),
            Target::Nginx(n) => n.weights(ctx),
            Target::Alb(a) => a.weights(self.k8s.host(), ctx),
            Target::Kube(route) => {
                let (kind, name) = route.object();
                let object = self.live(ctx, kind, name)?;
                route.weights(&object).map_err(|e| err(ctx, e))
            }
        }
    }

    /// Writes `want` (backends left out keep their weight); returns the
    /// weights as read back.
    pub fn set_weights(
        &self,
        ctx: &rhai::NativeCallContext,
        want: &Weights,
    ) -> RhaiResult<Weights> {
        match &self.target {
            Target::Nginx(n) => n.set(self.k8s.host(), ctx, want),
            Target::Alb(a) => a.set(self.k8s.host(), ctx, want),
            Target::HAProxy(p) => {
                let changes: Vec<ServerChange> = want
                    .iter()
                    .map(|(s, w)| ServerChange {
                        server: s.clone(),
                        weight: Some(*w),
                        state: None,
                    })
                    .collect();
                p.change(self.k8s.host(), ctx, &changes)
            }
            Target::Kube(route) => {
                let (kind, name) = route.object();
                let object = self.live(ctx, kind, name)?;
                let (change, summary) = route.change(&object, want).map_err(|e| err(ctx, e))?;
                let written = self.k8s.write(ctx, kind, name, change, summary)?;
                route.weights(&written).map_err(|e| err(ctx, e))
            }
        }
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
            // An ALB has weights only: draining is weight 0.
            Target::Alb(a) if state != "ready" => {
                a.set(self.k8s.host(), ctx, &[(backend.to_string(), 0)].into())
            }
            Target::Alb(_) => Err(err(
                ctx,
                format!(
                    "{} keeps no weight to put {backend} back to\nhint: set_weights(#{{{backend}: 50}})",
                    self.describe()
                ),
            )),
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
