//! Plans: the objects of manifests or a kustomize build, before they are
//! applied — to count, list, filter, check the images of, and diff against
//! the cluster with a server-side dry run.

use super::convert::to_dynamic;
use super::{K8s, Result};
use crate::drivers::kube::manifests::{self, Manifest};
use crate::drivers::kube::objects::{self, Change};
use crate::primitives::doc;
use crate::primitives::error::{error_at, message, program_refused};
use crate::primitives::host::Host;
use crate::primitives::path::readable;
use rhai::{Array, Dynamic, FnNamespace, Module, NativeCallContext};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

/// Objects to apply, each with where it came from.
#[derive(Debug, Clone)]
pub struct Plan {
    pub manifests: Vec<Manifest>,
}

fn describe(plan: &Plan) -> String {
    let names: Vec<String> = plan
        .manifests
        .iter()
        .map(|m| format!("{}/{}", m.kind().to_ascii_lowercase(), m.name()))
        .collect();
    format!("Plan({} objects: {})", names.len(), names.join(", "))
}

/// The plan's images, for hints.
fn describe_images(plan: &Plan) -> String {
    images(plan).join(", ")
}

/// The objects in the manifest file or directory at `path`, each file
/// confined as `import` is (a symbolic link out of the directory included).
pub fn load(h: &Host, ctx: &NativeCallContext, path: &str) -> Result<Vec<Manifest>> {
    load_at(h, ctx, &readable(h, ctx, path)?)
}

/// As `load`, for a path already resolved and allowed.
pub fn load_at(h: &Host, ctx: &NativeCallContext, path: &Path) -> Result<Vec<Manifest>> {
    let files = manifests::files(path).map_err(|e| error_at(ctx, e.message))?;
    for f in &files {
        h.gate()
            .sandbox
            .check_read(f, &f.display().to_string())
            .map_err(|e| error_at(ctx, e))?;
    }
    manifests::load(&files).map_err(|e| error_at(ctx, e.message))
}

