//! What a playbook may touch on the operator's machine. Files a primitive
//! reads for it (manifests, env files, CA certificates, nginx's
//! configuration) are under the playbook's directory or the environment's
//! `read_paths`; files orion writes for it (an nginx upstream include,
//! HAProxy's server-state file) are under the playbook's directory or its
//! `write_paths`. Programs orion runs come from orion.toml's `[programs]` or
//! PATH, never from a script (see `programs.rs`).

use crate::guard::programs::Programs;
use std::path::{Component, Path, PathBuf};

/// Where the current run may read and write, and which programs it runs.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    /// The playbook's directory (relative paths start here).
    root: PathBuf,
    /// Directories or files the environment allows reading, beyond `root`.
    read: Vec<PathBuf>,
    /// Directories or files the environment allows writing, beyond `root`.
    write: Vec<PathBuf>,
    pub programs: Programs,
}

/// Names a write never replaces, even under an allowed directory: the
/// journal (and everything of orion's), orion's own policy, git's hooks.
const NEVER_WRITTEN: [&str; 3] = [".orion", ".git", "orion.toml"];

impl Sandbox {
    /// A sandbox for a playbook in `root`; `read` and `write` as orion.toml
    /// lists them, relative ones from `config_dir` (orion.toml's directory).
    pub fn new(
        root: &Path,
        config_dir: &Path,
        read: &[PathBuf],
        write: &[PathBuf],
        programs: Programs,
    ) -> Sandbox {
        let absolute = |p: &PathBuf| real_or_lexical(&config_dir.join(p));
        Sandbox {
            root: root.to_path_buf(),
            read: read.iter().map(absolute).collect(),
            write: write.iter().map(absolute).collect(),
            programs,
        }
    }

    /// The playbook's directory.
    pub fn root(&self) -> &Path {
        if self.root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.root
        }
    }

    /// `path` resolved from the playbook's directory, if it may be read:
    /// it exists, and it — wherever its symbolic links lead — is under the
    /// playbook's directory or a `read_paths` entry (or a `write_paths` one).
    pub fn readable(&self, path: &str) -> Result<PathBuf, String> {
        self.readable_from(self.root(), path)
    }

    /// As `readable`, a relative `path` starting from `dir` (a module's own
    /// directory, itself inside the playbook's).
    pub fn readable_from(&self, dir: &Path, path: &str) -> Result<PathBuf, String> {
        let full = self.join(dir, path, "read")?;
        self.check_read(&full, path)?;
        Ok(full)
    }

    /// Whether `full` (a path already resolved, such as a file found in a
    /// directory that was allowed) may be read; `asked` is how it was named.
    pub fn check_read(&self, full: &Path, asked: &str) -> Result<(), String> {
        let real = full
            .canonicalize()
            .map_err(|e| format!("cannot read {}: {e}", full.display()))?;
        let allowed = self.under_root(&real)
            || self
                .read
                .iter()
                .chain(&self.write)
                .any(|a| real.starts_with(a));
        if !allowed {
            return Err(self.refusal("read", asked, full, &real, "read_paths"));
        }
        Ok(())
    }

    /// `path` resolved from the playbook's directory, if orion may write it:
    /// its directory exists, it is not a symbolic link or a directory, it is
    /// not orion's own (`.orion/`, orion.toml) or git's, and it is under the
    /// playbook's directory or a `write_paths` entry.
    pub fn writable(&self, path: &str) -> Result<PathBuf, String> {
        let full = self.join(self.root(), path, "write")?;
        own(&full, &full)?;
        let name = full
            .file_name()
            .ok_or_else(|| format!("refusing to write \"{path}\": it names no file"))?;
        let parent = match full.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let real_parent = parent.canonicalize().map_err(|e| {
            format!(
                "cannot write {}: its directory {}: {e}",
                full.display(),
                parent.display()
            )
        })?;
        let real = real_parent.join(name);
        match std::fs::symlink_metadata(&real) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!(
                    "refusing to write {}: it is a symbolic link, and a write would land wherever it points\nhint: name the file itself",
                    full.display()
                ))
            }
            Ok(m) if m.is_dir() => {
                return Err(format!(
                    "refusing to write {}: it is a directory",
                    full.display()
                ))
            }
            _ => {}
        }
        own(&real, &full)?;
        if !(self.under_root(&real) || self.write.iter().any(|a| real.starts_with(a))) {
            return Err(self.refusal("write", path, &full, &real, "write_paths"));
        }
        Ok(full)
    }

    /// `path` (checked for what no file name holds) from `dir`.
    fn join(&self, dir: &Path, path: &str, verb: &str) -> Result<PathBuf, String> {
        if path.is_empty() {
            return Err(format!("cannot {verb} \"\": it names no file"));
        }
        if path.contains('\0') {
            return Err(format!(
                "refusing to {verb} {}: a path cannot hold a NUL character",
                path.escape_debug()
            ));
        }
        if path.starts_with('~') {
            return Err(format!(
                "refusing to {verb} \"{path}\": orion does not expand ~\nhint: paths are relative to the playbook's directory"
            ));
        }
        Ok(dir.join(path))
    }

    fn under_root(&self, real: &Path) -> bool {
        self.root()
            .canonicalize()
            .is_ok_and(|root| real.starts_with(root))
    }

    fn refusal(&self, verb: &str, asked: &str, full: &Path, real: &Path, key: &str) -> String {
        let via = if full.is_absolute() && full == real {
            String::new()
        } else {
            format!(" (it is {})", real.display())
        };
        format!(
            "refusing to {verb} \"{asked}\"{via}: a playbook {verb}s files under its own directory, {}, or where orion.toml's {key} allows for the environment\nhint: move the file beside the playbook, or add its directory to {key} of the environment in orion.toml",
            self.root().display()
        )
    }
}

