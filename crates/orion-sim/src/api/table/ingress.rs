//! Ingress printer (networking.k8s.io/v1).

use super::column::{Column, AGE, NAME};
use super::duration::age;
use super::fields::{arr_at, name, opt_str, str_at};
use super::service::load_balancer_ingress;
use super::{Printer, Row};
use jiff::Timestamp;
use serde_json::{json, Value};

pub(super) const PRINTER: Printer = Printer {
    columns: &[
        NAME,
        Column::new(
            "Class",
            "string",
            "The name of the IngressClass resource that should be used for additional configuration",
        ),
        Column::new(
            "Hosts",
            "string",
            "Hosts that incoming requests are matched against before the ingress rule",
        ),
        Column::new(
            "Address",
            "string",
            "Address is a list containing ingress points for the load-balancer",
        ),
        Column::new("Ports", "string", "Ports of TLS configurations that open"),
        AGE,
    ],
    row,
};

/// `formatHosts`: up to 3 rule hosts, " + N more..." (N counts all rules
/// past the third), or "*" when no rule names a host.
fn format_hosts(rules: &[Value]) -> String {
    const MAX: usize = 3;
    let mut list = Vec::new();
    let mut more = false;
    for rule in rules {
        if list.len() == MAX {
            more = true;
        }
        let host = str_at(rule, &["host"]);
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".to_string();
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", rules.len() - MAX)
    } else {
        joined
    }
}

fn row(ing: &Value, now: Timestamp) -> Row {
    let class = opt_str(ing, &["spec", "ingressClassName"]).unwrap_or("<none>");
    let ports = if arr_at(ing, &["spec", "tls"]).is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        json!(name(ing)),
        json!(class),
        json!(format_hosts(arr_at(ing, &["spec", "rules"]))),
        json!(load_balancer_ingress(ing)),
        json!(ports),
        json!(age(ing, now)),
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn columns() {
        let c: Vec<_> = PRINTER
            .columns
            .iter()
            .map(|c| (c.name, c.priority))
            .collect();
        assert_eq!(
            c,
            [
                ("Name", 0),
                ("Class", 0),
                ("Hosts", 0),
                ("Address", 0),
                ("Ports", 0),
                ("Age", 0)
            ]
        );
    }

    #[test]
    fn realistic_row() {
        let ing = json!({
            "metadata": {"name": "shop", "creationTimestamp": "2024-05-01T09:00:00Z"},
            "spec": {"ingressClassName": "nginx",
                     "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
                     "rules": [{"host": "shop.example.com"}, {"host": "api.example.com"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.5"}]}}
        });
        assert_eq!(
            Value::Array(row(&ing, now()).cells),
            json!([
                "shop",
                "nginx",
                "shop.example.com,api.example.com",
                "172.18.0.5",
                "80, 443",
                "3h"
            ])
        );
    }

    #[test]
    fn defaults_without_class_rules_or_address() {
        let ing = json!({"metadata": {"name": "bare"}, "spec": {"defaultBackend": {}}});
        let cells = row(&ing, now()).cells;
        assert_eq!(
            cells[1..5],
            [json!("<none>"), json!("*"), json!(""), json!("80")]
        );
    }

    #[test]
    fn hosts_past_three() {
        let rules =
            json!([{"host": "a"}, {"host": "b"}, {}, {"host": "c"}, {"host": "d"}, {"host": "e"}]);
        assert_eq!(format_hosts(rules.as_array().unwrap()), "a,b,c + 3 more...");
        let four = json!([{"host": "a"}, {"host": "b"}, {"host": "c"}, {"host": "d"}]);
        assert_eq!(format_hosts(four.as_array().unwrap()), "a,b,c + 1 more...");
        let blank = json!([{"http": {}}]);
        assert_eq!(format_hosts(blank.as_array().unwrap()), "*");
    }
}
