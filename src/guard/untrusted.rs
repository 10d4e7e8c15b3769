//! Undoing a run from its summary in the cluster. A summary is a ConfigMap:
//! anyone allowed to write one in its namespace could have written it, so
//! its records are data to check, not instructions. Only changes orion
//! itself makes to objects of the summary's own namespace are undone from
//! it — never a cluster-wide object, never anything outside the cluster (a
//! load balancer, a file: only this machine's journal undoes those) — and
//! only after the operator was shown what each object becomes.

use crate::drivers::kube::manifests::images;
use crate::guard::journal::Entry;
use crate::guard::summary::home;
use crate::report::printable::printable;
use serde_json::Value;

/// The kinds a summary's records may restore or delete: (API group, kind).
/// Roles, bindings, webhooks and custom resources are left to the journal.
const UNDOABLE: [(&str, &str); 14] = [
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("", "PersistentVolumeClaim"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("networking.k8s.io", "Ingress"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
];

/// Whether a record read from the summary in `namespace` may be undone from
/// it; if not, why.
pub fn admissible(e: &Entry, namespace: &str) -> Result<(), String> {
    let Some(home) = home(e) else {
        return Err(format!(
            "a change outside the cluster ({}) is undone only from the journal of the machine that made it",
            e.api_version
        ));
    };
    if e.namespace.is_empty() {
        return Err(
            "a cluster-wide object is undone only from the journal of the machine that made the run"
                .into(),
        );
    }
    if home != namespace {
        return Err(format!(
            "the summary in namespace {namespace} speaks for its own namespace only, not {}",
            e.namespace
        ));
    }
    let group = e.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    if !UNDOABLE.contains(&(group, e.kind.as_str())) {
        return Err(format!(
            "orion does not undo a {} ({}) from a summary in the cluster",
            e.kind, e.api_version
        ));
    }
    if let Some(prior) = &e.prior {
        let meta = &prior["metadata"];
        let same = |field: &str, want: &str| meta[field].as_str().is_none_or(|v| v == want);
        if !same("name", &e.name) || !same("namespace", &e.namespace) {
            return Err("its copy of the object names another object".into());
        }
        if prior["kind"].as_str().is_some_and(|k| k != e.kind) {
            return Err("its copy of the object is of another kind".into());
        }
    }
    Ok(())
}

/// What undoing `e` makes of its object, for the operator to approve:
/// deleted, or back to the summary's copy — with its images, keys or
/// selector, and what in a pod spec reaches the node. Never a value.
pub fn becomes(e: &Entry) -> String {
    printable(&shown(e))
}

fn shown(e: &Entry) -> String {
    let Some(prior) = &e.prior else {
        return "deleted (the run created it)".into();
    };
    let mut said = vec![];
    let imgs = images(prior);
    if !imgs.is_empty() {
        said.push(format!("images {}", imgs.join(", ")));
    }
    if let Some(keys) = keys(prior) {
        said.push(keys);
    }
    if let Some(selector) = prior["spec"]["selector"].as_object() {
        if e.kind == "Service" {
            let pairs: Vec<String> = selector
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
                .collect();
            said.push(format!("selector {}", pairs.join(",")));
        }
    }
    said.extend(reaches_the_node(prior));
    if said.is_empty() {
        "back to the summary's copy".into()
    } else {
        format!("back to the summary's copy: {}", said.join("; "))
    }
}

/// "keys a, b" of a ConfigMap's or Secret's data.
fn keys(o: &Value) -> Option<String> {
    let mut names: Vec<&str> = ["data", "stringData", "binaryData"]
        .iter()
        .filter_map(|f| o[*f].as_object())
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    names.sort();
    names.dedup();
    (!names.is_empty()).then(|| format!("keys {}", names.join(", ")))
}

/// What in a workload's pod spec gives its containers the node: privileged
/// containers, host namespaces, host paths, a service account.
fn reaches_the_node(o: &Value) -> Vec<String> {
    let spec = [
        &o["spec"]["template"]["spec"],
        &o["spec"]["jobTemplate"]["spec"]["template"]["spec"],
    ]
    .into_iter()
    .find(|s| s.is_object());
    let Some(spec) = spec else {
        return vec![];
    };
    let mut out = vec![];
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if spec[field] == Value::Bool(true) {
            out.push(format!("WARNING {field}"));
        }
    }
    let containers = ["containers", "initContainers"]
        .iter()
        .filter_map(|f| spec[*f].as_array())
        .flatten();
    for c in containers {
        if c["securityContext"]["privileged"] == Value::Bool(true) {
            out.push(format!(
                "WARNING privileged container {}",
                c["name"].as_str().unwrap_or("?")
            ));
        }
    }
    for v in spec["volumes"].as_array().into_iter().flatten() {
        if let Some(path) = v["hostPath"]["path"].as_str() {
            out.push(format!("WARNING host path {path}"));
        }
    }
    if let Some(sa) = spec["serviceAccountName"].as_str() {
        out.push(format!("service account {sa}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(api_version: &str, kind: &str, namespace: &str, prior: Option<Value>) -> Entry {
        crate::guard::change::fixture::entry(api_version, kind, namespace, "web", prior)
    }

    #[test]
    fn only_orion_s_own_kinds_in_the_summary_s_namespace_are_undone() {
        assert!(admissible(&entry("apps/v1", "Deployment", "shop", None), "shop").is_ok());
        assert!(admissible(&entry("v1", "ConfigMap", "shop", None), "shop").is_ok());
        let no = |e: Entry| admissible(&e, "shop").unwrap_err();
        assert!(no(entry("apps/v1", "Deployment", "kube-system", None)).contains("own namespace"));
        assert!(no(entry("v1", "Namespace", "", None)).contains("cluster-wide"));
        assert!(no(entry("orion.dev/nginx", "Upstream", "/etc/x", None)).contains("outside"));
        assert!(no(entry(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            "shop",
            None
        ))
        .contains("does not undo"));
        assert!(no(entry("evil.io/v1", "Deployment", "shop", None)).contains("does not undo"));
        let elsewhere =
            json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "kube-system"}});
        assert!(no(entry("apps/v1", "Deployment", "shop", Some(elsewhere))).contains("another"));
    }

    #[test]
    fn the_operator_sees_what_each_object_becomes_never_a_value() {
        assert_eq!(
            becomes(&entry("apps/v1", "Deployment", "shop", None)),
            "deleted (the run created it)"
        );
        let d = json!({"spec": {"template": {"spec": {
            "hostNetwork": true,
            "containers": [{"name": "web", "image": "evil/x:1", "securityContext": {"privileged": true}}],
            "volumes": [{"name": "root", "hostPath": {"path": "/"}}]}}}});
        let shown = becomes(&entry("apps/v1", "Deployment", "shop", Some(d)));
        for part in [
            "images evil/x:1",
            "WARNING hostNetwork",
            "WARNING privileged container web",
            "WARNING host path /",
        ] {
            assert!(shown.contains(part), "{part}: {shown}");
        }
        let s = json!({"data": {"password": "c2VjcmV0"}});
        let shown = becomes(&entry("v1", "Secret", "shop", Some(s)));
        assert_eq!(shown, "back to the summary's copy: keys password");
    }
}
