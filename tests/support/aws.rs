//! Running orion against the AWS emulator (`moto.rs`): with its
//! credentials, or none, and nothing of this machine's AWS configuration.

pub(crate) use super::moto::{CloudWatchShim, Moto};
use super::Test;
use std::process::Command;

impl Moto {
    /// `test` with credentials for the emulator in its environment, and
    /// nothing of this machine's AWS configuration.
    pub(crate) fn env(&self, test: Test) -> Test {
        clean_env(test)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
    }
}

/// `test` without credentials from anywhere (`Test` passes on no AWS_
/// variable of this machine's): no profile files, no instance metadata;
/// region us-east-1.
pub(crate) fn clean_env(test: Test) -> Test {
    let none = test.path().join("no-aws").display().to_string();
    test.env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &none)
        .env("AWS_SHARED_CREDENTIALS_FILE", &none)
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

/// Runs `orion ARGS` in `dir` (its journal in `dir/.orion`) with the
/// emulator's credentials, or none when `keys` is false: (exit code,
/// stdout, stderr).
pub(crate) fn orion(dir: &std::path::Path, args: &[&str], keys: bool) -> (i32, String, String) {
    let mut cmd = Command::new(super::ORION);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    let none = dir.join("no-aws");
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("XDG_DATA_HOME", dir.join(".data"))
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &none)
        .env("AWS_SHARED_CREDENTIALS_FILE", &none)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("RUST_LOG");
    if keys {
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    }
    let out = cmd.output().expect("run orion");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
