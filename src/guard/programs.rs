//! The programs orion runs for a playbook — nginx to check and reload its
//! configuration, kustomize or kubectl to render an overlay — from
//! orion.toml's `[programs]`, else found on PATH. A script never names one.

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Programs {
    /// nginx, for `traffic::nginx` (default: `nginx` on PATH).
    pub nginx: Option<PathBuf>,
    /// kubectl, whose `kustomize` renders overlays when kustomize is not there.
    pub kubectl: Option<PathBuf>,
    /// kustomize, tried first for `k8s::kustomize` (default: on PATH).
    pub kustomize: Option<PathBuf>,
}

impl Programs {
    pub fn nginx(&self) -> PathBuf {
        self.nginx.clone().unwrap_or_else(|| "nginx".into())
    }

    /// What renders a kustomization, in the order tried: (program, its arguments).
    pub fn kustomizers(&self) -> [(PathBuf, &'static [&'static str]); 2] {
        [
            (
                self.kustomize.clone().unwrap_or_else(|| "kustomize".into()),
                &["build"],
            ),
            (
                self.kubectl.clone().unwrap_or_else(|| "kubectl".into()),
                &["kustomize"],
            ),
        ]
    }
}
