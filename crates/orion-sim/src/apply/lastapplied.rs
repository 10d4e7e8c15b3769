//! Interplay with client-side apply's `last-applied-configuration` annotation
//! for the field manager `kubectl` (the apiserver's lastApplied managers).

use serde_json::Value;

use super::compare::compare;
use super::fieldset::FieldSet;
use super::managed::html_escape;
use super::path::canonical_json;
use super::toset::to_field_set_strict;
use super::updater::ConflictSets;
use super::value::{metadata, metadata_mut, without_managed_fields};

/// The client-side apply annotation.
pub const ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The manager whose server-side applies upgrade from client-side apply.
pub const KUBECTL: &str = "kubectl";

/// Annotations larger than this (keys + values) are invalid.
const TOTAL_ANNOTATION_LIMIT: usize = 256 * 1024;

fn annotation(obj: &Value) -> Option<&str> {
    metadata(obj)?
        .get("annotations")?
        .get(ANNOTATION)?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// Fields recorded in the live object's last-applied annotation whose values
/// still match the live object: conflicts on them may be taken over.
pub fn allowed_conflicts(live: &Value, api_version: &str, kind: &str) -> Option<FieldSet> {
    let last: Value = serde_json::from_str(annotation(live)?).ok()?;
    if last.get("apiVersion").and_then(Value::as_str) != Some(api_version) {
        return None;
    }
    let set = to_field_set_strict(&last, kind).ok()?;
    let cmp = compare(Some(&last), Some(&without_managed_fields(live)), kind);
    Some(
        set.difference(&cmp.modified)
            .difference(&cmp.added)
            .difference(&cmp.removed),
    )
}

/// Conflicts that remain after removing the allowed paths (empty: all allowed).
pub fn disallowed(conflicts: &ConflictSets, allowed: &FieldSet) -> ConflictSets {
    conflicts
        .iter()
        .map(|(id, set)| (id.clone(), set.difference(allowed)))
        .filter(|(_, set)| !set.is_empty())
        .collect()
}

/// After a successful apply by `kubectl`, rewrites an existing annotation
/// to the newly applied configuration (dropped if annotations grow too big).
pub fn sync_annotation(obj: &mut Value, config: &Value) {
    if annotation(obj).is_none() {
        return;
    }
    let text = encode_config(config);
    let Some(meta) = metadata_mut(obj) else {
        return;
    };
    let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) else {
        return;
    };
    annotations.insert(ANNOTATION.to_string(), Value::String(text));
    let total: usize = annotations
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
        .sum();
    if total > TOTAL_ANNOTATION_LIMIT {
        annotations.remove(ANNOTATION);
    }
}

/// The configuration as kubectl/Go would encode it (sorted keys, HTML-safe
/// escapes, trailing newline), without the annotation itself.
fn encode_config(config: &Value) -> String {
    let mut copy = config.clone();
    if let Some(annotations) = copy
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        annotations.remove(ANNOTATION);
    }
    // Only string contents can hold the escaped characters, so escaping the whole text is safe.
    let mut out = html_escape(&canonical_json(&copy));
    out.push('\n');
    out
}
