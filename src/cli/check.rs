//! `orion check PATH...`: compile playbooks and modules without running them.

use crate::exit_code::ExitCode;
use crate::report::diagnostic::{Diagnostic, Kind};
use crate::report::style::Style;
use crate::runtime::Runtime;
use clap::Args;
use std::path::{Path, PathBuf};

/// Compile playbooks and modules (files or directories) and every module they
/// import, touching nothing. Exits 1 listing every error.
#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    /// Files or directories (searched recursively for *.rhai).
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// orion.toml to use instead of the nearest one above each file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub(super) fn run(args: CheckArgs) -> ExitCode {
    let style = Style::for_stderr();
    let mut builder = Runtime::builder();
    if let Some(c) = &args.config {
        builder = builder.config_file(c);
    }
    let runtime = match builder.build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{} {e}", style.error("error:"));
            return e.exit_code();
        }
    };
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut files = Vec::new();
    for path in &args.paths {
        match rhai_files(path) {
            Ok(found) => files.extend(found),
            Err(d) => problems.push(d),
        }
    }
    // The files the problems are in (an imported module's, not the
    // importer's), each counted once.
    let mut failed_files = std::collections::BTreeSet::new();
    for file in &files {
        let found = runtime.check_file(file);
        for d in &found {
            let at = d.location.as_ref().map(|l| l.file.clone());
            failed_files.insert(at.unwrap_or_else(|| file.display().to_string()));
        }
        problems.extend(found);
    }
    let failed_files = failed_files.len();
    for d in &problems {
        eprint!("{}", d.render(&style));
    }
    let n = files.len();
    let noun = if n == 1 { "file" } else { "files" };
    if problems.is_empty() {
        eprintln!("{}", style.ok(&format!("checked {n} {noun}: no problems")));
        ExitCode::Success
    } else {
        eprintln!(
            "{}",
            style.error(&format!(
                "checked {n} {noun}: {} in {failed_files} {}",
                plural(problems.len(), "problem", "problems"),
                if failed_files == 1 { "file" } else { "files" }
            ))
        );
        ExitCode::PreFlight
    }
}

/// "1 problem", "3 problems".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `path` itself if it is a file, else every *.rhai under it, sorted.
fn rhai_files(path: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Diagnostic::new(Kind::Config, format!("cannot read {}: {e}", path.display()))
    })?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            Diagnostic::new(Kind::Config, format!("cannot list {}: {e}", dir.display()))
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rhai") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}