/// Refuses `p` (shown as `full`) when it is or is under orion's or git's own.
fn own(p: &Path, full: &Path) -> Result<(), String> {
    match p.components().find_map(|c| match c {
        Component::Normal(n) => NEVER_WRITTEN.iter().find(|x| n == **x),
        _ => None,
    }) {
        Some(own) => Err(format!(
            "refusing to write {}: {own} is orion's or git's own, never a primitive's to write",
            full.display()
        )),
        None => Ok(()),
    }
}

/// `p` with its symbolic links resolved when it exists, else with `.` and
/// `..` folded away as written.
fn real_or_lexical(p: &Path) -> PathBuf {
    if let Ok(real) = p.canonicalize() {
        return real;
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox(root: &Path, read: &[&Path], write: &[&Path]) -> Sandbox {
        let list = |l: &[&Path]| l.iter().map(|p| p.to_path_buf()).collect::<Vec<_>>();
        Sandbox::new(root, root, &list(read), &list(write), Programs::default())
    }

    #[test]
    fn reads_stay_in_the_playbook_directory_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("playbooks");
        let other = dir.path().join("etc");
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(root.join("lib/a.yaml"), "a").unwrap();
        std::fs::write(other.join("b.pem"), "b").unwrap();
        let s = sandbox(&root, &[], &[]);
        assert!(s.readable("lib/a.yaml").is_ok());
        assert!(s.readable("lib/../lib/a.yaml").is_ok());
        let outside = s.readable("../etc/b.pem").unwrap_err();
        assert!(outside.contains("refusing to read"), "{outside}");
        assert!(outside.contains("read_paths"), "{outside}");
        assert!(s
            .readable(&other.join("b.pem").display().to_string())
            .is_err());
        assert!(s.readable("/etc/passwd").is_err());
        std::os::unix::fs::symlink(other.join("b.pem"), root.join("link.pem")).unwrap();
        assert!(s.readable("link.pem").unwrap_err().contains("it is"));
        assert!(s.readable("lib/a.yaml\0x").unwrap_err().contains("NUL"));
        assert!(s.readable("~/.ssh/id_rsa").unwrap_err().contains("~"));
        // Fullwidth dots are a name like any other, not a way up.
        assert!(s
            .readable("\u{ff0e}\u{ff0e}/etc/b.pem")
            .unwrap_err()
            .contains("cannot read"));
        let allowed = sandbox(&root, &[&other], &[]);
        assert!(allowed.readable("../etc/b.pem").is_ok());
        assert!(allowed.readable("link.pem").is_ok());
    }

    #[test]
    fn writes_stay_in_the_playbook_directory_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("playbooks");
        let other = dir.path().join("nginx");
        std::fs::create_dir_all(root.join(".orion/journal")).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        let s = sandbox(&root, &[], &[]);
        assert!(s.writable("upstream.conf").is_ok());
        assert!(s.writable("../nginx/upstream.conf").is_err());
        assert!(s.writable("/tmp/x.sh").is_err());
        assert!(s
            .writable("no/such/dir/x")
            .unwrap_err()
            .contains("directory"));
        assert!(s
            .writable(".orion/journal/r.jsonl")
            .unwrap_err()
            .contains(".orion"));
        assert!(s.writable("orion.toml").unwrap_err().contains("orion.toml"));
        assert!(s.writable("..").unwrap_err().contains("names no file"));
        std::os::unix::fs::symlink(other.join("x"), root.join("out.conf")).unwrap();
        assert!(s
            .writable("out.conf")
            .unwrap_err()
            .contains("symbolic link"));
        let allowed = sandbox(&root, &[], &[&other]);
        let to = other.join("upstream.conf").display().to_string();
        assert!(allowed.writable(&to).is_ok());
        assert!(allowed.readable(&to).is_err(), "it does not exist yet");
        std::fs::write(&to, "x").unwrap();
        assert!(
            allowed.readable(&to).is_ok(),
            "what may be written may be read"
        );
    }
}
