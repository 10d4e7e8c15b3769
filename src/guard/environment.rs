//! An environment from orion.toml's `[environments.NAME]`: which cluster and
//! namespace it is, and the checks every change in it must pass.

use crate::guard::placeholders::default_patterns;
use crate::guard::window::Window;
use serde::Deserialize;
use std::path::PathBuf;

/// Namespaces no playbook changes unless an environment lists others.
pub fn default_protected() -> Vec<String> {
    ["kube-system", "kube-public", "kube-node-lease"]
        .map(String::from)
        .to_vec()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Approval {
    /// Changes go ahead without asking (the default).
    #[default]
    None,
    /// An operator approves before the first change.
    Required,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The kube context it must run against: an exact name or a pattern with
    /// `*` and `?` ("prod-*"). Default: any. An exact name is also the context
    /// the run uses when `--context` is not given.
    #[serde(default)]
    pub context: Option<String>,
    /// The namespace its objects go to when `--namespace` is not given.
    #[serde(default)]
    pub namespace: Option<String>,
    /// "none" (default) or "required".
    #[serde(default)]
    pub approval: Approval,
    /// Ready, schedulable nodes the cluster must have before a change (default 0).
    #[serde(default)]
    pub min_nodes: u32,
    /// Refuse to change anything unless the namespace already exists (default false).
    #[serde(default)]
    pub require_existing_namespace: bool,
    /// Namespaces never changed (default kube-system, kube-public, kube-node-lease).
    #[serde(default = "default_protected")]
    pub protected_namespaces: Vec<String>,
    /// Undo a failed run's changes (default true).
    #[serde(default = "yes")]
    pub auto_rollback: bool,
    /// When changes are allowed (default: always).
    #[serde(default)]
    pub windows: Vec<Window>,
    /// No changes at all while true (default false), with `freeze_reason` said.
    #[serde(default)]
    pub freeze: bool,
    #[serde(default)]
    pub freeze_reason: Option<String>,
    /// Values a Secret may not hold (default: CHANGE_ME, <...>, ${...}, TODO
    /// and other template leftovers; see guard/placeholders.rs). `[]` turns
    /// the check off.
    #[serde(default = "default_patterns")]
    pub secret_placeholders: Vec<String>,
    /// Where a playbook's primitives may read beyond its own directory
    /// (directories or files; relative ones from orion.toml's directory).
    #[serde(default)]
    pub read_paths: Vec<PathBuf>,
    /// Where orion may write files for a playbook (an nginx upstream
    /// include, HAProxy's server-state file) beyond its own directory.
    #[serde(default)]
    pub write_paths: Vec<PathBuf>,
    /// How the run reaches the cluster's Service and pod addresses.
    #[serde(default)]
    pub reach: crate::drivers::kube::reach::Reach,
    /// The Docker daemon docker:: uses (unix:///..., tcp://HOST:2376);
    /// default DOCKER_HOST, else /var/run/docker.sock.
    #[serde(default)]
    pub docker: Option<String>,
    /// For a tcp:// daemon: the directory with ca.pem, cert.pem and key.pem
    /// (relative ones from orion.toml's directory).
    #[serde(default)]
    pub docker_tls: Option<PathBuf>,
}

impl Default for Environment {
    fn default() -> Environment {
        Environment {
            context: None,
            namespace: None,
            approval: Approval::None,
            min_nodes: 0,
            require_existing_namespace: false,
            protected_namespaces: default_protected(),
            auto_rollback: true,
            windows: Vec::new(),
            freeze: false,
            freeze_reason: None,
            secret_placeholders: default_patterns(),
            read_paths: Vec::new(),
            write_paths: Vec::new(),
            reach: Default::default(),
            docker: None,
            docker_tls: None,
        }
    }
}

impl Environment {
    /// The context to use when none is given: `context` if it is not a pattern.
    pub fn exact_context(&self) -> Option<&str> {
        self.context.as_deref().filter(|c| !c.contains(['*', '?']))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_safe_and_patterns_are_not_contexts() {
        let e: Environment = toml::from_str("context = \"prod-*\"").unwrap();
        assert_eq!(e.protected_namespaces, default_protected());
        assert!(e.auto_rollback);
        assert_eq!(e.approval, Approval::None);
        assert_eq!(e.exact_context(), None);
        let e: Environment =
            toml::from_str("context = \"kind-staging\"\napproval = \"required\"").unwrap();
        assert_eq!(e.exact_context(), Some("kind-staging"));
        assert_eq!(e.approval, Approval::Required);
        assert!(toml::from_str::<Environment>("approval = \"maybe\"").is_err());
        assert!(toml::from_str::<Environment>("contxt = \"x\"").is_err());
    }
}
