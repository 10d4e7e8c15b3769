//! Whether the host reaches the simulated pod network. `Isolated` (the
//! default) is a laptop beside a real cluster: pods get addresses from
//! 10.244.0.0/16 and Services from 10.96.0.0/12, and nothing on the host
//! listens there — the simulator serves each one on a loopback port only it
//! knows (`network/dial.rs`), so port-forward and the API proxy reach them.
//! `Host` gives pods and Services loopback addresses the host reaches, as
//! routable pod networks in some clouds do, for a load balancer in front of
//! pod IPs. LoadBalancer addresses are host-reachable in both.

use serde::Deserialize;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PodNetwork {
    #[default]
    Isolated,
    Host,
}

/// The isolated pod network, a /16 (node N has 10.244.N.0/24).
pub const POD_NETWORK: Ipv4Addr = Ipv4Addr::new(10, 244, 0, 0);
/// The isolated Service network, a /12, as kubeadm's default.
pub const SERVICE_NETWORK: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 0);
pub const SERVICE_PREFIX: u8 = 12;

fn within(ip: Ipv4Addr, base: Ipv4Addr, prefix: u8) -> bool {
    u32::from(ip) >> (32 - prefix) == u32::from(base) >> (32 - prefix)
}

impl PodNetwork {
    pub const NAMES: [&'static str; 2] = ["isolated", "host"];

    /// Whether `ip` is a pod or Service address the host does not reach:
    /// one the simulator serves only on a loopback port of its own.
    pub fn hides(self, ip: Ipv4Addr) -> bool {
        self == PodNetwork::Isolated
            && (within(ip, POD_NETWORK, 16) || within(ip, SERVICE_NETWORK, SERVICE_PREFIX))
    }
}

impl std::str::FromStr for PodNetwork {
    type Err = String;

    fn from_str(text: &str) -> Result<PodNetwork, String> {
        match text {
            "isolated" => Ok(PodNetwork::Isolated),
            "host" => Ok(PodNetwork::Host),
            _ => Err(format!(
                "unknown pod network \"{text}\"; it is \"isolated\" or \"host\""
            )),
        }
    }
}

impl std::fmt::Display for PodNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PodNetwork::Isolated => "isolated",
            PodNetwork::Host => "host",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_hides_the_pod_and_service_networks_only() {
        let isolated = PodNetwork::Isolated;
        for hidden in ["10.244.3.7", "10.96.0.1", "10.111.255.254"] {
            assert!(isolated.hides(hidden.parse().unwrap()), "{hidden}");
        }
        for seen in ["10.112.0.1", "10.245.0.1", "127.0.0.1", "127.112.0.1"] {
            assert!(!isolated.hides(seen.parse().unwrap()), "{seen}");
        }
        assert!(!PodNetwork::Host.hides("10.244.3.7".parse().unwrap()));
        for name in PodNetwork::NAMES {
            assert_eq!(name.parse::<PodNetwork>().unwrap().to_string(), name);
        }
    }
}
