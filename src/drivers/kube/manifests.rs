//! Manifests: YAML (or JSON) files, a directory of them, or a kustomize
//! build, split into objects that remember where they came from; the order
//! to apply them in; the images they run; how a change would read.

use crate::drivers::child::Refused;
use crate::drivers::kube::error::K8sError;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One object and where it came from ("deploy/web.yaml, document 2").
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub object: Value,
    pub source: String,
}

impl Manifest {
    pub fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or_default()
    }
    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }
}

/// The objects in YAML text (several documents, `kind: List` expanded).
pub fn parse(text: &str, source: &str) -> Result<Vec<Manifest>, K8sError> {
    let mut out = vec![];
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let at = format!("{source}, document {}", i + 1);
        let value = Value::deserialize(doc).map_err(|e| K8sError::new(format!("{at}: {e}")))?;
        match value {
            Value::Null => continue,
            Value::Object(_) => {}
            _ => {
                return Err(K8sError::new(format!(
                    "{at}: expected an object with apiVersion and kind"
                )))
            }
        }
        let items: Vec<Value> = if value["kind"] == "List" {
            value["items"].as_array().cloned().unwrap_or_default()
        } else {
            vec![value]
        };
        for object in items {
            for field in ["apiVersion", "kind"] {
                if !object[field].is_string() {
                    return Err(K8sError::new(format!("{at}: the object has no {field}\nhint: every manifest needs apiVersion, kind and metadata.name")));
                }
            }
            if !object["metadata"]["name"].is_string() {
                return Err(K8sError::new(format!(
                    "{at}: the {} has no metadata.name\nhint: generateName is not supported by apply; give it a name",
                    object["kind"].as_str().unwrap_or_default()
                )));
            }
            out.push(Manifest {
                object,
                source: at.clone(),
            });
        }
    }
    Ok(out)
}

/// The manifest files at `path`: the file itself, or every .yaml/.yml/.json
/// file under a directory (sorted).
pub fn files(path: &Path) -> Result<Vec<PathBuf>, K8sError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| K8sError::new(format!("cannot read {}: {e}", path.display())))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = vec![];
    collect(path, &mut files)?;
    if files.is_empty() {
        return Err(K8sError::new(format!(
            "{} holds no .yaml, .yml or .json files",
            path.display()
        )));
    }
    Ok(files)
}

/// The objects in `files`, in order.
pub fn load(files: &[PathBuf]) -> Result<Vec<Manifest>, K8sError> {
    let mut out = vec![];
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| K8sError::new(format!("cannot read {}: {e}", file.display())))?;
        out.extend(parse(&text, &file.display().to_string())?);
    }
    Ok(out)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), K8sError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| K8sError::new(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, files)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            files.push(p);
        }
    }
    Ok(())
}

/// A kustomization rendered by the first of `tools` (program, arguments)
/// that is installed: `kustomize build`, else `kubectl kustomize`. What the
/// program says when it refuses is kept apart (see `Refused`).
pub fn kustomize(dir: &Path, tools: &[(PathBuf, &[&str])]) -> Result<Vec<Manifest>, Refused> {
    let mut tried = vec![];
    for (tool, args) in tools {
        let shown = format!("{} {} {}", tool.display(), args.join(" "), dir.display());
        match std::process::Command::new(tool)
            .args(*args)
            .arg(dir)
            .output()
        {
            Ok(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout);
                return parse(&text, &shown).map_err(|e| Refused::new(e.message, b""));
            }
            Ok(out) => {
                return Err(Refused::new(
                    format!("{shown} could not build {}", dir.display()),
                    &out.stderr,
                ))
            }
            Err(_) => tried.push(tool.display().to_string()),
        }
    }
    Err(Refused::new(
        format!(
            "rendering {} needs one of {}, and none is installed\nhint: install kubectl (it includes kustomize) or kustomize, or name them in orion.toml's [programs]",
            dir.display(),
            tried.join(", ")
        ),
        b"",
    ))
}

/// Where a kind goes in the apply order: what others depend on first.
pub fn rank(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "CustomResourceDefinition" => 1,
        "ServiceAccount" | "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => 2,
        "ConfigMap" | "Secret" | "PersistentVolumeClaim" | "PersistentVolume" | "StorageClass" => 3,
        "Service" => 4,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" | "Pod" => 5,
        _ => 6,
    }
}

/// The pod spec inside an object, wherever its kind keeps it.
fn pod_spec(o: &Value) -> Option<&Value> {
    [
        &o["spec"]["template"]["spec"],
        &o["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        &o["spec"],
    ]
    .into_iter()
    .find(|s| s["containers"].is_array())
}

fn pod_spec_mut(o: &mut Value) -> Option<&mut Value> {
    let path: &[&str] = if o["spec"]["template"]["spec"]["containers"].is_array() {
        &["spec", "template", "spec"]
    } else if o["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"].is_array() {
        &["spec", "jobTemplate", "spec", "template", "spec"]
    } else if o["spec"]["containers"].is_array() {
        &["spec"]
    } else {
        return None;
    };
    path.iter().try_fold(o, |v, k| v.get_mut(*k))
}

/// The images an object runs, in order, without repeats.
pub fn images(o: &Value) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    if let Some(spec) = pod_spec(o) {
        for list in ["initContainers", "containers"] {
            for c in spec[list].as_array().into_iter().flatten() {
                if let Some(i) = c["image"].as_str() {
                    if !out.iter().any(|x| x == i) {
                        out.push(i.to_string());
                    }
                }
            }
        }
    }
    out
}

