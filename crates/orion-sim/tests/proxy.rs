//! `services/proxy` and `pods/proxy` through the real kubectl
//! (`kubectl get --raw`), answers and errors as from a real API server.

use orion_sim::testing::{deployment, KubectlCluster};

const SERVICES: &str = "apiVersion: v1
kind: Service
metadata: {name: gateway}
spec:
  selector: {app: gateway}
  ports: [{port: 8080, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: nobody}
  ports: [{port: 80}]
";

#[test]
fn get_raw_through_the_service_and_pod_proxies() {
    let c = KubectlCluster::start();
    c.apply(
        "d.yaml",
        &deployment("gateway", "shop/gateway:2.0.1", 1, "app: gateway"),
    );
    c.apply("s.yaml", SERVICES);
    c.ready("gateway", 1);
    let pod = c.ok(&[
        "get",
        "pods",
        "-l",
        "app=gateway",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let base = "/api/v1/namespaces/default";
    let health = c.until(
        &[
            "get",
            "--raw",
            &format!("{base}/services/gateway:8080/proxy/health"),
        ],
        |out| !out.is_empty(),
    );
    assert_eq!(health, r#"{"status":"healthy"}"#);
    // The path after /proxy and the query reach the pod; the answer comes back whole.
    let page = c.ok(&[
        "get",
        "--raw",
        &format!("{base}/services/gateway/proxy/cart/items?x=1"),
    ]);
    assert!(page.contains(r#""path":"/cart/items""#), "{page}");
    assert!(page.contains(&format!(r#""pod":"{pod}""#)), "{page}");
    // A pod's first declared port when none is named.
    let page = c.ok(&["get", "--raw", &format!("{base}/pods/{pod}/proxy/checkout")]);
    assert!(page.contains(r#""version":"2.0.1""#), "{page}");
    let health = c.ok(&[
        "get",
        "--raw",
        &format!("{base}/pods/{pod}:8080/proxy/healthz"),
    ]);
    assert_eq!(health, r#"{"status":"healthy"}"#);

    for (path, message) in [
        (
            "services/nobody:80/proxy/",
            "Error from server (ServiceUnavailable): no endpoints available for service \"nobody\"",
        ),
        (
            "services/gateway:9090/proxy/",
            "Error from server (ServiceUnavailable): no service port 9090 found for service \"gateway\"",
        ),
        (
            "services/missing/proxy/",
            "Error from server (NotFound): endpoints \"missing\" not found",
        ),
        (
            "pods/missing/proxy/",
            "Error from server (NotFound): pods \"missing\" not found",
        ),
    ] {
        let (code, _, err) = c.kubectl(&["get", "--raw", &format!("{base}/{path}")]);
        assert_eq!((code, err.trim()), (1, message), "{path}");
    }
    let (code, _, err) = c.kubectl(&["get", "--raw", &format!("{base}/pods/{pod}:9999/proxy/")]);
    assert_eq!(code, 1);
    let ip = c.pod_ips("app=gateway").remove(0);
    assert_eq!(
        err.trim(),
        format!("Error from server (ServiceUnavailable): error trying to reach service: dial tcp {ip}:9999: connect: connection refused")
    );
}
