//! The pod network in its two modes. Isolated (the default): pod IPs and
//! ClusterIPs are not the host's — a connection from the test does not get
//! through — yet port-forward, the API proxy and LoadBalancer addresses reach
//! the pods. Host: the test reaches pod IPs and ClusterIPs directly.

use crate::portforward::Forward;
use orion_sim::testing::http::{get, get_when_up};
use orion_sim::testing::{deployment, free_port, KubectlCluster};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const SERVICES: &str = "apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
";

/// One ready pod of shop/web:`version` behind a ClusterIP and a
/// LoadBalancer Service; returns (pod IP:8080, ClusterIP:80, LB address:80).
fn web(c: &KubectlCluster, version: &str) -> (String, String, String) {
    c.apply(
        "d.yaml",
        &deployment("web", &format!("shop/web:{version}"), 1, "app: web"),
    );
    c.apply("s.yaml", SERVICES);
    c.ready("web", 1);
    let lb = c.until(
        &[
            "get",
            "service",
            "web-lb",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[0].ip}",
        ],
        |out| !out.is_empty(),
    );
    (
        format!("{}:8080", c.pod_ips("app=web")[0]),
        format!("{}:80", c.cluster_ip("web")),
        format!("{lb}:80"),
    )
}

/// The host does not reach the simulated pod at `addr`: a connection is
/// refused, unreachable or times out within 1 s, as on a laptop — or, where
/// the machine's own network answers every outbound connection (some CI
/// sandboxes proxy all egress), what answers is not a simulated pod.
fn unreachable(addr: &str) {
    let at: SocketAddr = addr.parse().unwrap();
    let Ok(mut stream) = TcpStream::connect_timeout(&at, Duration::from_secs(1)) else {
        return;
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let _ = write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        !answer.to_lowercase().contains("x-orion-version"),
        "the host reached the pod at {addr}:\n{answer}"
    );
}

fn version_at(addr: &str) -> String {
    get_when_up(addr, "/").headers["x-orion-version"].clone()
}

#[test]
fn isolated_pod_and_service_addresses_are_not_the_hosts_but_the_api_reaches_them() {
    let c = KubectlCluster::start();
    let (pod, vip, lb) = web(&c, "1.0");
    assert!(pod.starts_with("10.244."), "{pod}");
    assert!(vip.starts_with("10.96."), "{vip}");
    assert!(lb.starts_with("127."), "{lb}");
    unreachable(&pod);
    unreachable(&vip);

    let base = "/api/v1/namespaces/default";
    let health = c.until(
        &[
            "get",
            "--raw",
            &format!("{base}/services/web:80/proxy/healthz"),
        ],
        |out| !out.is_empty(),
    );
    assert_eq!(health, r#"{"status":"healthy"}"#);
    let name = c.ok(&[
        "get",
        "pods",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let local = free_port();
    let forward = Forward::start(&c, &format!("pod/{name}"), local, 8080, true);
    assert_eq!(version_at(&format!("127.0.0.1:{local}")), "1.0");
    drop(forward);

    assert_eq!(version_at(&lb), "1.0", "a LoadBalancer address answers");

    // Inside, the ClusterIP is served: a load balancer in front of
    // Endpoints that name it reaches the pod behind it.
    let (ip, port) = vip.split_once(':').unwrap();
    c.apply(
        "via.yaml",
        &format!(
            "apiVersion: v1
kind: Service
metadata: {{name: via}}
spec:
  type: LoadBalancer
  ports: [{{port: 81}}]
---
apiVersion: v1
kind: Endpoints
metadata: {{name: via}}
subsets: [{{addresses: [{{ip: {ip}}}], ports: [{{port: {port}}}]}}]
"
        ),
    );
    let via = c.until(
        &[
            "get",
            "service",
            "via",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[0].ip}",
        ],
        |out| !out.is_empty(),
    );
    assert_eq!(version_at(&format!("{via}:81")), "1.0");
}

#[test]
fn host_mode_gives_pods_and_services_addresses_the_host_reaches() {
    let c = KubectlCluster::host();
    let (pod, vip, lb) = web(&c, "2.0");
    for addr in [&pod, &vip, &lb] {
        assert!(addr.starts_with("127."), "{addr}");
        assert_eq!(version_at(addr), "2.0", "{addr}");
    }
    // The isolated test's check would catch a reachable pod.
    assert!(std::panic::catch_unwind(|| unreachable(&pod)).is_err());
}

#[test]
fn isolated_simulators_side_by_side_share_addresses_but_not_pods() {
    let (a, b) = (KubectlCluster::start(), KubectlCluster::start());
    let (pod_a, vip_a, lb_a) = web(&a, "1.0");
    let (pod_b, vip_b, lb_b) = web(&b, "2.0");
    // The same ranges, the same first Service address: each simulator's pod
    // network is its own.
    assert!(pod_a.starts_with("10.244.") && pod_b.starts_with("10.244."));
    assert_eq!(vip_a, vip_b);
    assert_ne!(lb_a, lb_b, "load balancers are the host's: one block each");
    let base = "/api/v1/namespaces/default/services/web/proxy/";
    for (c, version) in [(&a, "1.0"), (&b, "2.0")] {
        let page = c.until(&["get", "--raw", base], |out| !out.is_empty());
        assert!(
            page.contains(&format!(r#""version":"{version}""#)),
            "{page}"
        );
    }
    assert_eq!(get(&lb_a, "/").unwrap().headers["x-orion-version"], "1.0");
    assert_eq!(get(&lb_b, "/").unwrap().headers["x-orion-version"], "2.0");
}
