//! What a container is made from, as a playbook says it (`docker::run`'s
//! map, parsed in the primitive), and the Engine API's create body from it.
//! Only these options exist: no volumes, no privileges, no devices — a
//! playbook gets no host path and no more power than a plain container.

use bollard::models::{
    ContainerCreateBody, HealthConfig, HostConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum,
};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// A published port: "18080:8080", "127.0.0.1:18080:8080", "8080/udp".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
    pub container_port: u16,
    pub protocol: String,
}

impl Port {
    pub fn parse(text: &str) -> Result<Port, String> {
        let bad = || {
            format!("\"{text}\" is not a port\nhint: \"8080\", \"18080:8080\" or \"127.0.0.1:18080:8080\", optionally with /tcp or /udp")
        };
        let (ports, protocol) = match text.split_once('/') {
            Some((p, proto @ ("tcp" | "udp"))) => (p, proto),
            Some(_) => return Err(bad()),
            None => (text, "tcp"),
        };
        let number = |s: &str| s.parse::<u16>().ok().filter(|n| *n > 0).ok_or_else(bad);
        let parts: Vec<&str> = ports.split(':').collect();
        let (host_ip, host_port, container) = match parts[..] {
            [c] => (None, None, c),
            [h, c] => (None, Some(number(h)?), c),
            [ip, h, c] => {
                ip.parse::<std::net::IpAddr>().map_err(|_| bad())?;
                (Some(ip.to_string()), Some(number(h)?), c)
            }
            _ => return Err(bad()),
        };
        Ok(Port {
            host_ip,
            host_port,
            container_port: number(container)?,
            protocol: protocol.into(),
        })
    }

    fn key(&self) -> String {
        format!("{}/{}", self.container_port, self.protocol)
    }
}

/// A health check: a command run in the container, and how often.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// The image's own HEALTHCHECK (or none).
    Image,
    /// No health check, whatever the image says.
    Off,
    /// `test` as Docker writes it (["CMD-SHELL", "..."] or ["CMD", ...]).
    Check {
        test: Vec<String>,
        interval: Duration,
        timeout: Duration,
        retries: i64,
        start_period: Duration,
    },
}

/// A container to run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    pub name: String,
    pub image: String,
    pub env: BTreeMap<String, String>,
    pub ports: Vec<Port>,
    pub labels: BTreeMap<String, String>,
    pub network: Option<String>,
    pub health: Health,
    /// "no", "always", "unless-stopped", "on-failure" or "on-failure:N".
    pub restart: String,
    pub cmd: Option<Vec<String>>,
    /// How long a stop waits before SIGKILL.
    pub stop_grace: Duration,
}

/// The label every container orion makes carries.
pub const MANAGED: &str = "dev.orion.managed-by";
/// The label naming the run that made a container.
pub const RUN: &str = "dev.orion.run";

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

fn restart_policy(text: &str) -> Result<RestartPolicy, String> {
    let (name, count) = match text.split_once(':') {
        Some(("on-failure", n)) => (
            RestartPolicyNameEnum::ON_FAILURE,
            Some(
                n.parse::<i64>()
                    .map_err(|_| format!("restart \"{text}\": on-failure:N takes a number"))?,
            ),
        ),
        None => (
            match text {
                "no" => RestartPolicyNameEnum::NO,
                "always" => RestartPolicyNameEnum::ALWAYS,
                "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
                "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
                _ => return Err(restart_hint(text)),
            },
            None,
        ),
        _ => return Err(restart_hint(text)),
    };
    Ok(RestartPolicy {
        name: Some(name),
        maximum_retry_count: count,
    })
}

fn restart_hint(text: &str) -> String {
    format!("restart \"{text}\" is not a restart policy\nhint: no, always, unless-stopped, on-failure or on-failure:N")
}

