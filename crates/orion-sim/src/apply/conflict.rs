//! Apply conflicts and the Status the apiserver returns for them.

use serde_json::{json, Value};

use super::managed::{Managers, UPDATE};
use super::path::pretty_path;
use super::updater::ConflictSets;

/// One field another manager owns with a different value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The other manager's name.
    pub manager: String,
    /// Its apiVersion (printed only for `Update` managers, like the apiserver).
    pub api_version: String,
    /// Pretty field path, e.g. `.spec.replicas`.
    pub field: String,
    /// The other manager's operation (`Apply` / `Update`).
    pub operation: String,
    /// The other manager's subresource ("" for the main resource).
    pub subresource: String,
}

impl Conflict {
    /// `"m1"`, `"kubectl" using apps/v1`, `"kubectl" with subresource "scale" using apps/v1`.
    pub fn manager_display(&self) -> String {
        let mut s = quote(&self.manager);
        if !self.subresource.is_empty() {
            s = format!("{s} with subresource {}", quote(&self.subresource));
        }
        if self.operation == UPDATE {
            s = format!("{s} using {}", self.api_version);
        }
        s
    }
}

/// Go's `%q` for ordinary strings.
fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// Why an apply was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyError {
    /// 409 Conflict: fields owned by other managers (sorted by manager, then path).
    Conflicts(Vec<Conflict>),
    /// 400 Bad Request (malformed configuration), with the message text.
    Invalid(String),
}

impl ApplyError {
    /// The Status `message` text.
    pub fn message(&self) -> String {
        match self {
            ApplyError::Invalid(msg) => msg.clone(),
            ApplyError::Conflicts(list) => conflict_message(list),
        }
    }

    /// HTTP status code (409 or 400).
    pub fn code(&self) -> u16 {
        match self {
            ApplyError::Conflicts(_) => 409,
            ApplyError::Invalid(_) => 400,
        }
    }

    /// The full `Status` object.
    pub fn status(&self) -> Value {
        let (reason, details) = match self {
            ApplyError::Conflicts(list) => {
                let causes: Vec<Value> = list
                    .iter()
                    .map(|c| {
                        json!({
                            "reason": "FieldManagerConflict",
                            "message": format!("conflict with {}", c.manager_display()),
                            "field": c.field,
                        })
                    })
                    .collect();
                ("Conflict", json!({ "causes": causes }))
            }
            ApplyError::Invalid(_) => ("BadRequest", Value::Null),
        };
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message(),
            "reason": reason,
            "code": self.code(),
        });
        if let (Some(obj), false) = (status.as_object_mut(), details.is_null()) {
            obj.insert("details".into(), details);
        }
        status
    }
}

fn conflict_message(list: &[Conflict]) -> String {
    if let [only] = list {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            only.manager_display(),
            only.field
        );
    }
    let mut lines = Vec::new();
    let mut current: Option<String> = None;
    for c in list {
        let who = c.manager_display();
        if current.as_ref() != Some(&who) {
            lines.push(format!("conflicts with {who}:"));
            current = Some(who);
        }
        lines.push(format!("- {}", c.field));
    }
    format!(
        "Apply failed with {} conflicts: {}",
        list.len(),
        lines.join("\n")
    )
}

/// Flattens per-manager conflict sets into [`Conflict`]s sorted by manager
/// identifier (as the apiserver sorts its message), then by path.
pub fn from_sets(sets: &ConflictSets, managers: &Managers) -> Vec<Conflict> {
    let mut out = Vec::new();
    for (id, set) in sets {
        let Some(entry) = managers.get(id) else {
            continue;
        };
        for path in set.paths() {
            out.push(Conflict {
                manager: entry.manager.clone(),
                api_version: entry.api_version.clone(),
                field: pretty_path(&path),
                operation: entry.operation.clone(),
                subresource: entry.subresource.clone(),
            });
        }
    }
    out
}
