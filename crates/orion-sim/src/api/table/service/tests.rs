//! Service and Endpoints printers.

use super::*;

fn now() -> Timestamp {
    "2024-05-01T12:00:00Z".parse().unwrap()
}

fn svc(spec: Value, status: Value) -> Value {
    json!({"metadata": {"name": "web", "creationTimestamp": "2024-05-01T11:59:00Z"},
           "spec": spec, "status": status})
}

#[test]
fn service_columns() {
    let c: Vec<_> = SERVICE
        .columns
        .iter()
        .map(|c| (c.name, c.priority))
        .collect();
    assert_eq!(
        c,
        [
            ("Name", 0),
            ("Type", 0),
            ("Cluster-IP", 0),
            ("External-IP", 0),
            ("Port(s)", 0),
            ("Age", 0),
            ("Selector", 1)
        ]
    );
}

#[test]
fn cluster_ip_service_row() {
    let s = svc(
        json!({"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
               "selector": {"k8s-app": "kube-dns"},
               "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                         {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]}),
        json!({"loadBalancer": {}}),
    );
    assert_eq!(
        Value::Array(service(&s, now()).cells),
        json!([
            "web",
            "ClusterIP",
            "10.96.0.10",
            "<none>",
            "53/UDP,53/TCP",
            "60s",
            "k8s-app=kube-dns"
        ])
    );
}

#[test]
fn node_port_and_defaults() {
    let s = svc(
        json!({"type": "NodePort", "clusterIPs": ["10.96.1.2"], "externalIPs": ["1.2.3.4"],
               "ports": [{"port": 80, "nodePort": 30080}]}),
        json!({}),
    );
    let cells = service(&s, now()).cells;
    assert_eq!(cells[3], "1.2.3.4");
    assert_eq!(cells[4], "80:30080/TCP");
    assert_eq!(cells[6], "<none>");
    let bare = svc(json!({"clusterIP": "10.96.9.9"}), json!({}));
    let cells = service(&bare, now()).cells;
    assert_eq!(
        (cells[1].clone(), cells[2].clone(), cells[4].clone()),
        (json!("ClusterIP"), json!("10.96.9.9"), json!("<none>"))
    );
    let headless = svc(
        json!({"clusterIP": "None", "clusterIPs": ["None"]}),
        json!({}),
    );
    assert_eq!(service(&headless, now()).cells[2], "None");
}

#[test]
fn load_balancer_external_ips() {
    let spec = json!({"type": "LoadBalancer", "clusterIPs": ["10.96.3.4"],
                      "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]});
    let pending = svc(spec.clone(), json!({"loadBalancer": {}}));
    assert_eq!(service(&pending, now()).cells[3], "<pending>");
    let ingress = json!({"loadBalancer": {"ingress": [
        {"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}, {"ip": "203.0.113.2"}, {"ip": "203.0.113.9"}]}});
    let ready = svc(spec.clone(), ingress.clone());
    assert_eq!(
        service(&ready, now()).cells[3],
        "203.0.113.2,203.0.113.9,lb.example.com"
    );
    let mut with_external = spec;
    with_external["externalIPs"] = json!(["198.51.100.1"]);
    let both = svc(with_external.clone(), ingress);
    assert_eq!(
        service(&both, now()).cells[3],
        "203.0.113.2,203.0.113.9,lb.example.com,198.51.100.1"
    );
    let only_external = svc(with_external, json!({}));
    assert_eq!(service(&only_external, now()).cells[3], "198.51.100.1");
}

#[test]
fn external_name_and_unknown_types() {
    let ext = svc(
        json!({"type": "ExternalName", "externalName": "db.example.com"}),
        json!({}),
    );
    let cells = service(&ext, now()).cells;
    assert_eq!(
        (cells[2].clone(), cells[3].clone()),
        (json!("<none>"), json!("db.example.com"))
    );
    let odd = svc(json!({"type": "Weird"}), json!({}));
    assert_eq!(service(&odd, now()).cells[3], "<unknown>");
}

#[test]
fn endpoints_rows() {
    let ep = |subsets: Value| {
        let e = json!({"metadata": {"name": "web", "creationTimestamp": "2024-05-01T11:00:00Z"},
                       "subsets": subsets});
        endpoints(&e, now()).cells
    };
    assert_eq!(ep(json!(null))[1], "<none>");
    assert_eq!(ep(json!([]))[1], "<none>");
    let two =
        json!([{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 80}]}]);
    assert_eq!(
        Value::Array(ep(two)),
        json!(["web", "10.0.0.1:80,10.0.0.2:80", "60m"])
    );
    let many = json!([{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}],
                       "ports": [{"port": 80}, {"port": 443}]}]);
    assert_eq!(
        ep(many)[1],
        "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more..."
    );
    let headless = json!([{"addresses": [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}]}]);
    assert_eq!(ep(headless)[1], "10.0.0.7,fd00::7");
    let v6 = json!([{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 8080}]}]);
    assert_eq!(ep(v6)[1], "[fd00::1]:8080");
    let not_ready = json!([{"notReadyAddresses": [{"ip": "10.0.0.9"}], "ports": [{"port": 80}]}]);
    assert_eq!(ep(not_ready)[1], "");
}