impl RunSpec {
    /// Checks what the daemon would refuse later, with a hint.
    pub fn check(&self) -> Result<(), String> {
        super::names::check_container(&self.name)?;
        super::names::check_image(&self.image)?;
        restart_policy(&self.restart)?;
        if let Some(k) = self.env.keys().find(|k| k.is_empty() || k.contains('=')) {
            return Err(format!("env key \"{k}\" is not a variable's name"));
        }
        Ok(())
    }

    /// The Engine API's create body.
    pub fn body(&self) -> Result<ContainerCreateBody, String> {
        let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
        for p in &self.ports {
            let b = bindings.entry(p.key()).or_insert_with(|| Some(vec![]));
            b.get_or_insert_with(Vec::new).push(PortBinding {
                host_ip: p.host_ip.clone(),
                host_port: Some(p.host_port.map(|n| n.to_string()).unwrap_or_default()),
            });
        }
        let mut labels: HashMap<String, String> = self.labels.clone().into_iter().collect();
        labels.insert(MANAGED.into(), "orion".into());
        let healthcheck = match &self.health {
            Health::Image => None,
            Health::Off => Some(HealthConfig {
                test: Some(vec!["NONE".into()]),
                ..Default::default()
            }),
            Health::Check {
                test,
                interval,
                timeout,
                retries,
                start_period,
            } => Some(HealthConfig {
                test: Some(test.clone()),
                interval: Some(nanos(*interval)),
                timeout: Some(nanos(*timeout)),
                retries: Some(*retries),
                start_period: Some(nanos(*start_period)),
                ..Default::default()
            }),
        };
        Ok(ContainerCreateBody {
            image: Some(self.image.clone()),
            env: Some(self.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            exposed_ports: Some(self.ports.iter().map(Port::key).collect()),
            labels: Some(labels),
            cmd: self.cmd.clone(),
            healthcheck,
            stop_timeout: Some(i64::try_from(self.stop_grace.as_secs()).unwrap_or(i64::MAX)),
            host_config: Some(HostConfig {
                port_bindings: Some(bindings),
                restart_policy: Some(restart_policy(&self.restart)?),
                network_mode: self.network.clone(),
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_read_as_docker_writes_them() {
        assert_eq!(
            Port::parse("127.0.0.1:18080:8080").unwrap(),
            Port {
                host_ip: Some("127.0.0.1".into()),
                host_port: Some(18080),
                container_port: 8080,
                protocol: "tcp".into()
            }
        );
        assert_eq!(Port::parse("53/udp").unwrap().key(), "53/udp");
        assert_eq!(Port::parse("18080:8080").unwrap().host_port, Some(18080));
        for bad in ["", "x:80", "0", "1:2:3:4", "80/sctp", "host:1:2", "70000"] {
            assert!(Port::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_body_carries_the_spec_and_the_label_and_refuses_odd_policies() {
        let spec = RunSpec {
            name: "web".into(),
            image: "shop/web:1".into(),
            env: [("MODE".to_string(), "blue".to_string())].into(),
            ports: vec![Port::parse("18080:8080").unwrap()],
            labels: BTreeMap::new(),
            network: None,
            health: Health::Off,
            restart: "on-failure:3".into(),
            cmd: None,
            stop_grace: Duration::from_secs(1),
        };
        spec.check().unwrap();
        let body = spec.body().unwrap();
        assert_eq!(body.env.unwrap(), ["MODE=blue"]);
        assert_eq!(body.labels.unwrap()[MANAGED], "orion");
        assert_eq!(body.healthcheck.unwrap().test.unwrap(), ["NONE"]);
        let host = body.host_config.unwrap();
        assert_eq!(host.restart_policy.unwrap().maximum_retry_count, Some(3));
        assert_eq!(
            host.port_bindings.unwrap()["8080/tcp"].as_ref().unwrap()[0]
                .host_port
                .as_deref(),
            Some("18080")
        );
        let odd = RunSpec {
            restart: "sometimes".into(),
            ..spec.clone()
        };
        assert!(odd.check().unwrap_err().contains("not a restart policy"));
        let bad = RunSpec {
            name: "../x".into(),
            ..spec
        };
        assert!(bad.check().is_err());
    }
}
