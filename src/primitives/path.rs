//! Paths a playbook names: relative to the calling script's directory, and
//! confined — as `import` is — to the playbook's directory, unless orion.toml
//! allows more for the environment (see guard/sandbox.rs).

use crate::primitives::error::error_at;
use crate::primitives::host::Host;
use rhai::{EvalAltResult, NativeCallContext};
use std::path::{Path, PathBuf};

/// The directory of the calling script (a module's own), when its source
/// names one; else None (the playbook's directory).
fn script_dir<'a>(ctx: &'a NativeCallContext) -> Option<&'a Path> {
    ctx.call_source()
        .map(Path::new)
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
}

/// `path` as the calling script means it, if the run may read it.
pub fn readable(
    h: &Host,
    ctx: &NativeCallContext,
    path: &str,
) -> Result<PathBuf, Box<EvalAltResult>> {
    let sandbox = h.gate().sandbox.clone();
    let dir = script_dir(ctx).unwrap_or(sandbox.root());
    sandbox
        .readable_from(dir, path)
        .map_err(|e| error_at(ctx, e))
}
