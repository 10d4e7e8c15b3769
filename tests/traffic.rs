//! traffic:: routers on the simulated cluster: a Service selector switch
//! that moves ClusterIP traffic (verified by sampling), HTTPRoute and
//! ingress-nginx canary weights written and read back, and every change
//! undone when the run fails.

use crate::k8s::Cluster;

const BLUE_GREEN: &str = r#"
for v in ["blue", "green"] {
    k8s::apply(#{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{ name: `web-${v}` },
        spec: #{ replicas: 2, selector: #{ matchLabels: #{ app: "web", version: v } },
            template: #{ metadata: #{ labels: #{ app: "web", version: v } },
                spec: #{ containers: [#{ name: "web", image: `shop/web:${v}`, ports: [#{ containerPort: 8080 }] }] } } } });
}
k8s::apply(#{ apiVersion: "v1", kind: "Service", metadata: #{ name: "web" },
    spec: #{ selector: #{ app: "web", version: "blue" }, ports: [#{ port: 8080 }] } });
k8s::wait_all(["web-blue", "web-green"], #{});
"#;

const ROUTER: &str = r#"let r = traffic::service("web", #{ label: "version", backends: ["blue", "green"] });
let url = k8s::service_url("web", 8080);"#;

fn selector(c: &Cluster) -> String {
    c.ok(r#"info(k8s::get("service", "web").spec.selector.version);"#)[0].clone()
}

#[test]
fn a_service_switch_moves_cluster_ip_traffic_and_a_failed_run_switches_back() {
    let c = Cluster::start("");
    c.ok(BLUE_GREEN);
    let logs = c.ok(&format!(
        r#"{ROUTER}
        info(`${{r}} ${{r.weights()}}`);
        r.verify(#{{ entry: url, requests: 100, tolerance: 0 }});
        r.switch_to("green");
        let v = r.verify(#{{ entry: url, requests: 100, tolerance: 0 }});
        info(`green ${{v.observed.green}} blue ${{v.observed.blue}}`);"#
    ));
    assert!(
        logs.iter().any(|l| l.contains("Router(service/web)")
            && l.contains("\"blue\": 100")
            && l.contains("\"green\": 0")),
        "{logs:?}"
    );
    assert!(
        logs.contains(&"green 100.0 blue 0.0".to_string()),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l == "service/web: switch selector to version=green"),
        "{logs:?}"
    );
    assert_eq!(selector(&c), "green");

    // A Service cannot split; a verify that finds no answers says so.
    let e = c.fails(&format!(
        r#"{ROUTER} r.set_weights(#{{ blue: 50, green: 50 }});"#
    ));
    assert!(
        e.contains("a Service sends all traffic to one backend") && e.contains("traffic::gateway"),
        "{e}"
    );
    let e = c.fails(&format!(
        r#"{ROUTER} k8s::scale("web-green", 0); sleep("300ms"); r.verify(#{{ entry: url, requests: 20, timeout: "1s" }});"#
    ));
    assert!(
        e.contains("service/web: the traffic split is off target")
            && e.contains("20 requests failed"),
        "{e}"
    );
    c.ok(r#"k8s::scale("web-green", 2); k8s::wait_rollout("web-green");"#);

    // A failed run puts the selector back (and the traffic with it).
    let (outcome, logs) = c.play(&format!(
        r#"{ROUTER} r.switch_to("blue"); fail("the new version is bad");"#
    ));
    assert_eq!(outcome.exit_code.code(), 2);
    assert!(
        logs.iter().any(|l| l == "the run's changes are undone"),
        "{logs:?}"
    );
    assert_eq!(selector(&c), "green");
    c.ok(&format!(
        r#"{ROUTER} r.verify(#{{ entry: url, requests: 50, tolerance: 0 }});"#
    ));

    // A dry run says what it would change and changes nothing.
    let (outcome, logs) = c.play_with(&format!(r#"{ROUTER} r.switch_to("blue");"#), |b| {
        b.dry_run(true)
    });
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    assert!(
        logs.iter().any(|l| l.starts_with("(dry run) service/web:")),
        "{logs:?}"
    );
    assert_eq!(selector(&c), "green");
}

#[test]
fn httproute_and_canary_ingress_weights_are_written_read_back_and_restored() {
    let c = Cluster::start("");
    c.ok(r#"
        k8s::apply(#{ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: #{ name: "web" },
            spec: #{ parentRefs: [#{ name: "shop" }], rules: [#{ backendRefs: [
                #{ name: "web-v1", port: 8080, weight: 100 }, #{ name: "web-v2", port: 8080, weight: 0 } ] }] } });
        k8s::apply(#{ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: #{ name: "web-canary",
            annotations: #{ "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "0" } },
            spec: #{ rules: [#{ host: "shop.example.com", http: #{ paths: [#{ path: "/", pathType: "Prefix",
                backend: #{ service: #{ name: "web-v2", port: #{ number: 8080 } } } }] } }] } });
    "#);
    for (a, b) in [(100, 0), (90, 10), (50, 50), (0, 100)] {
        let logs = c.ok(&format!(
            r#"let r = traffic::gateway("web");
            let back = r.set_weights(#{{ "web-v1": {a}, "web-v2": {b} }});
            let stored = k8s::get("httproute", "web").spec.rules[0].backendRefs;
            info(`${{back["web-v1"]}}/${{back["web-v2"]}} ${{stored[0].weight}}/${{stored[1].weight}}`);
            let i = traffic::ingress_nginx("web-canary");
            i.set_weights(#{{ stable: {a}, canary: {b} }});
            info(`${{i.weights().canary}} ${{k8s::get("ingress", "web-canary").metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]}}`);"#
        ));
        assert!(logs.contains(&format!("{a}/{b} {a}/{b}")), "{logs:?}");
        assert!(logs.contains(&format!("{b} {b}")), "{logs:?}");
    }
    let e = c.fails(r#"traffic::gateway("web").set_weights(#{ "web-v3": 10 });"#);
    assert!(
        e.contains("no backend \"web-v3\"") && e.contains("web-v1, web-v2"),
        "{e}"
    );
    let e = c
        .fails(r#"traffic::ingress_nginx("web-canary").set_weights(#{ stable: 80, canary: 30 });"#);
    assert!(e.contains("adds up to 110"), "{e}");

    // Weights now 0/100; a failed run's change to them is undone.
    let (outcome, _) = c.play(
        r#"traffic::gateway("web").set_weights(#{ "web-v1": 100, "web-v2": 0 });
        traffic::ingress_nginx("web-canary").set_weights(#{ stable: 100, canary: 0 });
        fail("analysis failed");"#,
    );
    assert_eq!(outcome.exit_code.code(), 2);
    let logs = c.ok(r#"info(`${traffic::gateway("web").weights()["web-v2"]} ${traffic::ingress_nginx("web-canary").weights().canary}`);"#);
    assert!(logs.contains(&"100 100".to_string()), "restored: {logs:?}");
}
