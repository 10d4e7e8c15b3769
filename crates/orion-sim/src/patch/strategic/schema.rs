//! Patch strategies of list fields, i.e. the `patchStrategy`/`patchMergeKey` struct tags of the
//! built-in types. A list is identified by the field names leading to it from the object root
//! (list elements add no name). Lists missing from these tables are replaced wholesale, which is
//! what the real apiserver does for built-in fields without a merge strategy.

use self::ListStrategy::{MergeByKey, MergeSet, Replace};

/// How a patch list combines with the live list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ListStrategy {
    /// The patch list replaces the live list.
    Replace,
    /// Object elements are matched and merged by the value of this key.
    MergeByKey(&'static str),
    /// Scalar elements are merged as an ordered set.
    MergeSet,
}

impl ListStrategy {
    pub(super) fn merge_key(self) -> Option<&'static str> {
        match self {
            MergeByKey(key) => Some(key),
            Replace | MergeSet => None,
        }
    }
}

/// Where a pod spec sits inside each kind that embeds one.
const POD_SPEC_LOCATIONS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("PodTemplate", &["template", "spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("ReplicationController", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// Lists directly inside a pod spec.
const POD_SPEC_LISTS: &[(&str, ListStrategy)] = &[
    ("containers", MergeByKey("name")),
    ("initContainers", MergeByKey("name")),
    ("ephemeralContainers", MergeByKey("name")),
    ("volumes", MergeByKey("name")),
    ("imagePullSecrets", MergeByKey("name")),
    ("hostAliases", MergeByKey("ip")),
    ("topologySpreadConstraints", MergeByKey("topologyKey")),
    ("schedulingGates", MergeByKey("name")),
    ("resourceClaims", MergeByKey("name")),
    ("tolerations", Replace),
];

/// Pod spec fields whose elements are containers.
const CONTAINER_FIELDS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// Lists directly inside a container.
const CONTAINER_LISTS: &[(&str, ListStrategy)] = &[
    ("ports", MergeByKey("containerPort")),
    ("env", MergeByKey("name")),
    ("volumeMounts", MergeByKey("mountPath")),
    ("volumeDevices", MergeByKey("devicePath")),
    ("envFrom", Replace),
];

/// Lists directly inside an ObjectMeta (`metadata`, also of pod and job templates).
const OBJECT_META_LISTS: &[(&str, ListStrategy)] = &[
    ("ownerReferences", MergeByKey("uid")),
    ("finalizers", MergeSet),
];

/// ObjectMeta locations other than the root `metadata` and pod template metadata.
const EXTRA_OBJECT_META: &[(&str, &[&str])] = &[("CronJob", &["spec", "jobTemplate", "metadata"])];

/// Lists at a fixed path in the listed kinds.
const KIND_LISTS: &[(&[&str], &[&str], ListStrategy)] = &[
    (&["Service"], &["spec", "ports"], MergeByKey("port")),
    (
        &[
            "Pod",
            "Node",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "Job",
        ],
        &["status", "conditions"],
        MergeByKey("type"),
    ),
];

/// The strategy of the list at `path` in an object of kind `kind`.
pub(super) fn list_strategy(kind: &str, path: &[&str]) -> ListStrategy {
    let Some((field, parent)) = path.split_last() else {
        return Replace;
    };
    if is_object_meta(kind, parent) {
        return lookup(OBJECT_META_LISTS, field);
    }
    for spec in pod_spec_locations(kind) {
        if parent == spec {
            return lookup(POD_SPEC_LISTS, field);
        }
        if let Some((container_field, spec_prefix)) = parent.split_last() {
            if spec_prefix == spec && CONTAINER_FIELDS.contains(container_field) {
                return lookup(CONTAINER_LISTS, field);
            }
        }
    }
    KIND_LISTS
        .iter()
        .find(|(kinds, list_path, _)| kinds.contains(&kind) && *list_path == path)
        .map_or(Replace, |(_, _, strategy)| *strategy)
}

fn lookup(table: &[(&str, ListStrategy)], field: &str) -> ListStrategy {
    table
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(Replace, |(_, strategy)| *strategy)
}

fn pod_spec_locations<'k>(kind: &'k str) -> impl Iterator<Item = &'static [&'static str]> + 'k {
    POD_SPEC_LOCATIONS
        .iter()
        .filter(move |(k, _)| *k == kind)
        .map(|(_, path)| *path)
}

