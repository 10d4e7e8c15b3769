//! Where a Service answers, read from the API objects: its Endpoints'
//! ready and not-ready addresses, and the address a client uses for a port.

use serde_json::Value;

/// An Endpoints object's addresses as "ip:port": (ready, not ready).
pub fn endpoint_addresses(endpoints: &Value) -> (Vec<String>, Vec<String>) {
    let (mut ready, mut not_ready) = (vec![], vec![]);
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    for subset in list(&endpoints["subsets"]) {
        for port in list(&subset["ports"]) {
            let p = port["port"].as_i64().unwrap_or_default();
            let at = |a: &Value| format!("{}:{p}", a["ip"].as_str().unwrap_or_default());
            ready.extend(list(&subset["addresses"]).iter().map(at));
            not_ready.extend(list(&subset["notReadyAddresses"]).iter().map(at));
        }
    }
    (ready, not_ready)
}

/// "http://ADDRESS:PORT" for `service` (a Service object) on `port`: its
/// LoadBalancer address, else its ClusterIP; or why there is none.
pub fn url(name: &str, service: &Value, port: i64) -> Result<String, String> {
    let ports = service["spec"]["ports"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !ports.iter().any(|p| p["port"].as_i64() == Some(port)) {
        let listed: Vec<String> = ports.iter().map(|p| p["port"].to_string()).collect();
        return Err(format!(
            "service \"{name}\" has no port {port}\nhint: its ports: {}",
            listed.join(", ")
        ));
    }
    let ingress = &service["status"]["loadBalancer"]["ingress"][0];
    let host = ingress["ip"]
        .as_str()
        .or(ingress["hostname"].as_str())
        .or(service["spec"]["clusterIP"]
            .as_str()
            .filter(|ip| *ip != "None"));
    match host {
        Some(h) => Ok(format!("http://{h}:{port}")),
        None => Err(format!(
            "service \"{name}\" has no address (headless or ExternalName)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn addresses_are_read_from_the_objects() {
        let ep = json!({"subsets": [{"ports": [{"port": 8080}],
            "addresses": [{"ip": "10.0.0.1"}], "notReadyAddresses": [{"ip": "10.0.0.2"}]}]});
        assert_eq!(
            endpoint_addresses(&ep),
            (
                vec!["10.0.0.1:8080".to_string()],
                vec!["10.0.0.2:8080".to_string()]
            )
        );
        let svc = json!({"spec": {"clusterIP": "10.96.0.5", "ports": [{"port": 80}]}});
        assert_eq!(url("web", &svc, 80).unwrap(), "http://10.96.0.5:80");
        assert!(url("web", &svc, 81).unwrap_err().contains("its ports: 80"));
        let lb = json!({"spec": {"clusterIP": "10.96.0.5", "ports": [{"port": 80}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}});
        assert_eq!(url("web", &lb, 80).unwrap(), "http://1.2.3.4:80");
        let headless = json!({"spec": {"clusterIP": "None", "ports": [{"port": 80}]}});
        assert!(url("web", &headless, 80).unwrap_err().contains("headless"));
    }
}
