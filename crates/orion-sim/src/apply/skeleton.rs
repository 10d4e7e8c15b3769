//! The "empty object" of a kind, as the apiserver's Go zero value serializes.
//!
//! Creates are diffed against it, so nodes that exist in the zero value
//! (`spec`, `spec.template`, a `null` containers list, ...) are not recorded
//! as newly added (`".": {}`) while everything else is.

use serde_json::{json, Map, Value};

/// Kinds whose Go type has a non-pointer `spec`.
const SPEC_KINDS: &[&str] = &[
    "Pod",
    "ReplicationController",
    "Service",
    "Node",
    "Namespace",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ResourceQuota",
    "LimitRange",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Ingress",
    "IngressClass",
    "NetworkPolicy",
    "CertificateSigningRequest",
    "CustomResourceDefinition",
    "APIService",
    "Lease",
    "VolumeAttachment",
    "CSIDriver",
    "CSINode",
    "PriorityLevelConfiguration",
    "FlowSchema",
];

fn pod_template() -> Value {
    json!({"metadata": {}, "spec": {"containers": null}})
}

/// The zero-value object for `kind` (unknown kinds: `{}`, like an empty unstructured object).
pub fn zero_object(kind: &str) -> Value {
    let mut root = Map::new();
    if !SPEC_KINDS.contains(&kind) && !is_builtin_without_spec(kind) {
        return Value::Object(root);
    }
    root.insert("metadata".into(), json!({}));
    if SPEC_KINDS.contains(&kind) {
        root.insert("spec".into(), zero_spec(kind));
        root.insert("status".into(), json!({}));
    }
    if kind == "PodTemplate" {
        root.insert("template".into(), pod_template());
    }
    Value::Object(root)
}

fn zero_spec(kind: &str) -> Value {
    match kind {
        "Pod" => json!({"containers": null}),
        "Deployment" => json!({"template": pod_template(), "strategy": {}, "selector": null}),
        "StatefulSet" | "DaemonSet" => {
            json!({"template": pod_template(), "updateStrategy": {}, "selector": null})
        }
        "ReplicaSet" => json!({"template": pod_template(), "selector": null}),
        "Job" => json!({"template": pod_template()}),
        "CronJob" => json!({"jobTemplate": {"metadata": {}, "spec": {"template": pod_template()}}}),
        "PersistentVolumeClaim" => json!({"resources": {}}),
        "HorizontalPodAutoscaler" => json!({"scaleTargetRef": {}}),
        _ => json!({}),
    }
}

/// Built-in kinds with metadata but no spec (their zero value still has `metadata`).
fn is_builtin_without_spec(kind: &str) -> bool {
    matches!(
        kind,
        "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "Endpoints"
            | "EndpointSlice"
            | "Event"
            | "Role"
            | "ClusterRole"
            | "RoleBinding"
            | "ClusterRoleBinding"
            | "PodTemplate"
            | "StorageClass"
            | "PriorityClass"
            | "RuntimeClass"
            | "ControllerRevision"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
    )
}
