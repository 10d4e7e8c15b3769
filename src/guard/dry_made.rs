//! What a dry run "created": objects that do not exist, and exist only in
//! the run's own account of what it would do. Later changes in a namespace
//! made this way cannot be checked by the server (it would answer that the
//! namespace is missing), and waits for such objects are skipped with a line
//! saying what a real run would wait for.

use std::collections::HashSet;
use std::sync::Mutex;

#[derive(Default)]
pub struct DryMade {
    /// (kind, namespace, name); kind as the API spells it ("Deployment").
    objects: Mutex<HashSet<(String, String, String)>>,
    /// Namespaces whose changes the run has said go unchecked.
    said_unchecked: Mutex<HashSet<String>>,
}

impl DryMade {
    pub fn note(&self, kind: &str, namespace: &str, name: &str) {
        self.objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((kind.into(), namespace.into(), name.into()));
    }

    /// Whether the object exists only because of this dry run (the kind
    /// compared without regard to case).
    pub fn has(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|(k, ns, n)| k.eq_ignore_ascii_case(kind) && ns == namespace && n == name)
    }

    /// True the first time it is asked for `namespace`: to say once that
    /// the server does not check changes in it.
    pub fn first_unchecked(&self, namespace: &str) -> bool {
        self.said_unchecked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(namespace.to_string())
    }

    /// Whether `namespace` itself exists only because of this dry run.
    pub fn has_namespace(&self, namespace: &str) -> bool {
        self.has("Namespace", "", namespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_told_apart_by_kind_namespace_and_name() {
        let d = DryMade::default();
        d.note("Namespace", "", "shop");
        d.note("Deployment", "shop", "web");
        assert!(d.has_namespace("shop"));
        assert!(d.has("deployment", "shop", "web"));
        assert!(!d.has("Deployment", "other", "web"));
        assert!(!d.has("Service", "shop", "web"));
        assert!(!d.has_namespace("other"));
        assert!(d.first_unchecked("shop") && !d.first_unchecked("shop"));
    }
}
