//! Scenario files (TOML): the cluster's size, how images behave, and faults in
//! the API — so a playbook can be rehearsed against "v2 crashes after 5 s".
//!
//! ```toml
//! [cluster]
//! nodes = 3
//! cpu = "4"            # per node
//! memory = "8Gi"       # per node
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
//! pull_error = false         # ErrImagePull, then ImagePullBackOff
//! ```

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
}

impl Default for Cluster {
    fn default() -> Cluster {
        Cluster {
            nodes: 3,
            cpu: "4".into(),
            memory: "8Gi".into(),
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
    pub oom: bool,
    pub pull_error: bool,
}

/// "500ms", "2s", "1m30s" (jiff's friendly duration format).
fn duration_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    let parsed: jiff::SignedDuration = text.parse().map_err(|e| {
        serde::de::Error::custom(format!(
            "malformed duration \"{text}\": {e} (write e.g. \"500ms\", \"2s\", \"1m30s\")"
        ))
    })?;
    Duration::try_from(parsed)
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("duration \"{text}\" must not be negative")))
}

impl Scenario {
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
        if s.cluster.nodes == 0 {
            return Err("cluster.nodes must be at least 1".into());
        }
        Ok(s)
    }

    /// How `image` behaves: the first `[[image]]` whose pattern matches.
    pub fn behaviour(&self, image: &str) -> Option<&ImageBehaviour> {
        self.image.iter().find(|b| glob(&b.pattern, image))
    }
}

/// Shell-style match with `*` (any run) and `?` (one character).
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::{glob, Scenario};
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
        assert_eq!(s.api.latency, Some(Duration::from_millis(20)));
        let b = s.behaviour("shop/web:2.1").unwrap();
        assert_eq!(b.crash_after, Some(Duration::from_secs(5)));
        assert!(s.behaviour("shop/web:1.9").is_none());
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
    }

    #[test]
    fn globs() {
        assert!(glob("shop/*:2*", "shop/web:2.0"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*", ""));
        assert!(!glob("web:1", "web:10"));
    }
}
