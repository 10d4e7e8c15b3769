//! Paths a playbook names: relative to the playbook's own directory.

use rhai::NativeCallContext;
use std::path::{Path, PathBuf};

/// `path` as the calling script means it: relative paths from its directory.
pub fn resolve(ctx: &NativeCallContext, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let dir = ctx
        .call_source()
        .map(Path::new)
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(p)
}
