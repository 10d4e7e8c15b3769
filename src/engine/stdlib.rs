//! Rhai modules compiled into the binary, imported as `import "orion/NAME"`.

use include_dir::{include_dir, Dir};

static STDLIB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/stdlib");

pub const PREFIX: &str = "orion/";

/// The text of stdlib module `name` ("retry" for `import "orion/retry"`).
pub fn get(name: &str) -> Option<&'static str> {
    STDLIB
        .get_file(format!("{name}.rhai"))
        .and_then(|f| f.contents_utf8())
}

/// Every stdlib module's import name, sorted ("orion/retry", ...).
pub fn names() -> Vec<String> {
    let mut out = Vec::new();
    collect(&STDLIB, &mut out);
    out.sort();
    out
}

fn collect(dir: &Dir<'static>, out: &mut Vec<String>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy();
        if let Some(stem) = path.strip_suffix(".rhai") {
            out.push(format!("{PREFIX}{stem}"));
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}
