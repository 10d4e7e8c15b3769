//! Finding the journals of past runs: `.orion/journal/` beside orion.toml
//! (the nearest one above the current directory, or `--config`), else in
//! the current directory.

use crate::config::Config;
use crate::guard::journal::{Entry, Journal};
use std::path::{Path, PathBuf};

/// The journal directory for these flags.
pub fn dir(config: Option<&Path>) -> PathBuf {
    let base = Config::path_for(config, Path::new("."))
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join(".orion").join("journal")
}

/// Every run's journal, oldest first: (run id, its entries).
pub fn runs(dir: &Path) -> Vec<(String, PathBuf, Vec<Entry>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let run = p.file_stem()?.to_string_lossy().into_owned();
            let entries = Journal::read(&p).ok()?;
            // A run approved but stopped before its first change has nothing to list.
            (!entries.is_empty()).then_some((run, p, entries))
        })
        .collect()
}
