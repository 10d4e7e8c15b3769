//! Scenario files (TOML): the cluster's size, how images behave, and faults in
//! the API — so a playbook can be rehearsed against "v2 crashes after 5 s".
//!
//! ```toml
//! [cluster]
//! nodes = 3
//! cpu = "4"            # per node
//! memory = "8Gi"       # per node
//! pod_network = "isolated"  # pods (10.244.0.0/16) and ClusterIPs (10.96.0.0/12)
//!                      # are not reachable from the host, as on a real
//!                      # cluster; "host": loopback ones the host reaches
//!                      # (for a load balancer in front of pod IPs)
//!
//! [api]
//! latency = "20ms"           # added to every request
//! error_rate = 0.05          # fraction of object requests answered 500
//! throttle_rate = 0.02       # fraction answered 429 with Retry-After
//! retry_after = "1s"
//! watch_close_every = "30s"  # watch streams end after this long
//!
//! [[image]]
//! match = "shop/web:2*"      # glob: * and ?
//! start_delay = "2s"         # extra time before Running
//! ready_delay = "1s"         # Running → Ready
//! never_ready = false
//! crash_after = "5s"         # the container exits with code 1 after this long
//! oom = false                # ... exits OOMKilled (137) instead
//! exit_after = "2s"          # the command finishes after this long ...
//! exit_code = 0              # ... with this code; restartPolicy decides what next
//! pull_error = false         # ErrImagePull, then ImagePullBackOff
//! start_logs = ["ERROR cannot reach the payment provider"]
//!                            # lines the container prints at each start, in
//!                            # order after the simulator's start line, each
//!                            # after the time as the other lines are
//!
//! # How a container answers HTTP on its port (all optional). Health endpoints
//! # (/healthz /readyz /health /ready) and /metrics are never delayed or errored.
//! [[image]]
//! match = "shop/api:*"
//! error_rate = 0.0           # fraction of ordinary requests answered error_status
//! error_status = 503         # default 500
//! latency = { p50 = "20ms", p99 = "200ms" }  # log-normal with that median and p99;
//!                            # or { fixed = "20ms" }, or { uniform = ["10ms", "50ms"] }
//! unhealthy = false          # health endpoints answer {"status":"unhealthy"} ...
//! unhealthy_status = 503     # ... with this status (default 503); a container
//!                            # with a readinessProbe then turns unready
//!                            # (and leaves its Services' endpoints)
//! slow_start = "10s"         # extra wait per request, falling linearly from 1 s
//!                            # at the container's start to 0 at 10 s
//! crash_after_requests = 100 # the container crashes after serving this many
//! upstream = "127.0.0.1:5432"  # a real server (PostgreSQL, Redis...) that the
//!                              # Services of this image's pods forward to
//!
//! # Phases, timed from the container's start: from `after` on, the fields a
//! # phase gives (error_rate, error_status, latency, unhealthy) override the
//! # image's; the latest phase begun applies. Healthy for 20 s, then 10% errors:
//! [[image.phase]]
//! after = "20s"
//! error_rate = 0.1
//! ```

mod check;
mod latency;

pub use latency::Latency;

use crate::pod_network::PodNetwork;
use orion_glob::glob;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    pub cluster: Cluster,
    pub api: ApiFaults,
    pub image: Vec<ImageBehaviour>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cluster {
    pub nodes: usize,
    pub cpu: String,
    pub memory: String,
    /// Whether the host reaches pod and Service addresses.
    pub pod_network: PodNetwork,
}

