//! The small slice of the Kubernetes OpenAPI schema that server-side apply
//! needs: which maps are atomic or keyed by arbitrary strings, which kinds
//! have a status subresource, and which fields are never tracked.
//!
//! A node is identified by the chain of field names from the root (list
//! items add nothing), e.g. `["spec", "template", "spec", "containers"]`
//! for a container item.

use super::fieldset::FieldSet;
use super::path::PathElement;

/// How a JSON object node is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapType {
    /// A Go struct: keys are named fields.
    Struct,
    /// `map[string]T`: keys are free-form (labels, data, ...).
    Granular,
    /// Replaced and owned as a whole (`+structType=atomic` / `+mapType=atomic`).
    Atomic,
}

/// Object-valued fields that are atomic in the built-in API types.
const ATOMIC_MAPS: &[&str] = &[
    "selector",          // LabelSelector, Service/RC selector maps
    "labelSelector",     // PodAffinityTerm, TopologySpreadConstraint
    "podSelector",       // NetworkPolicy
    "namespaceSelector", // NetworkPolicy, PodAffinityTerm
    "nodeSelector",      // PodSpec.nodeSelector (+mapType=atomic)
    "configMapKeyRef",
    "secretKeyRef",
    "fieldRef",
    "resourceFieldRef",
    "targetRef",
    "claimRef",
    "dataSource",
    "dataSourceRef",
    "roleRef",
];

/// Object-valued fields whose keys are free-form.
const GRANULAR_MAPS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "binaryData",
    "stringData",
    "limits",
    "requests",
    "capacity",
    "allocatable",
    "allocatedResources",
    "hard",
    "used",
    "parameters",
    "volumeAttributes",
    "overhead",
    "matchLabels",
];

/// Classifies the object node at `names`.
pub fn map_type(names: &[String]) -> MapType {
    let Some(last) = names.last().map(String::as_str) else {
        return MapType::Struct;
    };
    let parent = names.len().checked_sub(2).and_then(|i| names.get(i));
    if last == "requiredDuringSchedulingIgnoredDuringExecution"
        && parent.is_some_and(|p| p == "nodeAffinity")
    {
        return MapType::Atomic;
    }
    if ATOMIC_MAPS.contains(&last) {
        MapType::Atomic
    } else if GRANULAR_MAPS.contains(&last) {
        MapType::Granular
    } else {
        MapType::Struct
    }
}

/// Built-in kinds whose `status` is written through the `/status` subresource.
const STATUS_KINDS: &[&str] = &[
    "Pod",
    "ReplicationController",
    "Service",
    "Node",
    "Namespace",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ResourceQuota",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Ingress",
    "CertificateSigningRequest",
    "CustomResourceDefinition",
    "APIService",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "VolumeAttachment",
    "ServiceCIDR",
    "ResourceClaim",
    "ValidatingAdmissionPolicy",
    "StorageVersion",
    "StorageVersionMigration",
];

/// Whether a built-in kind has a status subresource (custom kinds: false).
pub fn has_status_subresource(kind: &str) -> bool {
    STATUS_KINDS.contains(&kind)
}

/// Fields removed from every recorded set (the apiserver's `stripMetaManager`).
pub fn strip_set() -> FieldSet {
    let mut set = FieldSet::new();
    set.insert(&[PathElement::field("apiVersion")]);
    set.insert(&[PathElement::field("kind")]);
    set.insert(&[PathElement::field("metadata")]);
    for f in [
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    ] {
        set.insert(&[PathElement::field("metadata"), PathElement::field(f)]);
    }
    set
}

/// A set holding the single top-level field `name` (for reset fields).
pub fn top_field(name: &str) -> FieldSet {
    let mut set = FieldSet::new();
    set.insert(&[PathElement::field(name)]);
    set
}
