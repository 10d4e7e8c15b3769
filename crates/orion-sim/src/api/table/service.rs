//! Service and Endpoints printers.

use super::column::{Column, AGE, NAME};
use super::duration::age;
use super::fields::{arr_at, int_at, name, obj_at, str_at};
use super::selector::format_labels;
use super::{docs, Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub(super) const SERVICE: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Type", "string", docs::SVC_TYPE),
        Column::new("Cluster-IP", "string", docs::SVC_CLUSTER_IP),
        Column::new("External-IP", "string", docs::SVC_EXTERNAL_IPS),
        Column::new("Port(s)", "string", docs::SVC_PORTS),
        AGE,
        Column::new("Selector", "string", docs::SVC_SELECTOR).wide(),
    ],
    row: service,
};

fn strings<'a>(v: &'a Value, path: &[&str]) -> Vec<&'a str> {
    arr_at(v, path).iter().filter_map(Value::as_str).collect()
}

/// `loadBalancerStatusStringer` in wide mode (the server never clips):
/// sorted, de-duplicated ingress IPs, or hostnames for entries without one.
pub(super) fn load_balancer_ingress(obj: &Value) -> String {
    let set: BTreeSet<&str> = arr_at(obj, &["status", "loadBalancer", "ingress"])
        .iter()
        .map(|i| match str_at(i, &["ip"]) {
            "" => str_at(i, &["hostname"]),
            ip => ip,
        })
        .filter(|s| !s.is_empty())
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

/// `getServiceExternalIP`.
fn external_ip(svc: &Value, svc_type: &str) -> String {
    let external = strings(svc, &["spec", "externalIPs"]);
    match svc_type {
        "ClusterIP" | "NodePort" if external.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external.join(","),
        "LoadBalancer" => {
            let lb = load_balancer_ingress(svc);
            if !external.is_empty() {
                let mut all: Vec<&str> = lb.split(',').filter(|s| !s.is_empty()).collect();
                all.extend(external);
                all.join(",")
            } else if lb.is_empty() {
                "<pending>".to_string()
            } else {
                lb
            }
        }
        "ExternalName" => str_at(svc, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    }
}

/// `makePortString`: "80/TCP", or "80:30080/TCP" with a node port.
fn ports(svc: &Value) -> String {
    let pieces: Vec<String> = arr_at(svc, &["spec", "ports"])
        .iter()
        .map(|p| {
            let protocol = match str_at(p, &["protocol"]) {
                "" => "TCP", // what defaulting stores
                other => other,
            };
            match int_at(p, &["nodePort"]) {
                n if n > 0 => format!("{}:{n}/{protocol}", int_at(p, &["port"])),
                _ => format!("{}/{protocol}", int_at(p, &["port"])),
            }
        })
        .collect();
    if pieces.is_empty() {
        "<none>".to_string()
    } else {
        pieces.join(",")
    }
}

fn service(svc: &Value, now: Timestamp) -> Row {
    let svc_type = match str_at(svc, &["spec", "type"]) {
        "" => "ClusterIP", // what defaulting stores
        t => t,
    };
    // The printer reads spec.clusterIPs[0]; the server always fills it from
    // spec.clusterIP, so fall back to that for objects stored without it.
    let cluster_ips = arr_at(svc, &["spec", "clusterIPs"]);
    let cluster_ip = match cluster_ips.first() {
        Some(ip) => ip.as_str().unwrap_or(""),
        None => str_at(svc, &["spec", "clusterIP"]),
    };
    let cluster_ip = if cluster_ips.is_empty() && cluster_ip.is_empty() {
        "<none>"
    } else {
        cluster_ip
    };
    vec![
        json!(name(svc)),
        json!(svc_type),
        json!(cluster_ip),
        json!(external_ip(svc, svc_type)),
        json!(ports(svc)),
        json!(age(svc, now)),
        json!(format_labels(obj_at(svc, &["spec", "selector"]))),
    ]
    .into()
}

pub(super) const ENDPOINTS: Printer = Printer {
    columns: &[
        NAME,
        Column::new("Endpoints", "string", docs::ENDPOINTS_SUBSETS),
        AGE,
    ],
    row: endpoints,
};

/// `net.JoinHostPort`: brackets around IPv6 hosts.
fn host_port(ip: &str, port: i64) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// `formatEndpoints` with all ports: at most 3 "ip:port" entries, then
/// " + N more...", or "<none>" without subsets.
fn format_endpoints(ep: &Value) -> String {
    const MAX: usize = 3;
    let subsets = arr_at(ep, &["subsets"]);
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let (mut list, mut count, mut more) = (Vec::new(), 0, false);
    for ss in subsets {
        let addresses = arr_at(ss, &["addresses"]);
        let ss_ports = arr_at(ss, &["ports"]);
        // Headless services may have no ports: list bare IPs.
        let port_nums: Vec<Option<i64>> = if ss_ports.is_empty() {
            vec![None]
        } else {
            ss_ports
                .iter()
                .map(|p| Some(int_at(p, &["port"])))
                .collect()
        };
        for port in port_nums {
            count += addresses.len();
            for addr in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                let ip = str_at(addr, &["ip"]);
                list.push(port.map_or_else(|| ip.to_string(), |p| host_port(ip, p)));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

fn endpoints(ep: &Value, now: Timestamp) -> Row {
    vec![
        json!(name(ep)),
        json!(format_endpoints(ep)),
        json!(age(ep, now)),
    ]
    .into()
}

#[cfg(test)]
mod tests;
