//! Removing fields an applier stopped applying (`Updater.prune`).
//!
//! A field is removed iff the applier owned it last time, does not apply it
//! now, and no manager (applier or updater) owns it. Struct fields whose
//! whole subtree becomes unowned are removed with it.

use serde_json::Value;

use super::fieldset::FieldSet;
use super::managed::Managers;
use super::remove::remove_items;
use super::toset::{ensure_named_fields, to_field_set};

/// Prunes `merged` given the applier's previous set `last` and all current
/// sets in `managers` (which already hold the applier's new set).
pub fn prune(merged: &Value, managers: &Managers, last: &FieldSet, kind: &str) -> Value {
    if last.is_empty() {
        return merged.clone();
    }
    let last_named = ensure_named_fields(last);
    let first_pass = remove_items(merged, &last_named, kind);

    // addBackOwnedItems: keep what anybody still owns.
    let owned = managers
        .values()
        .fold(FieldSet::new(), |acc, e| acc.union(&e.set));
    let merged_set = ensure_named_fields(&to_field_set(merged, kind));
    let pruned_set = ensure_named_fields(&to_field_set(&first_pass, kind));
    let keep = pruned_set.union(&ensure_named_fields(&owned));
    let second_pass = remove_items(merged, &merged_set.difference(&keep), kind);

    // addBackDanglingItems: only remove what the applier owned before.
    let second_set = ensure_named_fields(&to_field_set(&second_pass, kind));
    let to_remove = merged_set.difference(&second_set).intersection(&last_named);
    remove_items(merged, &to_remove, kind)
}
