//! An AWS API emulator: moto's server mode (PyPI `moto[server]`, installed
//! by ./scripts/test), one per test or bench on a free loopback port,
//! stopped when dropped, with CloudWatch's protocol in front of it when
//! asked. What a test sets up in it is done by tests/fixtures/aws.py with
//! boto3. Self-contained, so benches include it too (`#[path]`).

use orion_sim::testing::{free_port, wait_for_port};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) struct Moto {
    child: Child,
    pub(crate) endpoint: String,
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
}

/// CloudWatch's protocol in front of a moto (tests/fixtures/cloudwatch_cbor.py:
/// the SDK speaks Smithy RPC v2 CBOR to CloudWatch, moto only Query and
/// JSON); stopped when dropped.
pub(crate) struct CloudWatchShim {
    child: Child,
    pub(crate) endpoint: String,
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