/// `image` with its tag replaced when its name (the part before the tag)
/// is a key of `tags`, as kustomize's `images: [{name, newTag}]` does.
pub fn retag(image: &str, tags: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let untagged = image.split('@').next().unwrap_or(image);
    // A ':' after the last '/' starts the tag; one before it is a registry port.
    let name = match untagged.rfind(':') {
        Some(i) if i > untagged.rfind('/').unwrap_or(0) => &untagged[..i],
        _ => untagged,
    };
    tags.get(name).map(|tag| format!("{name}:{tag}"))
}

/// Retags the images of a workload's containers; returns how many changed.
pub fn set_tags(o: &mut Value, tags: &std::collections::BTreeMap<String, String>) -> usize {
    let Some(spec) = pod_spec_mut(o) else {
        return 0;
    };
    let mut n = 0;
    for list in ["initContainers", "containers"] {
        for c in spec[list].as_array_mut().into_iter().flatten() {
            let new = c["image"].as_str().and_then(|i| retag(i, tags));
            if let Some(new) = new {
                if c["image"] != new.as_str() {
                    c["image"] = Value::String(new);
                    n += 1;
                }
            }
        }
    }
    n
}

/// What the server fills or keeps for itself, left out of diffs.
const NOISE: &[&str] = &[
    "metadata.managedFields",
    "metadata.resourceVersion",
    "metadata.generation",
    "metadata.uid",
    "metadata.creationTimestamp",
    "metadata.annotations.deployment.kubernetes.io/revision",
    "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration",
    "status",
];

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// The changed fields between `live` (None: not there yet) and `next`, one
/// line each, Secret values masked.
pub fn diff(live: Option<&Value>, next: &Value) -> Vec<String> {
    let secret = next["kind"] == "Secret";
    let fields = |v: &Value| {
        let mut out = vec![];
        flatten("", v, &mut out);
        out.retain(|(p, _)| {
            !NOISE.iter().any(|n| {
                p == n || p.starts_with(&format!("{n}.")) || p.starts_with(&format!("{n}["))
            })
        });
        if secret {
            for (p, v) in out.iter_mut() {
                if p.starts_with("data.") || p.starts_with("stringData.") {
                    *v = "\"***\"".into();
                }
            }
        }
        out
    };
    let after = fields(next);
    let Some(live) = live else {
        return after.iter().map(|(p, v)| format!("+ {p}: {v}")).collect();
    };
    let before = fields(live);
    let mut lines = vec![];
    for (p, v) in &after {
        match before.iter().find(|(q, _)| q == p) {
            None => lines.push(format!("+ {p}: {v}")),
            Some((_, old)) if old != v => lines.push(format!("~ {p}: {old} → {v}")),
            // Masked on both sides: compare the real values.
            Some(_) if secret && secret_changed(live, next, p) => {
                lines.push(format!("~ {p}: (changed)"));
            }
            _ => {}
        }
    }
    for (p, v) in &before {
        if !after.iter().any(|(q, _)| q == p) {
            lines.push(format!("- {p}: {v}"));
        }
    }
    lines
}

/// Whether the Secret value at `path` ("data.KEY") differs, unmasked.
fn secret_changed(live: &Value, next: &Value, path: &str) -> bool {
    match path.split_once('.') {
        Some((field, key)) => live[field][key] != next[field][key],
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_lists_and_sources() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: b}}\n";
        let m = parse(text, "x.yaml").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].kind(), "Service");
        assert_eq!(m[1].source, "x.yaml, document 3");
        let e = parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "y.yaml").unwrap_err();
        assert!(
            e.message
                .contains("y.yaml, document 1: the ConfigMap has no metadata.name"),
            "{e}"
        );
        let e = parse("kind: [", "z.yaml").unwrap_err();
        assert!(e.message.starts_with("z.yaml, document 1:"), "{e}");
    }

    #[test]
    fn order_images_and_diffs() {
        let mut kinds = vec!["Deployment", "Service", "Namespace", "ConfigMap", "Ingress"];
        kinds.sort_by_key(|k| rank(k));
        assert_eq!(
            kinds,
            ["Namespace", "ConfigMap", "Service", "Deployment", "Ingress"]
        );
        let d = json!({"kind": "Deployment", "spec": {"template": {"spec": {"initContainers": [{"image": "init:1"}], "containers": [{"image": "web:1"}, {"image": "init:1"}]}}}});
        assert_eq!(images(&d), ["init:1", "web:1"]);
        let live = json!({"kind": "Deployment", "metadata": {"name": "web", "resourceVersion": "5"}, "spec": {"replicas": 2}, "status": {"replicas": 2}});
        let next = json!({"kind": "Deployment", "metadata": {"name": "web", "resourceVersion": "6"}, "spec": {"replicas": 3}});
        assert_eq!(diff(Some(&live), &next), ["~ spec.replicas: 2 → 3"]);
        let s1 = json!({"kind": "Secret", "data": {"password": "czNjcmV0"}});
        let s2 = json!({"kind": "Secret", "data": {"password": "bmV3"}});
        let lines = diff(Some(&s1), &s2);
        assert_eq!(lines, ["~ data.password: (changed)"]);
        assert!(
            !diff(None, &s2).join("").contains("bmV3"),
            "secret values never show"
        );
    }
}
