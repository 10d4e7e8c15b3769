//! Capping the number of `Update` entries (the apiserver's capManagersManager).

use std::collections::BTreeMap;

use super::managed::{Entry, Managers, UPDATE};

/// Maximum number of Update entries before old ones are merged.
pub const MAX_UPDATE_MANAGERS: usize = 10;

/// Merges the oldest Update entries into per-version `ancient-changes` entries
/// until at most `max` Update entries remain.
pub fn cap_updates(managers: &mut Managers, max: usize) {
    let mut updaters: Vec<(String, String)> = managers
        .iter()
        .filter(|(_, e)| !e.applied())
        .map(|(id, e)| (e.time.clone().unwrap_or_default(), id.clone()))
        .collect();
    if updaters.len() <= max {
        return;
    }
    updaters.sort();
    let mut first_of_version: BTreeMap<String, String> = BTreeMap::new();
    let mut length = updaters.len();
    for (_, id) in updaters {
        if length <= max {
            break;
        }
        let Some(entry) = managers.get(&id).cloned() else {
            continue;
        };
        let version = entry.api_version.clone();
        let bucket = Entry::new("ancient-changes", UPDATE, &version, "");
        let bucket_id = bucket.identifier();
        if bucket_id == id {
            // Never merge the bucket into itself.
            first_of_version.entry(version).or_insert(id);
            continue;
        }
        let Some(first) = first_of_version.get(&version).cloned() else {
            first_of_version.insert(version, id);
            continue;
        };
        let moved = if managers.contains_key(&bucket_id) {
            None
        } else {
            managers.remove(&first)
        };
        if let Some(moved) = moved {
            let mut b = bucket.clone();
            b.set = moved.set;
            b.time = moved.time;
            managers.insert(bucket_id.clone(), b);
        }
        managers.remove(&id);
        if let Some(b) = managers.get_mut(&bucket_id) {
            b.set = entry.set.union(&b.set);
            b.time = entry.time.clone();
        }
        length -= 1;
    }
}
