//! What the tests share, in one place: `Test`, a small builder for running
//! the real `orion` binary in a scratch directory
//! (`Test::new().playbook("...").args(["play", "playbook.rhai"]).run()`);
//! `PlaybookCluster`, playbooks run in-process against a simulated cluster;
//! `shipped`, the binary and the shipped playbooks against one that kubectl
//! reaches too (`orion_sim::testing::KubectlCluster`); `servers`, the real
//! servers tests start; `process`, signals (the one place for `unsafe`).

pub(crate) mod aws;
pub(crate) mod docker;
pub(crate) mod moto;
pub(crate) mod playbook_cluster;
pub(crate) mod process;
pub(crate) mod servers;
pub(crate) mod shipped;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub(crate) const ORION: &str = env!("CARGO_BIN_EXE_orion");

pub(crate) struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
    stdin: Option<String>,
    env: Vec<(String, String)>,
}

pub(crate) struct Output {
    pub status: i32,
    pub stdout: String,
    /// stderr with timestamps removed and durations replaced by `<t>`.
    pub stderr: String,
}

impl Test {
    pub(crate) fn new() -> Test {
        Test {
            dir: tempfile::tempdir().expect("temp dir"),
            args: Vec::new(),
            stdin: None,
            env: Vec::new(),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn file(self, name: &str, contents: &str) -> Test {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Writes `playbook.rhai`.
    pub(crate) fn playbook(self, contents: &str) -> Test {
        self.file("playbook.rhai", contents)
    }

    pub(crate) fn args<const N: usize>(mut self, args: [&str; N]) -> Test {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    pub(crate) fn arg_list(mut self, args: impl IntoIterator<Item = String>) -> Test {
        self.args.extend(args);
        self
    }

    pub(crate) fn stdin(mut self, text: &str) -> Test {
        self.stdin = Some(text.to_string());
        self
    }

    /// Runs orion with environment variable `key` set to `value`.
    pub(crate) fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::new(ORION);
        // Nothing of this machine's AWS configuration reaches a test.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.args(&self.args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("XDG_DATA_HOME", self.dir.path().join(".data"))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env_remove("RUST_LOG")
            .env_remove("RUST_BACKTRACE");
        cmd
    }

    pub(crate) fn run(self) -> Output {
        let mut cmd = self.command();
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start orion");
        if let Some(text) = &self.stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().expect("wait for orion");
        Output {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: normalize(&String::from_utf8_lossy(&out.stderr)),
        }
    }
}

impl Output {
    /// Asserts the exit code, showing the output when it differs.
    pub(crate) fn status(self, expected: i32) -> Output {
        assert_eq!(
            self.status, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub(crate) fn stderr(self, expected: &str) -> Output {
        assert_eq!(
            self.stderr, expected,
            "stderr differs; got:\n{}",
            self.stderr
        );
        self
    }
}

/// Drops the `HH:MM:SS ` prefix of console lines and replaces the durations that
/// end a line or precede "(exit" with `<t>`.
pub(crate) fn normalize(text: &str) -> String {
    let stamp = regex::Regex::new(r"(?m)^\d\d:\d\d:\d\d ").unwrap();
    let took =
        regex::Regex::new(r"(?m)\b(\d+(\.\d+)?(ms|s)|\d+m\d\ds|\d+h\d\dm)( \(exit|$)").unwrap();
    took.replace_all(&stamp.replace_all(text, ""), "<t>$4")
        .into_owned()
}

/// The repository root (for playbooks/, stdlib/, README.md).
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
