//! An AWS API emulator for the tests: moto's server mode (PyPI
//! `moto[server]`, installed by ./scripts/test), one per test on a free
//! loopback port, stopped when dropped. What a test sets up in it is done
//! by tests/fixtures/aws.py with boto3.

use super::servers::free_port;
use super::{repo, Test};
use orion_sim::testing::wait_for_port;
use serde_json::Value;
use std::process::{Child, Command, Stdio};

pub(crate) struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub(crate) fn start() -> Moto {
        let port = free_port();
        let mut child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 (./scripts/test installs moto[server] with pip)");
        wait_for_port(
            port,
            "moto.server (./scripts/test installs moto[server] with pip)",
            &mut child,
        );
        Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Runs a command of tests/fixtures/aws.py against this emulator.
    pub(crate) fn fixture(&self, command: &str, args: Value) -> Value {
        let out = Command::new("python3")
            .arg(repo().join("tests/fixtures/aws.py"))
            .args([&self.endpoint, command, &args.to_string()])
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "aws.py {command} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("aws.py prints JSON")
    }

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

/// CloudWatch's protocol in front of a moto (tests/fixtures/cloudwatch_cbor.py:
/// the SDK speaks Smithy RPC v2 CBOR to CloudWatch, moto only Query and
/// JSON); stopped when dropped.
pub(crate) struct CloudWatchShim {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// Starts the CloudWatch shim in front of this emulator.
    pub(crate) fn cloudwatch(&self) -> CloudWatchShim {
        let port = free_port();
        let mut child = Command::new("python3")
            .arg(repo().join("tests/fixtures/cloudwatch_cbor.py"))
            .args([&self.endpoint, &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("python3");
        wait_for_port(port, "cloudwatch_cbor.py", &mut child);
        CloudWatchShim {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for CloudWatchShim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
