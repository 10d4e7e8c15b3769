//! The connection to a Docker daemon: where it is (`--docker`, the
//! environment's `docker` in orion.toml, `DOCKER_HOST`, else the default
//! socket), TLS for TCP, and the API version agreed with it.

use bollard::{Docker, API_DEFAULT_VERSION};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Seconds bollard allows one request (a stop waits out its grace period).
const REQUEST_TIMEOUT: u64 = 120;
/// How long the daemon has to answer the first request.
const ANSWER: Duration = Duration::from_secs(5);
const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// Where a daemon is: its address and, for TCP, the directory holding
/// `ca.pem`, `cert.pem` and `key.pem` (as DOCKER_CERT_PATH).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Where {
    pub address: String,
    pub tls: Option<PathBuf>,
}

impl Where {
    /// The daemon a run uses: `given` (--docker, then orion.toml), else
    /// DOCKER_HOST (with DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set),
    /// else the default socket.
    pub fn resolve(given: Option<&str>, tls: Option<&Path>) -> Where {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let address = given
            .map(str::to_string)
            .or_else(|| env("DOCKER_HOST"))
            .unwrap_or_else(|| DEFAULT_SOCKET.to_string());
        let tls = tls.map(Path::to_path_buf).or_else(|| {
            env("DOCKER_TLS_VERIFY")
                .filter(|v| v != "0")
                .and(env("DOCKER_CERT_PATH").map(PathBuf::from))
        });
        Where { address, tls }
    }

    /// As a journal entry keeps it: "unix:///...", "tcp://h:2376#tls=/dir".
    pub fn journaled(&self) -> String {
        match &self.tls {
            Some(dir) => format!("{}#tls={}", self.address, dir.display()),
            None => self.address.clone(),
        }
    }

    /// Back from `journaled`.
    pub fn from_journal(text: &str) -> Where {
        match text.split_once("#tls=") {
            Some((address, dir)) => Where {
                address: address.to_string(),
                tls: Some(PathBuf::from(dir)),
            },
            None => Where {
                address: text.to_string(),
                tls: None,
            },
        }
    }
}

/// A connected daemon.
#[derive(Clone)]
pub struct Daemon {
    pub docker: Docker,
    pub at: Where,
}

/// Whether `host` ("tcp://127.0.0.1:2375") is this machine.
fn loopback(address: &str) -> bool {
    let host = address
        .trim_start_matches("tcp://")
        .rsplit_once(':')
        .map_or(address, |(h, _)| h);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// The client for `at`, before any request; or why there is none.
fn client(at: &Where) -> Result<Docker, String> {
    let a = at.address.as_str();
    let made = if let Some(path) = a.strip_prefix("unix://") {
        Docker::connect_with_unix(path, REQUEST_TIMEOUT, API_DEFAULT_VERSION)
    } else if a.starts_with("tcp://") {
        match &at.tls {
            Some(dir) => Docker::connect_with_ssl(
                a,
                &dir.join("key.pem"),
                &dir.join("cert.pem"),
                &dir.join("ca.pem"),
                REQUEST_TIMEOUT,
                API_DEFAULT_VERSION,
            ),
            None if loopback(a) => Docker::connect_with_http(a, REQUEST_TIMEOUT, API_DEFAULT_VERSION),
            None => {
                return Err(format!(
                    "the Docker daemon at {a} would be reached without TLS: anyone on the way could run containers as root there\nhint: docker_tls = \"/path/to/certs\" (ca.pem, cert.pem, key.pem) in orion.toml's environment, or DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH"
                ))
            }
        }
    } else {
        return Err(format!(
            "\"{a}\" is not a Docker daemon's address\nhint: unix:///var/run/docker.sock, or tcp://HOST:2376 with TLS"
        ));
    };
    made.map_err(|e| format!("cannot reach the Docker daemon at {a}: {e}{}", hint(a)))
}

fn hint(address: &str) -> String {
    format!(
        "\nhint: is dockerd running there (sudo systemctl start docker)? Else say where it is: docker = \"...\" in orion.toml's environment, --docker, or DOCKER_HOST (now {address})"
    )
}

/// Connects to the daemon at `at` and agrees on the API version with it,
/// within `ANSWER`: a daemon that is not running is a clear error at once.
pub async fn connect(at: Where) -> Result<Daemon, String> {
    let docker = client(&at)?;
    let address = at.address.clone();
    let agreed = tokio::time::timeout(ANSWER, docker.negotiate_version())
        .await
        .map_err(|_| {
            format!(
                "the Docker daemon at {address} did not answer within {}s{}",
                ANSWER.as_secs(),
                hint(&address)
            )
        })?
        .map_err(|e| {
            format!(
                "the Docker daemon at {address} does not answer: {}{}",
                crate::drivers::causes(&e),
                hint(&address)
            )
        })?;
    Ok(Daemon { docker: agreed, at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_the_journal_and_plain_tcp_stays_local() {
        let at = Where {
            address: "tcp://docker.internal:2376".into(),
            tls: Some("/etc/orion/docker".into()),
        };
        assert_eq!(
            at.journaled(),
            "tcp://docker.internal:2376#tls=/etc/orion/docker"
        );
        assert_eq!(Where::from_journal(&at.journaled()), at);
        let plain = Where {
            address: "tcp://docker.internal:2375".into(),
            tls: None,
        };
        assert!(client(&plain).unwrap_err().contains("without TLS"));
        assert!(client(&Where {
            address: "ftp://x".into(),
            tls: None
        })
        .unwrap_err()
        .contains("not a Docker daemon's address"));
        assert!(loopback("tcp://127.0.0.1:2375") && !loopback("tcp://10.0.0.1:2375"));
    }
}
