//! One change a playbook asks for, described once — by the Kubernetes path
//! and by the drivers outside the cluster (HAProxy, nginx) alike — and
//! what the door in `door.rs` checks, journals and hands to a driver.

use crate::guard::journal::Entry;
use serde_json::Value;

/// A change to one thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The kube context of the cluster it is made in, or the system outside
    /// one ("haproxy", "nginx").
    pub context: String,
    /// apiVersion and kind: "apps/v1" "Deployment"; "orion.dev/haproxy" "Server".
    pub api_version: String,
    pub kind: String,
    /// In the cluster, its namespace ("" for a cluster-wide object); outside,
    /// where it lives (a runtime API's address, a file).
    pub namespace: String,
    pub name: String,
    /// What it does, for the journal: "set image web=shop/web:2".
    pub summary: String,
    /// Its line in the run's log: "deployment/web: set image web=shop/web:2",
    /// "haproxy web/v1: set weight 10 (was weight 50, ready)".
    pub said: String,
    /// Whether it is made in the cluster (with its guards: context, nodes,
    /// namespaces, lock, summaries) or outside it (freezes and windows only).
    pub in_cluster: bool,
    /// A Secret's new content (an object or a patch), for the placeholder check.
    pub secret: Option<Value>,
    /// What the operator is shown when this change is the first to need approval.
    pub shown: String,
}

impl Change {
    /// Its journal entry, with what it replaces: the one place an entry is made.
    pub(crate) fn entry(
        &self,
        prior: Option<Value>,
        environment: Option<String>,
        step: Option<String>,
        approver: Option<String>,
    ) -> Entry {
        Entry {
            seq: 0,
            at: jiff::Timestamp::now().to_string(),
            run: String::new(),
            environment,
            context: self.context.clone(),
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            summary: self.summary.clone(),
            prior,
            step,
            approver,
        }
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    use super::Change;
    use crate::guard::journal::Entry;
    use serde_json::Value;

    /// An entry for unit tests: `kind` `name` in `namespace`, with `prior`.
    pub(crate) fn entry(
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
        prior: Option<Value>,
    ) -> Entry {
        let change = Change {
            context: "c".into(),
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
            summary: "apply".into(),
            said: String::new(),
            in_cluster: true,
            secret: None,
            shown: String::new(),
        };
        change.entry(prior, None, None, None)
    }
}
