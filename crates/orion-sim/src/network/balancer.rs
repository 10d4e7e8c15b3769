//! What a cloud's load-balancer controller does: a LoadBalancer Service gets
//! an address in `status.loadBalancer.ingress` (here a loopback one, which
//! the forwarders answer on), and loses it when it stops being one.

use crate::addresses::Addresses;
use crate::controllers::object::resource;
use crate::store::Store;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::net::Ipv4Addr;

fn ingress_ips(svc: &Value) -> Vec<Ipv4Addr> {
    svc["status"]["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["ip"].as_str()?.parse().ok())
        .collect()
}

pub fn reconcile(store: &Store, addresses: &Addresses) {
    let first = u32::from(addresses.load_balancer_base()) + 1;
    let last = first + (1 << 16) - 3;
    let services_r = resource("", "services");
    let (services, _) = store.list_shared(services_r, None);
    let mut used: HashSet<Ipv4Addr> = services.iter().flat_map(|s| ingress_ips(s)).collect();
    for svc in &services {
        let wants = svc["spec"]["type"] == "LoadBalancer";
        let has = !ingress_ips(svc).is_empty();
        let status = match (wants, has) {
            (true, false) => {
                let Some(ip) = (first..=last)
                    .map(Ipv4Addr::from)
                    .find(|ip| !used.contains(ip))
                else {
                    tracing::warn!(
                        "no free load-balancer address left in {}/16",
                        addresses.load_balancer_base()
                    );
                    continue;
                };
                used.insert(ip);
                json!({ "ingress": [{ "ip": ip.to_string(), "ipMode": "VIP" }] })
            }
            (false, true) => json!({}),
            _ => continue,
        };
        let ns = svc["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = svc["metadata"]["name"].as_str().unwrap_or_default();
        let _ = store.modify(services_r, ns, name, |cur| {
            let mut next = cur.clone();
            next["status"]["loadBalancer"] = status.clone();
            Ok(next)
        });
    }
}
