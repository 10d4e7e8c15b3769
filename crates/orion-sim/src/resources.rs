//! The kinds the simulated API server serves, as discovery describes them.

/// One REST resource: where it lives in the API and how it is named.
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    /// "" for the core group (served under /api/v1).
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub subresources: &'static [&'static str],
    /// The `categories` kubectl uses for `kubectl get all`.
    pub categories: &'static [&'static str],
    /// What can be done with it; all of `VERBS` but for read-only kinds.
    pub verbs: &'static [&'static str],
}

impl Resource {
    /// "v1" or "apps/v1".
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// How errors name it: "configmaps", "deployments.apps".
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }
}

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The verbs of read-only kinds (metrics.k8s.io).
const READ_ONLY: &[&str] = &["get", "list"];

macro_rules! resource {
    ($group:expr, $version:expr, $kind:expr, $plural:expr, $singular:expr, $namespaced:expr, [$($short:expr),*], [$($sub:expr),*], [$($cat:expr),*]) => {
        Resource {
            group: $group,
            version: $version,
            kind: $kind,
            plural: $plural,
            singular: $singular,
            namespaced: $namespaced,
            short_names: &[$($short),*],
            subresources: &[$($sub),*],
            categories: &[$($cat),*],
            verbs: VERBS,
        }
    };
}

pub static RESOURCES: &[Resource] = &[
    resource!(
        "",
        "v1",
        "Namespace",
        "namespaces",
        "namespace",
        false,
        ["ns"],
        ["status", "finalize"],
        []
    ),
    resource!(
        "",
        "v1",
        "Node",
        "nodes",
        "node",
        false,
        ["no"],
        ["status"],
        []
    ),
    resource!(
        "",
        "v1",
        "Pod",
        "pods",
        "pod",
        true,
        ["po"],
        ["status", "log", "eviction", "portforward", "proxy"],
        ["all"]
    ),
    resource!(
        "",
        "v1",
        "Service",
        "services",
        "service",
        true,
        ["svc"],
        ["status", "proxy"],
        ["all"]
    ),
    resource!(
        "",
        "v1",
        "Endpoints",
        "endpoints",
        "endpoints",
        true,
        ["ep"],
        [],
        []
    ),
    resource!(
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        "configmap",
        true,
        ["cm"],
        [],
        []
    ),
    resource!("", "v1", "Secret", "secrets", "secret", true, [], [], []),
    resource!("", "v1", "Event", "events", "event", true, ["ev"], [], []),
    resource!(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        "serviceaccount",
        true,
        ["sa"],
        [],
        []
    ),
    resource!(
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        "lease",
        true,
        [],
        [],
        []
    ),
    resource!(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        "deployment",
        true,
        ["deploy"],
        ["status", "scale"],
        ["all"]
    ),
    resource!(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        "replicaset",
        true,
        ["rs"],
        ["status", "scale"],
        ["all"]
    ),
    resource!(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        "statefulset",
        true,
        ["sts"],
        ["status", "scale"],
        ["all"]
    ),
    resource!(
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        "controllerrevision",
        true,
        [],
        [],
        []
    ),
    resource!(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        "daemonset",
        true,
        ["ds"],
        ["status"],
        ["all"]
    ),
    resource!(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        "ingress",
        true,
        ["ing"],
        ["status"],
        []
    ),
    resource!(
        "gateway.networking.k8s.io",
        "v1",
        "HTTPRoute",
        "httproutes",
        "httproute",
        true,
        [],
        ["status"],
        ["gateway-api"]
    ),
    Resource {
        verbs: READ_ONLY,
        ..resource!(
            "metrics.k8s.io",
            "v1beta1",
            "PodMetrics",
            "pods",
            "",
            true,
            [],
            [],
            []
        )
    },
    Resource {
        verbs: READ_ONLY,
        ..resource!(
            "metrics.k8s.io",
            "v1beta1",
            "NodeMetrics",
            "nodes",
            "",
            false,
            [],
            [],
            []
        )
    },
];

/// The resource served at `group`/`version` under `plural`.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The resource of an object's `apiVersion` and `kind`.
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.api_version() == api_version && r.kind == kind)
}

/// The API groups served under /apis, in discovery order, with their version.
pub fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !out.iter().any(|(g, _)| *g == r.group) {
            out.push((r.group, r.version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{by_kind, find, groups};

    #[test]
    fn finds_resources_by_path_and_kind() {
        assert_eq!(
            find("apps", "v1", "deployments").unwrap().kind,
            "Deployment"
        );
        assert!(find("", "v1", "deployments").is_none());
        assert_eq!(by_kind("v1", "ConfigMap").unwrap().plural, "configmaps");
        assert_eq!(
            by_kind("apps/v1", "ReplicaSet").unwrap().qualified_plural(),
            "replicasets.apps"
        );
        assert_eq!(groups()[0], ("coordination.k8s.io", "v1"));
    }
}
