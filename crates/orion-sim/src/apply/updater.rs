//! Ownership bookkeeping of structured-merge-diff's `merge.Updater`:
//! conflict detection, ownership transfer on change, and the apply merge.

use std::collections::BTreeMap;

use serde_json::Value;

use super::compare::{compare, Comparison};
use super::fieldset::FieldSet;
use super::managed::{Entry, Managers};
use super::merge::merge;
use super::prune::prune;
use super::toset::to_field_set_strict;
use super::value::values_equal;

/// Sets of fields, per manager identifier, that conflict with a write.
pub type ConflictSets = BTreeMap<String, FieldSet>;

/// Schema facts for one write.
pub struct Ctx<'a> {
    /// Object kind (selects a few list keys).
    pub kind: &'a str,
    /// Fields reset by the strategy for this endpoint (never owned, never conflict).
    pub ignored: FieldSet,
}

/// `Updater.update`: fields changed from `old` to `new` are taken from every
/// manager other than `workflow`; removed fields are dropped from everyone.
/// Without `force`, taking a field from somebody is a conflict.
pub fn update_managers(
    old: &Value,
    new: &Value,
    managers: &mut Managers,
    workflow: &str,
    force: bool,
    ctx: &Ctx,
) -> Result<Comparison, ConflictSets> {
    let cmp = compare(Some(old), Some(new), ctx.kind).exclude(&ctx.ignored);
    let changed = cmp.changed();
    let mut conflicts = ConflictSets::new();
    for (id, entry) in managers.iter() {
        if id == workflow {
            continue;
        }
        let taken = entry.set.intersection(&changed);
        if !taken.is_empty() {
            conflicts.insert(id.clone(), taken);
        }
    }
    if !force && !conflicts.is_empty() {
        return Err(conflicts);
    }
    for (id, entry) in managers.iter_mut() {
        if id == workflow {
            continue;
        }
        if let Some(taken) = conflicts.get(id) {
            entry.set = entry.set.difference(taken);
        }
        entry.set = entry.set.difference(&cmp.removed);
    }
    managers.retain(|_, e| !e.set.is_empty());
    Ok(cmp)
}

/// `Updater.Update`: records a non-apply write and returns the fields this
/// operation set (the caller merges them into the manager's entry).
pub fn record_change(old: &Value, new: &Value, managers: &mut Managers, ctx: &Ctx) -> FieldSet {
    const SELF: &str = "current-operation";
    match update_managers(old, new, managers, SELF, true, ctx) {
        Ok(cmp) => cmp
            .changed()
            .difference(&cmp.removed)
            .recursive_difference(&ctx.ignored),
        Err(_) => FieldSet::new(),
    }
}

/// `Updater.Apply`: merges `config` into `live`, gives `applier` exactly the
/// configuration's fields, prunes what it stopped applying, and resolves
/// ownership (conflicts unless `force`). Yields the merged object, or `None`
/// when it equals the live object; the outer error is a malformed configuration.
pub fn apply_config(
    live: &Value,
    config: &Value,
    managers: &mut Managers,
    applier: Entry,
    force: bool,
    ctx: &Ctx,
) -> Result<Result<Option<Value>, ConflictSets>, String> {
    let set = to_field_set_strict(config, ctx.kind)?.recursive_difference(&ctx.ignored);
    let merged = merge(live, config, ctx.kind);
    let id = applier.identifier();
    let last = managers.get(&id).map(|e| e.set.clone()).unwrap_or_default();
    let mut entry = applier;
    if let Some(prev) = managers.get(&id) {
        entry.time = prev.time.clone();
    }
    entry.set = set;
    let mut working = managers.clone();
    working.insert(id.clone(), entry);
    let pruned = prune(&merged, &working, &last, ctx.kind);
    if let Err(conflicts) = update_managers(live, &pruned, &mut working, &id, force, ctx) {
        return Ok(Err(conflicts));
    }
    *managers = working;
    Ok(Ok((!values_equal(live, &pruned)).then_some(pruned)))
}
