//! The `secrets` namespace: `secrets::assert_no_placeholders(path)` checks an
//! env file (KEY=VALUE, as kustomize's secretGenerator reads) or the Secrets
//! in manifests for template leftovers such as CHANGE_ME, with the
//! environment's `secret_placeholders` patterns. (The gate refuses to write
//! a Secret holding one whatever the playbook checks.)

use crate::drivers::kube::manifests::Manifest;
use crate::guard::placeholders::{in_env_file, in_secret};
use crate::primitives::doc;
use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use crate::primitives::k8s::plan::load_at;
use crate::primitives::path::readable;
use rhai::{Engine, EvalAltResult, Module, NativeCallContext};
use std::path::Path;
use std::sync::Arc;

/// Whether `path` holds manifests (a directory, .yaml, .yml, .json) rather
/// than an env file.
fn is_manifest(path: &Path) -> bool {
    path.is_dir()
        || path
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
}

/// Checks the Secrets in `objects`; returns how many values were checked,
/// or every placeholder found (by key, never by value).
fn in_manifests(objects: &[Manifest], patterns: &[String]) -> Result<i64, String> {
    let mut checked = 0;
    let mut found = vec![];
    for m in objects.iter().filter(|m| m.kind() == "Secret") {
        for field in ["data", "stringData"] {
            checked += m.object[field].as_object().map_or(0, |o| o.len());
        }
        for (key, pattern) in in_secret(&m.object, patterns) {
            found.push(format!(
                "{}: secret/{} key {key} (matches \"{pattern}\")",
                m.source,
                m.name()
            ));
        }
    }
    verdict(checked, found)
}

/// Checks the env file at `path` (KEY=VALUE lines) the same way, by line.
fn in_env_file_at(path: &Path, patterns: &[String]) -> Result<i64, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("cannot read {shown}: {e}\nhint: paths are relative to the playbook")
    })?;
    let checked = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains('='))
        .count();
    let found = in_env_file(&text, patterns)
        .into_iter()
        .map(|(line, key, pattern)| format!("{shown}:{line}: {key} (matches \"{pattern}\")"))
        .collect();
    verdict(checked, found)
}

fn verdict(checked: usize, found: Vec<String>) -> Result<i64, String> {
    if found.is_empty() {
        return Ok(checked as i64);
    }
    Err(format!(
        "placeholders instead of secret values:\n  {}\nhint: fill in the real values before deploying; secret_placeholders in orion.toml lists the patterns",
        found.join("\n  ")
    ))
}

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let mut module = Module::new();
    let h = host.clone();
    doc(
        "assert_no_placeholders",
        "Fails if an env file (KEY=VALUE) or the Secrets in manifests (a .yaml/.json file or a directory) hold template placeholders (CHANGE_ME, <...>, ${...}; orion.toml's secret_placeholders); returns how many values were checked. Values are never shown.",
        &["path: &str", "int"],
    )
    .set_into_module(
        &mut module,
        move |ctx: NativeCallContext, path: &str| -> Result<i64, Box<EvalAltResult>> {
            let patterns = h.gate().environment.secret_placeholders.clone();
            let full = readable(&h, &ctx, path)?;
            if is_manifest(&full) {
                let objects = load_at(&h, &ctx, &full)?;
                in_manifests(&objects, &patterns).map_err(|e| error_at(&ctx, e))
            } else {
                in_env_file_at(&full, &patterns).map_err(|e| error_at(&ctx, e))
            }
        },
    );
    engine.register_static_module("secrets", module.into());
}

#[cfg(test)]
mod tests {
    use super::{in_env_file_at, in_manifests};
    use crate::drivers::kube::manifests;
    use crate::guard::placeholders::default_patterns;
    use std::path::Path;

    fn check(path: &Path, patterns: &[String]) -> Result<i64, String> {
        if super::is_manifest(path) {
            let files = manifests::files(path).map_err(|e| e.message)?;
            in_manifests(&manifests::load(&files).map_err(|e| e.message)?, patterns)
        } else {
            in_env_file_at(path, patterns)
        }
    }

    #[test]
    fn env_files_and_manifests_are_checked_without_showing_values() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join("secrets.env");
        std::fs::write(&env, "DB_USER=shop\nDB_PASSWORD=CHANGE_ME_db_pw\n").unwrap();
        let e = check(&env, &default_patterns()).unwrap_err();
        assert!(e.contains("secrets.env:2: DB_PASSWORD (matches"), "{e}");
        assert!(!e.contains("CHANGE_ME_db_pw"), "{e}");
        std::fs::write(&env, "DB_USER=shop\nDB_PASSWORD=kT9vL2qX8\n").unwrap();
        assert_eq!(check(&env, &default_patterns()), Ok(2));

        let yaml = dir.path().join("secret.yaml");
        std::fs::write(&yaml, "apiVersion: v1\nkind: Secret\nmetadata: {name: api}\nstringData: {token: \"<api token>\"}\n").unwrap();
        let e = check(&yaml, &default_patterns()).unwrap_err();
        assert!(e.contains("secret/api key token"), "{e}");
        assert!(check(&dir.path().join("missing.env"), &[])
            .unwrap_err()
            .contains("cannot read"));
    }
}