impl Default for Cluster {
    fn default() -> Cluster {
        Cluster {
            nodes: 3,
            cpu: "4".into(),
            memory: "8Gi".into(),
            pod_network: PodNetwork::default(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiFaults {
    #[serde(deserialize_with = "duration_opt")]
    pub latency: Option<Duration>,
    pub error_rate: f64,
    pub throttle_rate: f64,
    #[serde(deserialize_with = "duration_opt")]
    pub retry_after: Option<Duration>,
    #[serde(deserialize_with = "duration_opt")]
    pub watch_close_every: Option<Duration>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImageBehaviour {
    #[serde(rename = "match")]
    pub pattern: String,
    #[serde(deserialize_with = "duration_opt")]
    pub start_delay: Option<Duration>,
    #[serde(deserialize_with = "duration_opt")]
    pub ready_delay: Option<Duration>,
    pub never_ready: bool,
    #[serde(deserialize_with = "duration_opt")]
    pub crash_after: Option<Duration>,
    /// The container's command finishes after this long, with `exit_code`
    /// (a one-off pod's job is done; a Deployment's pod restarts).
    #[serde(deserialize_with = "duration_opt")]
    pub exit_after: Option<Duration>,
    pub exit_code: i64,
    pub oom: bool,
    pub pull_error: bool,
    /// Lines printed at each start, after the start line (one line each).
    pub start_logs: Vec<String>,
    /// Fraction of ordinary requests answered `error_status`.
    pub error_rate: f64,
    /// Default 500.
    pub error_status: Option<u16>,
    pub latency: Option<Latency>,
    /// Health endpoints answer `{"status":"unhealthy"}` with `unhealthy_status`.
    pub unhealthy: bool,
    /// Default 503.
    pub unhealthy_status: Option<u16>,
    /// A request's extra wait falls linearly from 1 s at start to 0 at this.
    #[serde(deserialize_with = "duration_opt")]
    pub slow_start: Option<Duration>,
    /// The container crashes after serving this many ordinary requests.
    pub crash_after_requests: Option<u64>,
    /// `host:port` a Service forwarder passes requests to.
    pub upstream: Option<String>,
    #[serde(rename = "phase")]
    pub phases: Vec<Phase>,
}

/// From `after` (since the container's start) on, the fields given override
/// the image's.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    #[serde(deserialize_with = "duration")]
    pub after: Duration,
    pub error_rate: Option<f64>,
    pub error_status: Option<u16>,
    pub latency: Option<Latency>,
    pub unhealthy: Option<bool>,
}

/// "500ms", "2s", "1m30s" (jiff's friendly duration format).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed: jiff::SignedDuration = text.parse().map_err(|e| {
        format!("malformed duration \"{text}\": {e} (write e.g. \"500ms\", \"2s\", \"1m30s\")")
    })?;
    Duration::try_from(parsed).map_err(|_| format!("duration \"{text}\" must not be negative"))
}

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse_duration(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

fn duration_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

impl Scenario {
    /// The scenario in a file, with the file named in any error.
    pub fn load(path: &std::path::Path) -> Result<Scenario, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
        Scenario::parse(&text).map_err(|e| format!("invalid scenario {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Scenario, String> {
        let s: Scenario = toml::from_str(text).map_err(|e| e.to_string())?;
        for (name, rate) in [
            ("api.error_rate", s.api.error_rate),
            ("api.throttle_rate", s.api.throttle_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!(
                    "{name} is {rate}; it is a fraction between 0 and 1"
                ));
            }
        }
        if !(1..=255).contains(&s.cluster.nodes) {
            return Err(format!(
                "cluster.nodes is {}; it must be between 1 and 255 (each node has a /24 of pod addresses)",
                s.cluster.nodes
            ));
        }
        for b in &s.image {
            b.check()
                .map_err(|e| format!("[[image]] match = \"{}\": {e}", b.pattern))?;
        }
        Ok(s)
    }

    /// How `image` behaves: the first `[[image]]` whose pattern matches.
    pub fn behaviour(&self, image: &str) -> Option<&ImageBehaviour> {
        self.image.iter().find(|b| glob(&b.pattern, image))
    }
}

#[cfg(test)]
mod tests {
    use super::{Latency, Scenario};
    use std::time::Duration;

    #[test]
    fn parses_the_documented_example() {
        let doc = include_str!("scenario.rs");
        let example: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| format!("{}\n", l.trim_start_matches("//!").trim_start()))
            .collect();
        let s = Scenario::parse(&example).unwrap();
        assert_eq!(s.cluster.nodes, 3);
        assert_eq!(s.cluster.pod_network, super::PodNetwork::Isolated);
        assert_eq!(s.api.latency, Some(Duration::from_millis(20)));
        let b = s.behaviour("shop/web:2.1").unwrap();
        assert_eq!(b.crash_after, Some(Duration::from_secs(5)));
        assert_eq!(b.start_logs, ["ERROR cannot reach the payment provider"]);
        assert!(s.behaviour("shop/web:1.9").is_none());
        let api = s.behaviour("shop/api:1.0").unwrap();
        assert_eq!(api.error_rate, 0.0);
        assert_eq!(api.error_status, Some(503));
        assert_eq!(
            api.latency,
            Some(Latency::LogNormal {
                p50: Duration::from_millis(20),
                p99: Duration::from_millis(200)
            })
        );
        assert!(!api.unhealthy);
        assert_eq!(api.unhealthy_status, Some(503));
        assert_eq!(api.slow_start, Some(Duration::from_secs(10)));
        assert_eq!(api.crash_after_requests, Some(100));
        assert_eq!(api.upstream.as_deref(), Some("127.0.0.1:5432"));
        assert_eq!(api.phases.len(), 1);
        assert_eq!(api.phases[0].after, Duration::from_secs(20));
        assert_eq!(api.phases[0].error_rate, Some(0.1));
        assert_eq!(api.phases[0].latency, None);
    }

    #[test]
    fn refuses_bad_values() {
        assert!(Scenario::parse("[api]\nerror_rate = 2.0\n")
            .unwrap_err()
            .contains("between 0 and 1"));
        assert!(
            Scenario::parse("[[image]]\nmatch = \"x\"\ncrash_after = \"soon\"\n")
                .unwrap_err()
                .contains("malformed duration")
        );
        assert!(Scenario::parse("[cluster]\nnodez = 1\n")
            .unwrap_err()
            .contains("unknown field"));
        assert!(Scenario::parse("[cluster]\npod_network = \"routed\"\n")
            .unwrap_err()
            .contains("unknown variant `routed`, expected `isolated` or `host`"));
        let image = "[[image]]\nmatch = \"x\"\n";
        for (text, says) in [
            ("error_rate = 1.5\n", "error_rate is 1.5"),
            ("error_status = 42\n", "error_status is 42"),
            ("unhealthy_status = 600\n", "unhealthy_status is 600"),
            ("crash_after_requests = 0\n", "at least 1"),
            ("upstream = \"db\"\n", "host:port"),
            ("start_logs = \"ERROR x\"\n", "invalid type: string"),
            (
                "start_logs = [\"ok\", \"two\\nlines\"]\n",
                "start_logs line 2 has a line break",
            ),
            (
                "[[image.phase]]\nafter = \"1s\"\nstart_logs = [\"x\"]\n",
                "unknown field",
            ),
            ("latency = { p50 = \"2s\", p99 = \"1s\" }\n", "below p50"),
            (
                "[[image.phase]]\nafter = \"1s\"\nerror_rate = -1\n",
                "phase 1",
            ),
            (
                "[[image.phase]]\nerror_rate = 0.1\n",
                "missing field `after`",
            ),
            (
                "[[image.phase]]\nafter = \"1s\"\noom = true\n",
                "unknown field",
            ),
        ] {
            let e = Scenario::parse(&format!("{image}{text}")).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