/// True for the root `metadata` and for the metadata next to any pod spec of this kind.
fn is_object_meta(kind: &str, path: &[&str]) -> bool {
    let Some((last, prefix)) = path.split_last() else {
        return false;
    };
    if *last != "metadata" {
        return false;
    }
    prefix.is_empty()
        || pod_spec_locations(kind).any(|spec| spec.split_last().map(|(_, p)| p) == Some(prefix))
        || EXTRA_OBJECT_META
            .iter()
            .any(|(k, meta)| *k == kind && *meta == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strategy(kind: &str, path: &str) -> ListStrategy {
        list_strategy(kind, &path.split('.').collect::<Vec<_>>())
    }

    #[test]
    fn pod_spec_lists_wherever_a_pod_spec_appears() {
        let cases = [
            ("Pod", "spec.containers"),
            ("Deployment", "spec.template.spec.containers"),
            ("ReplicaSet", "spec.template.spec.containers"),
            ("StatefulSet", "spec.template.spec.containers"),
            ("DaemonSet", "spec.template.spec.containers"),
            ("Job", "spec.template.spec.containers"),
            ("CronJob", "spec.jobTemplate.spec.template.spec.containers"),
        ];
        for (kind, path) in cases {
            assert_eq!(strategy(kind, path), MergeByKey("name"), "{kind} {path}");
        }
        assert_eq!(strategy("Pod", "spec.initContainers"), MergeByKey("name"));
        assert_eq!(
            strategy("Pod", "spec.ephemeralContainers"),
            MergeByKey("name")
        );
        assert_eq!(strategy("Pod", "spec.volumes"), MergeByKey("name"));
        assert_eq!(strategy("Pod", "spec.imagePullSecrets"), MergeByKey("name"));
        assert_eq!(strategy("Pod", "spec.hostAliases"), MergeByKey("ip"));
        assert_eq!(strategy("Pod", "spec.tolerations"), Replace);
        // A pod spec path of another kind does not count.
        assert_eq!(
            strategy("Service", "spec.template.spec.containers"),
            Replace
        );
        assert_eq!(strategy("Deployment", "spec.containers"), Replace);
    }

    #[test]
    fn container_lists() {
        let base = "spec.template.spec";
        for container_field in ["containers", "initContainers", "ephemeralContainers"] {
            let at =
                |field: &str| strategy("Deployment", &format!("{base}.{container_field}.{field}"));
            assert_eq!(at("ports"), MergeByKey("containerPort"));
            assert_eq!(at("env"), MergeByKey("name"));
            assert_eq!(at("volumeMounts"), MergeByKey("mountPath"));
            assert_eq!(at("volumeDevices"), MergeByKey("devicePath"));
            assert_eq!(at("envFrom"), Replace);
            assert_eq!(at("args"), Replace);
        }
        assert_eq!(strategy("Pod", "spec.volumes.env"), Replace);
    }

    #[test]
    fn object_meta_lists() {
        assert_eq!(
            strategy("ConfigMap", "metadata.ownerReferences"),
            MergeByKey("uid")
        );
        assert_eq!(strategy("ConfigMap", "metadata.finalizers"), MergeSet);
        assert_eq!(
            strategy("Deployment", "spec.template.metadata.finalizers"),
            MergeSet
        );
        assert_eq!(
            strategy("CronJob", "spec.jobTemplate.metadata.finalizers"),
            MergeSet
        );
        assert_eq!(strategy("ConfigMap", "spec.metadata.finalizers"), Replace);
    }

    #[test]
    fn kind_specific_lists_and_default() {
        assert_eq!(strategy("Service", "spec.ports"), MergeByKey("port"));
        assert_eq!(strategy("Pod", "status.conditions"), MergeByKey("type"));
        assert_eq!(strategy("Endpoints", "subsets"), Replace);
        assert_eq!(strategy("Deployment", "spec.ports"), Replace);
        assert_eq!(list_strategy("Pod", &[]), Replace);
    }
}
