//! What the real Service registry does beyond storing: a ClusterIP from the
//! service range (see `addresses.rs`), node ports for NodePort and
//! LoadBalancer Services, and both kept on update.

use crate::addresses::Addresses;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::net::Ipv4Addr;

const NODE_PORTS: std::ops::RangeInclusive<i64> = 30000..=32767;

/// Cluster IPs and node ports held by the Services that exist.
#[derive(Debug, Default)]
pub struct InUse {
    ips: HashSet<Ipv4Addr>,
    node_ports: HashSet<i64>,
}

impl InUse {
    pub fn of<'a>(services: impl IntoIterator<Item = &'a Value>) -> InUse {
        let mut used = InUse::default();
        for s in services {
            used.ips.extend(
                s["spec"]["clusterIPs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|ip| ip.as_str()?.parse::<Ipv4Addr>().ok()),
            );
            used.node_ports
                .extend(ports(s).iter().filter_map(|p| p["nodePort"].as_i64()));
        }
        used
    }
}

fn ports(s: &Value) -> Vec<Value> {
    s["spec"]["ports"].as_array().cloned().unwrap_or_default()
}

fn in_range(a: &Addresses, ip: Ipv4Addr) -> bool {
    u32::from(ip).wrapping_sub(u32::from(a.service_base())) < a.service_size()
}

type Causes = Vec<(String, String)>;

/// Fills the addresses of a Service being created, or says which it cannot have.
pub fn allocate(used: &mut InUse, a: &Addresses, svc: &mut Value) -> Result<(), Causes> {
    let mut causes = Causes::new();
    cluster_ip(used, a, svc, None, &mut causes);
    node_ports(used, svc, None, &mut causes);
    if causes.is_empty() {
        Ok(())
    } else {
        Err(causes)
    }
}

/// An update keeps what was allocated when the client left it out (as a
/// PUT of an edited manifest does), refuses to change a cluster IP, and
/// allocates node ports a type change now needs.
pub fn reallocate(
    used: &mut InUse,
    a: &Addresses,
    current: &Value,
    next: &mut Value,
) -> Result<(), Causes> {
    drop_type_dependent(current, next);
    let mut causes = Causes::new();
    cluster_ip(used, a, next, Some(current), &mut causes);
    node_ports(used, next, Some(current), &mut causes);
    if causes.is_empty() {
        Ok(())
    } else {
        Err(causes)
    }
}

/// When the type changes, fields only the old type had go, unless the client
/// changed them too (so a manifest switching LoadBalancer to ClusterIP applies).
fn drop_type_dependent(current: &Value, next: &mut Value) {
    let kind = next["spec"]["type"]
        .as_str()
        .unwrap_or("ClusterIP")
        .to_string();
    if current["spec"]["type"] == kind.as_str() {
        return;
    }
    let external = kind == "NodePort" || kind == "LoadBalancer";
    let unchanged = |field: &str, next: &Value| next["spec"][field] == current["spec"][field];
    let mut drop = vec![];
    if !external {
        drop.extend(["externalTrafficPolicy", "healthCheckNodePort"]);
    }
    if kind != "LoadBalancer" {
        drop.extend(["allocateLoadBalancerNodePorts", "loadBalancerClass"]);
    }
    for field in drop {
        if unchanged(field, next) {
            if let Some(spec) = next["spec"].as_object_mut() {
                spec.remove(field);
            }
        }
    }
}

