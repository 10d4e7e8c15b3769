//! The address ranges of one simulated cluster. Each running simulator on
//! the machine claims its own loopback block number (by holding a listening
//! socket on that block's claim address), so several — `orion sim` beside
//! `orion play --sim`, or tests in parallel — never answer for each other's
//! load balancers (nor, in host mode, pods and Services). Block b uses:
//!
//! | what              | isolated (default)           | host                              |
//! |-------------------|------------------------------|-----------------------------------|
//! | Service ClusterIPs| 10.96.0.0/12, `kubernetes` at 10.96.0.1 | 127.(96+b).0.0/16, `kubernetes` at .0.1 |
//! | LoadBalancer IPs  | 127.(112+b).0.0/16           | 127.(112+b).0.0/16                |
//! | pods of node N    | 10.244.N.0/24                | 127.(232+b).N.0/24                |
//!
//! Isolated addresses are bound nowhere on the host (see `pod_network.rs`),
//! so every simulator may use the same ones.

use crate::pod_network::{PodNetwork, POD_NETWORK, SERVICE_NETWORK, SERVICE_PREFIX};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};

/// How many simulators can run side by side on one machine.
pub const BLOCKS: u8 = 16;
/// The claim's port, on the block's claim address 127.(96+b).255.254.
const CLAIM_PORT: u16 = 60999;

#[derive(Debug)]
pub struct Addresses {
    block: u8,
    network: PodNetwork,
    /// Held for the simulator's life; the block is free again once it closes.
    _claim: Option<TcpListener>,
}

impl Addresses {
    /// The first free block.
    pub fn claim(network: PodNetwork) -> std::io::Result<Addresses> {
        for block in 0..BLOCKS {
            let addr = SocketAddr::from((Ipv4Addr::new(127, 96 + block, 255, 254), CLAIM_PORT));
            if let Ok(claim) = TcpListener::bind(addr) {
                return Ok(Addresses {
                    block,
                    network,
                    _claim: Some(claim),
                });
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            format!("{BLOCKS} simulated clusters already run on this machine; stop one first"),
        ))
    }

    /// Block `block`, unclaimed (for unit tests of pure logic).
    pub fn fixed(block: u8, network: PodNetwork) -> Addresses {
        Addresses {
            block,
            network,
            _claim: None,
        }
    }

    pub fn block(&self) -> u8 {
        self.block
    }

    pub fn pod_network(&self) -> PodNetwork {
        self.network
    }

    /// The first address of the Service range.
    pub fn service_base(&self) -> Ipv4Addr {
        match self.network {
            PodNetwork::Isolated => SERVICE_NETWORK,
            PodNetwork::Host => Ipv4Addr::new(127, 96 + self.block, 0, 0),
        }
    }

    /// How many addresses the Service range holds.
    pub fn service_size(&self) -> u32 {
        1 << (32 - self.service_prefix())
    }

    fn service_prefix(&self) -> u8 {
        match self.network {
            PodNetwork::Isolated => SERVICE_PREFIX,
            PodNetwork::Host => 16,
        }
    }

    pub fn service_range(&self) -> String {
        format!("{}/{}", self.service_base(), self.service_prefix())
    }

    /// The `kubernetes` Service's ClusterIP, the range's first, as on a real cluster.
    pub fn api_service_ip(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.service_base()) + 1)
    }

    pub fn load_balancer_base(&self) -> Ipv4Addr {
        Ipv4Addr::new(127, 112 + self.block, 0, 0)
    }

    /// Node `n`'s pod CIDR (n from 1 to 255).
    pub fn pod_cidr(&self, node: usize) -> String {
        let [a, b, ..] = match self.network {
            PodNetwork::Isolated => POD_NETWORK.octets(),
            PodNetwork::Host => [127, 232 + self.block, 0, 0],
        };
        format!("{a}.{b}.{}.0/24", node % 256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_simulators_get_different_blocks_and_a_closed_one_is_reused() {
        let a = Addresses::claim(PodNetwork::Host).unwrap();
        let b = Addresses::claim(PodNetwork::Host).unwrap();
        assert_ne!(a.block(), b.block());
        assert_ne!(a.service_base(), b.service_base());
        assert_ne!(a.pod_cidr(1), b.pod_cidr(1));
        let freed = a.block();
        drop(a);
        let c = Addresses::claim(PodNetwork::Isolated).unwrap();
        assert!(c.block() <= freed.max(b.block()));
    }

    #[test]
    fn block_zero_is_what_the_readme_documents() {
        let a = Addresses::fixed(0, PodNetwork::Host);
        assert_eq!(a.service_range(), "127.96.0.0/16");
        assert_eq!(a.api_service_ip(), Ipv4Addr::new(127, 96, 0, 1));
        assert_eq!(a.load_balancer_base(), Ipv4Addr::new(127, 112, 0, 0));
        assert_eq!(a.pod_cidr(3), "127.232.3.0/24");
        let i = Addresses::fixed(1, PodNetwork::Isolated);
        assert_eq!(i.service_range(), "10.96.0.0/12");
        assert_eq!(i.service_size(), 1 << 20);
        assert_eq!(i.api_service_ip(), Ipv4Addr::new(10, 96, 0, 1));
        assert_eq!(i.load_balancer_base(), Ipv4Addr::new(127, 113, 0, 0));
        assert_eq!(i.pod_cidr(3), "10.244.3.0/24");
    }
}
