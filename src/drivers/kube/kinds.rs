//! Naming kinds as people do — "deployment", "deploy", "Deployment",
//! "deployments.apps", "svc" — resolved through the cluster's discovery.

use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::retry::retry;
use kube::core::ApiResource;
use kube::discovery::{Discovery, Scope};
use kube::Client;

/// kubectl's short names for the common kinds.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("cm", "configmaps"),
    ("deploy", "deployments"),
    ("ds", "daemonsets"),
    ("ep", "endpoints"),
    ("ev", "events"),
    ("ing", "ingresses"),
    ("no", "nodes"),
    ("ns", "namespaces"),
    ("po", "pods"),
    ("rs", "replicasets"),
    ("sa", "serviceaccounts"),
    ("sts", "statefulsets"),
    ("svc", "services"),
];

#[derive(Debug, Clone)]
pub struct Kind {
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// The kinds a cluster serves, core group first (so "pods" is never metrics.k8s.io's).
#[derive(Default)]
pub struct Kinds {
    all: Vec<Kind>,
}

impl Kinds {
    pub async fn discover(client: Client) -> Result<Kinds, K8sError> {
        let discovery = retry("discovering the cluster's kinds", || {
            Discovery::new(client.clone()).run()
        })
        .await?;
        let mut all: Vec<Kind> = discovery
            .groups()
            .flat_map(|g| g.recommended_resources())
            .map(|(resource, caps)| Kind {
                resource,
                namespaced: caps.scope == Scope::Namespaced,
            })
            .collect();
        all.sort_by_key(|k| (!k.resource.group.is_empty(), k.resource.group != "apps"));
        Ok(Kinds { all })
    }

    pub fn find(&self, name: &str) -> Result<Kind, K8sError> {
        let lower = name.to_ascii_lowercase();
        let (word, group) = match lower.split_once('.') {
            Some((w, g)) => (w.to_string(), Some(g.to_string())),
            None => (lower.clone(), None),
        };
        let word = SHORT_NAMES
            .iter()
            .find(|(short, _)| *short == word)
            .map_or(word.clone(), |(_, plural)| plural.to_string());
        self.all
            .iter()
            .find(|k| {
                let r = &k.resource;
                let names = [r.plural.clone(), r.kind.to_ascii_lowercase()];
                names.contains(&word) && group.as_ref().is_none_or(|g| *g == r.group)
            })
            .cloned()
            .ok_or_else(|| {
                let mut known: Vec<&str> = self
                    .all
                    .iter()
                    .map(|k| k.resource.plural.as_str())
                    .collect();
                known.sort_unstable();
                known.dedup();
                K8sError::new(format!(
                    "the cluster serves no kind \"{name}\"\nhint: known kinds: {}",
                    known.join(", ")
                ))
            })
    }
}