fn cluster_ip(
    used: &mut InUse,
    a: &Addresses,
    svc: &mut Value,
    current: Option<&Value>,
    causes: &mut Causes,
) {
    let spec = &mut svc["spec"];
    if spec["type"] == "ExternalName" {
        if let Some(s) = spec.as_object_mut() {
            for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
                s.remove(field);
            }
        }
        return;
    }
    let mut asked = spec["clusterIP"]
        .as_str()
        .or_else(|| spec["clusterIPs"][0].as_str())
        .unwrap_or_default()
        .to_string();
    let old = current
        .and_then(|c| c["spec"]["clusterIP"].as_str())
        .filter(|ip| !ip.is_empty());
    if let Some(old) = old {
        if asked.is_empty() {
            asked = old.to_string();
        } else if asked != old {
            causes.push((
                "spec.clusterIPs[0]".into(),
                format!("Invalid value: []string{{\"{asked}\"}}: may not change once set"),
            ));
            return;
        }
    }
    let ip = match asked.as_str() {
        "None" => "None".to_string(),
        "" => match free_ip(used, a) {
            Some(ip) => ip.to_string(),
            None => {
                causes.push((
                    "spec.clusterIPs".into(),
                    format!(
                        "Internal error: failed to allocate a serviceIP: range {} is full",
                        a.service_range()
                    ),
                ));
                return;
            }
        },
        text if Some(text) == old => text.to_string(),
        text => match text.parse::<Ipv4Addr>() {
            Ok(ip) if !in_range(a, ip) => {
                causes.push(("spec.clusterIPs".into(), format!("Invalid value: []string{{\"{text}\"}}: failed to allocate IP {text}: the provided IP ({text}) is not in the valid range. The range of valid IPs is {}", a.service_range())));
                return;
            }
            Ok(ip) if used.ips.contains(&ip) => {
                causes.push(("spec.clusterIPs".into(), format!("Invalid value: []string{{\"{text}\"}}: failed to allocate IP {text}: provided IP is already allocated")));
                return;
            }
            Ok(ip) => {
                used.ips.insert(ip);
                ip.to_string()
            }
            Err(_) => {
                causes.push((
                    "spec.clusterIPs[0]".into(),
                    format!("Invalid value: \"{text}\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
                ));
                return;
            }
        },
    };
    spec["clusterIP"] = json!(ip);
    spec["clusterIPs"] = json!([ip]);
    if spec["ipFamilies"].is_null() {
        spec["ipFamilies"] = json!(["IPv4"]);
    }
    if spec["ipFamilyPolicy"].is_null() {
        spec["ipFamilyPolicy"] = json!("SingleStack");
    }
}

/// The lowest free address above the `kubernetes` Service's.
fn free_ip(used: &mut InUse, a: &Addresses) -> Option<Ipv4Addr> {
    let start = u32::from(a.api_service_ip()) + 9;
    let ip = (start..u32::from(a.service_base()) + a.service_size() - 1)
        .map(Ipv4Addr::from)
        .find(|ip| !used.ips.contains(ip))?;
    used.ips.insert(ip);
    Some(ip)
}