pub fn register(module: &mut Module, k8s: &Arc<K8s>) {
    let k = k8s.clone();
    doc(
        "manifests",
        "The objects in a YAML file or a directory of them (documents split, paths relative to the playbook).",
        &["path: &str", "Plan"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, path: &str| -> Result<Plan> {
        load(k.host(), &ctx, path).map(|manifests| Plan { manifests })
    });
    let k = k8s.clone();
    doc(
        "kustomize",
        "The objects a kustomization renders (kustomize build, or kubectl kustomize: orion.toml's [programs] or PATH).",
        &["dir: &str", "Plan"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, dir: &str| {
        kustomize(&k, &ctx, dir)
    });

    let global = |name: &str, what: &str, params: &[&str]| {
        doc(name, what, params).with_namespace(FnNamespace::Global)
    };
    global(
        "len",
        "How many objects the plan holds.",
        &["plan: Plan", "i64"],
    )
    .set_into_module(module, |plan: &mut Plan| plan.manifests.len() as i64);
    global(
        "images",
        "The images the plan's workloads run, without repeats.",
        &["plan: Plan", "array"],
    )
    .set_into_module(module, |plan: &mut Plan| -> Array {
        images(plan).into_iter().map(Dynamic::from).collect()
    });
    global("objects", "The plan's objects: [#{kind, name, namespace, source}].", &["plan: Plan", "array"])
        .set_into_module(module, |plan: &mut Plan| -> Array {
            plan.manifests
                .iter()
                .map(|m| to_dynamic(&json!({"kind": m.kind(), "name": m.name(), "namespace": m.object["metadata"]["namespace"], "source": m.source})))
                .collect()
        });
    global(
        "set_tags",
        "The plan with images retagged, as kustomize's images/newTag: k8s::set_tags(plan, #{\"registry.example.com/shop/auth\": \"1.5.0\"}); an image name no workload runs is an error.",
        &["plan: Plan", "tags: map", "Plan"],
    )
    .set_into_module(module, |ctx: NativeCallContext, plan: &mut Plan, tags: rhai::Map| {
        set_tags(&ctx, plan, tags)
    });
    global(
        "filter",
        "The plan's objects of one kind (\"Deployment\", case ignored).",
        &["plan: Plan", "kind: &str", "Plan"],
    )
    .set_into_module(module, |plan: &mut Plan, kind: &str| Plan {
        manifests: plan
            .manifests
            .iter()
            .filter(|m| m.kind().eq_ignore_ascii_case(kind))
            .cloned()
            .collect(),
    });
    global(
        "to_string",
        "The plan in one line.",
        &["plan: Plan", "String"],
    )
    .set_into_module(module, |plan: &mut Plan| describe(plan));
    global(
        "to_debug",
        "The plan in one line.",
        &["plan: Plan", "String"],
    )
    .set_into_module(module, |plan: &mut Plan| describe(plan));

    let k = k8s.clone();
    global(
        "diff",
        "What applying the plan would change, per object, from a server-side dry run (Secret values masked).",
        &["plan: Plan", "String"],
    )
    .set_into_module(module, move |ctx: NativeCallContext, plan: &mut Plan| {
        diff(&k, &ctx, plan)
    });
}

/// `k8s::kustomize(dir)`: rendered by orion.toml's or PATH's kustomize, else kubectl.
fn kustomize(k: &K8s, ctx: &NativeCallContext, dir: &str) -> Result<Plan> {
    let h = k.host();
    let dir = readable(h, ctx, dir)?;
    let tools = h.gate().sandbox.programs.kustomizers();
    let tools: Vec<_> = tools.iter().map(|(p, a)| (p.clone(), *a)).collect();
    manifests::kustomize(&dir, &tools)
        .map(|manifests| Plan { manifests })
        .map_err(|r| program_refused(h, ctx, r, ""))
}

/// The images the plan's workloads run, in order, without repeats.
fn images(plan: &Plan) -> Vec<String> {
    let mut all: Vec<String> = vec![];
    for m in &plan.manifests {
        for i in manifests::images(&m.object) {
            if !all.contains(&i) {
                all.push(i);
            }
        }
    }
    all
}

/// `k8s::set_tags(plan, tags)`: the plan retagged; an image no workload runs is an error.
fn set_tags(ctx: &NativeCallContext, plan: &Plan, tags: rhai::Map) -> Result<Plan> {
    let tags: std::collections::BTreeMap<String, String> = tags
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut out = plan.clone();
    let mut used = std::collections::BTreeSet::new();
    for m in &mut out.manifests {
        for i in manifests::images(&m.object) {
            if let Some(new) = manifests::retag(&i, &tags) {
                used.insert(
                    new.rsplit_once(':')
                        .map_or(new.clone(), |(n, _)| n.to_string()),
                );
            }
        }
        manifests::set_tags(&mut m.object, &tags);
    }
    if let Some(unused) = tags.keys().find(|k| !used.contains(*k)) {
        return Err(error_at(
            ctx,
            format!(
                "no workload in the plan runs image {unused}\nhint: the plan's images: {}",
                describe_images(plan)
            ),
        ));
    }
    Ok(out)
}

/// `plan.diff()`: each object against a server-side dry run of its apply.
fn diff(k: &K8s, ctx: &NativeCallContext, plan: &Plan) -> Result<String> {
    let cluster = k.cluster(ctx)?;
    let mut out = vec![];
    for m in &plan.manifests {
        let kind = k.kind(ctx, &super::apply::qualified(&m.object))?;
        let ns = if kind.namespaced {
            m.object["metadata"]["namespace"]
                .as_str()
                .unwrap_or(cluster.namespace())
                .to_string()
        } else {
            String::new()
        };
        let live = k.run(ctx, objects::get(&cluster, &kind, &ns, m.name()))?;
        let apply = Change::Apply(m.object.clone());
        let next = k
            .run(
                ctx,
                objects::write(&cluster, &kind, &ns, m.name(), &apply, true),
            )
            .map_err(|e| error_at(ctx, format!("{}: {}", m.source, message(&e))))?;
        let lines = manifests::diff(live.as_ref(), &next);
        let label = format!("{}/{}", m.kind().to_ascii_lowercase(), m.name());
        match (&live, lines.is_empty()) {
            (None, _) => out.push(format!("{label} (created)")),
            (Some(_), true) => out.push(format!("{label} (unchanged)")),
            (Some(_), false) => out.push(format!("{label} (configured)")),
        }
        if live.is_some() {
            out.extend(lines.iter().map(|l| format!("  {l}")));
        }
    }
    Ok(out.join("\n"))
}