fn node_ports(used: &mut InUse, svc: &mut Value, current: Option<&Value>, causes: &mut Causes) {
    let kind = svc["spec"]["type"].as_str().unwrap_or("ClusterIP");
    let wants = kind == "NodePort"
        || (kind == "LoadBalancer" && svc["spec"]["allocateLoadBalancerNodePorts"] != false);
    let old_ports = current.map(ports).unwrap_or_default();
    let Some(list) = svc["spec"]["ports"].as_array_mut() else {
        return;
    };
    if !wants {
        for p in list.iter_mut().filter_map(Value::as_object_mut) {
            p.remove("nodePort");
        }
        return;
    }
    let kept = |p: &Value| {
        old_ports
            .iter()
            .find(|o| o["port"] == p["port"] && o["protocol"] == p["protocol"])
            .and_then(|o| o["nodePort"].as_i64())
    };
    // Ports asked for by number first, so an automatic one never takes them.
    let mut open = vec![];
    for (i, p) in list.iter_mut().enumerate() {
        match p["nodePort"].as_i64().filter(|n| *n != 0) {
            None => open.push(i),
            Some(n) if Some(n) == kept(p) => {}
            Some(n) if !NODE_PORTS.contains(&n) => causes.push((
                format!("spec.ports[{i}].nodePort"),
                format!("Invalid value: {n}: provided port is not in the valid range. The range of valid ports is 30000-32767"),
            )),
            Some(n) if !used.node_ports.insert(n) => causes.push((
                format!("spec.ports[{i}].nodePort"),
                format!("Invalid value: {n}: provided port is already allocated"),
            )),
            Some(_) => {}
        }
    }
    for i in open {
        let p = &mut list[i];
        let n = kept(p).or_else(|| NODE_PORTS.clone().find(|n| !used.node_ports.contains(n)));
        match n {
            Some(n) => {
                used.node_ports.insert(n);
                p["nodePort"] = json!(n);
            }
            None => causes.push((
                format!("spec.ports[{i}].nodePort"),
                "Internal error: failed to allocate a nodePort: range 30000-32767 is full".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pod_network::PodNetwork;

    fn host() -> Addresses {
        Addresses::fixed(0, PodNetwork::Host)
    }

    fn svc(spec: Value) -> Value {
        json!({"metadata": {"name": "s"}, "spec": spec})
    }

    #[test]
    fn a_new_service_gets_the_next_free_address_and_keeps_it() {
        let mut used = InUse::default();
        let mut a = svc(json!({"type": "ClusterIP", "ports": [{"port": 80}]}));
        allocate(&mut used, &host(), &mut a).unwrap();
        assert_eq!(a["spec"]["clusterIP"], "127.96.0.10");
        assert_eq!(a["spec"]["clusterIPs"], json!(["127.96.0.10"]));
        assert_eq!(a["spec"]["ipFamilies"], json!(["IPv4"]));
        let mut b = svc(json!({"ports": [{"port": 80}]}));
        allocate(&mut used, &host(), &mut b).unwrap();
        assert_eq!(b["spec"]["clusterIP"], "127.96.0.11");
        let mut edited = svc(json!({"ports": [{"port": 81}]}));
        reallocate(&mut used, &host(), &a, &mut edited).unwrap();
        assert_eq!(
            edited["spec"]["clusterIP"], "127.96.0.10",
            "a PUT without the IP keeps it"
        );
        let mut moved = svc(json!({"clusterIP": "127.96.0.99"}));
        let e = reallocate(&mut used, &host(), &a, &mut moved).unwrap_err();
        assert!(e[0].1.contains("may not change once set"), "{e:?}");
    }

    #[test]
    fn isolated_services_get_addresses_from_the_clusters_own_range() {
        let isolated = Addresses::fixed(3, PodNetwork::Isolated);
        let mut used = InUse::default();
        let mut a = svc(json!({"ports": [{"port": 80}]}));
        allocate(&mut used, &isolated, &mut a).unwrap();
        assert_eq!(a["spec"]["clusterIP"], "10.96.0.10");
        let mut high = svc(json!({"clusterIP": "10.111.0.1"}));
        allocate(&mut used, &isolated, &mut high).unwrap();
        let mut loopback = svc(json!({"clusterIP": "127.96.0.20"}));
        let e = allocate(&mut used, &isolated, &mut loopback).unwrap_err();
        assert!(
            e[0].1.ends_with("The range of valid IPs is 10.96.0.0/12"),
            "{e:?}"
        );
    }

    #[test]
    fn asked_for_addresses_are_checked() {
        let mut used = InUse::of(&[svc(json!({"clusterIPs": ["127.96.0.20"]}))]);
        let mut taken = svc(json!({"clusterIP": "127.96.0.20"}));
        assert!(allocate(&mut used, &host(), &mut taken).unwrap_err()[0]
            .1
            .contains("already allocated"));
        let mut outside = svc(json!({"clusterIP": "10.0.0.1"}));
        assert!(allocate(&mut used, &host(), &mut outside).unwrap_err()[0]
            .1
            .contains("not in the valid range"));
        let mut headless = svc(json!({"clusterIP": "None"}));
        allocate(&mut used, &host(), &mut headless).unwrap();
        assert_eq!(headless["spec"]["clusterIPs"], json!(["None"]));
        let mut external = svc(json!({"type": "ExternalName", "externalName": "db.example.com"}));
        allocate(&mut used, &host(), &mut external).unwrap();
        assert!(external["spec"]["clusterIP"].is_null());
    }

    #[test]
    fn node_ports_for_node_port_and_load_balancer_services() {
        let mut used = InUse::default();
        let mut np = svc(
            json!({"type": "NodePort", "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP", "nodePort": 30000}]}),
        );
        allocate(&mut used, &host(), &mut np).unwrap();
        // The port asked for by number is served first; the other gets the next.
        assert_eq!(np["spec"]["ports"][0]["nodePort"], 30001);
        assert_eq!(np["spec"]["ports"][1]["nodePort"], 30000);
        let mut again = svc(json!({"type": "NodePort", "ports": [{"port": 1, "nodePort": 30001}]}));
        assert!(allocate(&mut used, &host(), &mut again).unwrap_err()[0]
            .1
            .contains("already allocated"));
        let mut used = InUse::default();
        let mut lb =
            svc(json!({"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}]}));
        allocate(&mut used, &host(), &mut lb).unwrap();
        assert_eq!(lb["spec"]["ports"][0]["nodePort"], 30000);
        let mut back = svc(
            json!({"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30000}]}),
        );
        reallocate(&mut used, &host(), &lb, &mut back).unwrap();
        assert!(back["spec"]["ports"][0]["nodePort"].is_null());
        lb["spec"]["externalTrafficPolicy"] = json!("Cluster");
        let mut back = svc(json!({"type": "ClusterIP", "externalTrafficPolicy": "Cluster"}));
        reallocate(&mut used, &host(), &lb, &mut back).unwrap();
        assert!(back["spec"]["externalTrafficPolicy"].is_null(), "{back}");
    }
}
