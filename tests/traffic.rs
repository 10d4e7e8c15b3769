//! traffic:: routers on the simulated cluster: a Service selector switch
//! verified by its endpoints and each pod from outside the cluster, and by
//! sampling its ClusterIP from inside (the host pod network), HTTPRoute and
//! ingress-nginx canary weights written and read back, and every change
//! undone when the run fails.

use crate::support::playbook_cluster::PlaybookCluster;

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

/// Runs `script`; returns the IPv4 addresses it logged (Services' ClusterIPs).
fn addresses(c: &PlaybookCluster, script: &str) -> Vec<String> {
    c.ok(script)
        .into_iter()
        .filter(|l| l.parse::<std::net::Ipv4Addr>().is_ok())
        .collect()
}

/// `let r = traffic::nginx(...)` over the test's nginx with `servers`
/// (a Rhai map's body), and `let entry` its address.
fn nginx_router(nginx: &crate::support::servers::Nginx, servers: &str) -> String {
    let d = nginx.dir.path().display().to_string();
    format!(
        r#"let r = traffic::nginx(#{{ upstream_file: "{d}/upstream.conf", upstream: "web", conf: "{d}/nginx.conf", prefix: "{d}", pid_file: "{d}/nginx.pid",
            servers: #{{ {servers} }} }});
        let entry = "http://127.0.0.1:{}/";"#,
        nginx.port
    )
}

fn selector(c: &PlaybookCluster) -> String {
    c.ok(r#"info(k8s::get("service", "web").spec.selector.version);"#)[0].clone()
}

#[test]
fn a_service_switch_is_verified_by_its_endpoints_from_outside_the_cluster_and_a_failed_run_switches_back(
) {
    // The isolated pod network: orion (reach = auto) is outside the cluster,
    // so `url` is a port-forward to one pod, and a sample through it would
    // say nothing about the switch.
    let c = PlaybookCluster::start("");
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
        logs.iter().any(|l| l.starts_with("verified service/web by its endpoints: they hold only ready pods of green (2 pods, each asked through port-forwards and answering as its backend); not sampled: http://127.0.0.1:")),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l == "service/web: switch selector to version=green"),
        "{logs:?}"
    );
    assert_eq!(selector(&c), "green");

    // A Service cannot split; a verify whose backend has no ready pod, or
    // whose pods answer as something else, says so.
    let e = c.fails(&format!(
        r#"{ROUTER} r.set_weights(#{{ blue: 50, green: 50 }});"#
    ));
    assert!(
        e.contains("a Service sends all traffic to one backend") && e.contains("traffic::gateway"),
        "{e}"
    );
    let e = c.fails(&format!(
        r#"{ROUTER} r.verify(#{{ entry: url, identities: #{{ green: "2.0" }}, settle: "1s" }});"#
    ));
    assert!(
        e.contains("service/web: its endpoints hold the pods asked for, but not each answers as its backend (after 1.0s)")
            && e.contains("of green answers as green, not as 2.0"),
        "{e}"
    );
    let e = c.fails(&format!(
        r#"{ROUTER} k8s::scale("web-green", 0); r.verify(#{{ entry: url, settle: "1s" }});"#
    ));
    assert!(
        e.contains("service/web: its endpoints do not hold the split asked for (blue 0, green 100) after 1.0s")
            && e.contains("no ready pod of green is an endpoint"),
        "{e}"
    );
    let e = c.fails(&format!(
        r#"{ROUTER} r.verify(#{{ entry: url, settle: "1d" }});"#
    ));
    assert!(e.contains("verify: settle is at most 10m"), "{e}");
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
fn a_service_switch_sampled_from_inside_the_cluster_counts_each_track_by_the_version_it_runs() {
    // The host pod network and reach = direct: orion as a pod in the cluster
    // sees, sampling the ClusterIP. The pods answer with their version, not
    // their track; each track is known by the versions its pods run.
    let c = PlaybookCluster::start("[cluster]\npod_network = \"host\"\n");
    c.ok(r#"
        for t in [["blue", "1.4.2"], ["green", "1.5.0"]] {
            let labels = #{ app: "web", track: t[0] };
            k8s::apply(#{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{ name: `web-${t[0]}` },
                spec: #{ replicas: 2, selector: #{ matchLabels: labels },
                    template: #{ metadata: #{ labels: labels },
                        spec: #{ containers: [#{ name: "web", image: `shop/web:${t[1]}`, ports: [#{ containerPort: 8080 }] }] } } } });
        }
        k8s::apply(#{ apiVersion: "v1", kind: "Service", metadata: #{ name: "web" },
            spec: #{ selector: #{ app: "web", track: "blue" }, ports: [#{ port: 8080 }] } });
        k8s::wait_all(["web-blue", "web-green"], #{});
    "#);
    let direct = |script: &str| {
        let (outcome, logs) = c.play_with(script, |b| {
            b.reach(orion::drivers::kube::reach::Reach::Direct)
        });
        assert!(
            outcome.succeeded(),
            "{:?}\n{}",
            outcome.error,
            logs.join("\n")
        );
        logs
    };
    let logs = direct(
        r#"let r = traffic::service("web", #{ label: "track", backends: ["blue", "green"] });
        let url = k8s::service_url("web", 8080);
        r.verify(#{ entry: url, requests: 50, tolerance: 0 });
        let v = r.set_weights(#{ blue: 0, green: 100 }, #{ entry: url, requests: 100, tolerance: 0 });
        let seen = r.verify(#{ entry: url, requests: 100, tolerance: 0 });
        info(`${seen.checked} green ${seen.observed.green} blue ${seen.observed.blue}`);"#,
    );
    assert!(
        logs.contains(&"sample green 100.0 blue 0.0".to_string()),
        "{logs:?}"
    );
    assert!(
        logs.iter().any(|l| l
            == "verified service/web: blue 0.0%, green 100.0% over 100 requests; its endpoints hold only ready pods of green, each answering as its backend"),
        "{logs:?}"
    );
    assert!(
        logs.iter().any(
            |l| l.starts_with("verified service/web: blue 100.0%, green 0.0% over 50 requests")
        ),
        "{logs:?}"
    );
}

#[test]
fn httproute_and_canary_ingress_weights_are_written_read_back_and_restored() {
    let c = PlaybookCluster::start("");
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

const TWO_VERSIONS: &str = r#"
for v in ["v1", "v2"] {
    k8s::apply(#{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{ name: `web-${v}` },
        spec: #{ replicas: 2, selector: #{ matchLabels: #{ app: `web-${v}` } },
            template: #{ metadata: #{ labels: #{ app: `web-${v}` } },
                spec: #{ containers: [#{ name: "web", image: `shop/web:${v}`, ports: [#{ containerPort: 8080 }] }] } } } });
    k8s::apply(#{ apiVersion: "v1", kind: "Service", metadata: #{ name: `web-${v}` },
        spec: #{ selector: #{ app: `web-${v}` }, ports: [#{ port: 8080 }] } });
}
k8s::wait_all(["web-v1", "web-v2"], #{});
info(k8s::get("service", "web-v1").spec.clusterIP);
info(k8s::get("service", "web-v2").spec.clusterIP);
"#;

#[test]
fn haproxy_weights_reach_the_data_plane_drain_works_and_a_failed_run_restores_them() {
    // The load balancer runs on this machine in front of pod IPs: host pod network.
    let c = PlaybookCluster::start("[cluster]\npod_network = \"host\"\n");
    let ips = addresses(&c, TWO_VERSIONS);
    let lb = crate::support::servers::HAProxy::start(&[
        ("v1", format!("{}:8080", ips[0]), 100),
        ("v2", format!("{}:8080", ips[1]), 0),
    ]);
    c.allow(lb.dir.path());
    let state = lb.dir.path().join("server-state");
    let router = format!(
        r#"let r = traffic::haproxy(#{{ socket: "{}", backend: "web", state_file: "{}" }});
        let entry = "http://127.0.0.1:{}/";"#,
        lb.socket.display(),
        state.display(),
        lb.port
    );
    for (a, b) in [(100, 0), (90, 10), (50, 50), (0, 100), (50, 50)] {
        let logs = c.ok(&format!(
            r#"{router}
            let w = r.set_weights(#{{ v1: {a}, v2: {b} }}, #{{ entry: entry, requests: 1000, tolerance: 3 }});
            info(`${{w.v1}}/${{w.v2}}`);"#
        ));
        assert!(logs.contains(&format!("{a}/{b}")), "{logs:?}");
        assert!(
            logs.iter().any(
                |l| l.starts_with("verified haproxy unix:") && l.contains("over 1000 requests")
            ),
            "{logs:?}"
        );
    }
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(
        saved.contains("srv_uweight") && saved.contains(" web "),
        "the server-state file: {saved}"
    );

    // Drain takes v2 out; enable puts it back.
    let logs = c.ok(&format!(
        r#"{router}
        r.drain("v2");
        r.verify(#{{ entry: entry, requests: 200, tolerance: 0 }});
        info(`drained ${{r.weights().v2}}`);
        r.enable("v2");
        r.verify(#{{ entry: entry, requests: 400, tolerance: 3 }});"#
    ));
    assert!(logs.contains(&"drained 0".to_string()), "{logs:?}");
    assert!(
        logs.iter()
            .any(|l| l.contains("haproxy web/v2: set state drain (was weight 50, ready)")),
        "{logs:?}"
    );

    // A failed run puts weights and states back.
    let (outcome, logs) = c.play(&format!(
        r#"{router} r.set_weights(#{{ v1: 0, v2: 100 }}); r.disable("v1"); fail("the canary's error rate is 5%");"#
    ));
    assert_eq!(outcome.exit_code.code(), 2);
    assert!(
        logs.iter().any(|l| l == "the run's changes are undone"),
        "{logs:?}"
    );
    let logs = c.ok(&format!(r#"{router} let w = r.weights(); info(`back ${{w.v1}}/${{w.v2}}`); r.verify(#{{ entry: entry, requests: 400, tolerance: 3 }});"#));
    assert!(logs.contains(&"back 50/50".to_string()), "{logs:?}");

    // A dry run changes nothing; without state_file orion warns that a reload forgets.
    let (outcome, logs) = c.play_with(
        &format!(r#"{router} r.set_weights(#{{ v1: 10 }}); info(`${{r.weights().v1}}`);"#),
        |b| b.dry_run(true),
    );
    assert!(outcome.succeeded(), "{:?}", outcome.error);
    assert!(
        logs.iter()
            .any(|l| l == "(dry run) haproxy web/v1: set weight 10 (was weight 50, ready)"),
        "{logs:?}"
    );
    assert!(logs.contains(&"50".to_string()), "{logs:?}");
    let logs = c.ok(&format!(
        r#"let r = traffic::haproxy(#{{ socket: "{}", backend: "web" }}); r.set_weights(#{{ v1: 60 }}); r.set_weights(#{{ v1: 50 }});"#,
        lb.socket.display()
    ));
    assert_eq!(
        logs.iter()
            .filter(|l| l.contains("HAProxy forgets weights"))
            .count(),
        1,
        "{logs:?}"
    );

    let e = c.fails(r#"traffic::haproxy(#{ socket: "/no/such.sock", backend: "web" }).weights();"#);
    assert!(
        e.contains("cannot reach HAProxy's runtime API at /no/such.sock")
            && e.contains("stats socket"),
        "{e}"
    );
    let e = c.fails(&format!(
        r#"traffic::haproxy(#{{ socket: "{}", backend: "api" }}).weights();"#,
        lb.socket.display()
    ));
    assert!(e.contains("no backend \"api\""), "{e}");
    let e = c.fails(&format!(r#"{router} r.set_weights(#{{ v3: 1 }});"#));
    assert!(
        e.contains("no server \"v3\"") && e.contains("v1, v2"),
        "{e}"
    );
}

#[test]
fn nginx_upstream_weights_are_checked_reloaded_verified_and_restored() {
    // The load balancer runs on this machine in front of pod IPs: host pod network.
    let c = PlaybookCluster::start("[cluster]\npod_network = \"host\"\n");
    let ips = addresses(&c, TWO_VERSIONS);
    let (v1, v2) = (format!("{}:8080", ips[0]), format!("{}:8080", ips[1]));
    let nginx = crate::support::servers::Nginx::start(&format!(
        "upstream web {{\n    server {v1} weight=100; # v1\n    server {v2} down; # v2\n}}\n"
    ));
    c.allow(nginx.dir.path());
    let router = nginx_router(&nginx, &format!(r#"v1: "{v1}", v2: "{v2}""#));
    for (a, b) in [(100, 0), (90, 10), (50, 50), (0, 100), (50, 50)] {
        let logs = c.ok(&format!(
            r#"{router}
            let w = r.set_weights(#{{ v1: {a}, v2: {b} }}, #{{ entry: entry, requests: 1000, tolerance: 3 }});
            info(`${{w.v1}}/${{w.v2}}`);"#
        ));
        assert!(logs.contains(&format!("{a}/{b}")), "{logs:?}");
    }
    let file = std::fs::read_to_string(nginx.dir.path().join("upstream.conf")).unwrap();
    assert!(
        file.contains(&format!("server {v1} weight=50; # v1")),
        "{file}"
    );

    // nginx -t refusing the change leaves the old file, and nginx serving it.
    let bad = format!(
        r#"{} r.set_weights(#{{ v3: 10 }});"#,
        nginx_router(
            &nginx,
            &format!(r#"v1: "{v1}", v2: "{v2}", v3: "no-such-host.invalid:8080""#)
        )
    );
    let (outcome, logs) = c.play(&bad);
    let e = outcome.error.unwrap();
    assert!(
        e.message
            .contains("nginx -t refused the configuration, so nginx keeps serving")
            && e.hint.as_deref() == Some("what it said is in the log above"),
        "{e:?}"
    );
    // nginx's own words reach the operator's log, not the error.
    assert!(
        logs.iter()
            .any(|l| l.contains("it said:") && l.contains("no-such-host.invalid")),
        "{logs:?}"
    );
    assert_eq!(
        std::fs::read_to_string(nginx.dir.path().join("upstream.conf")).unwrap(),
        file
    );
    c.ok(&format!(
        r#"{router} r.verify(#{{ entry: entry, requests: 400, tolerance: 3 }});"#
    ));

    // A failed run puts the file back and reloads.
    let (outcome, logs) = c.play(&format!(
        r#"{router} r.set_weights(#{{ v1: 0, v2: 100 }}); fail("analysis failed");"#
    ));
    assert_eq!(outcome.exit_code.code(), 2);
    assert!(
        logs.iter().any(|l| l == "the run's changes are undone"),
        "{logs:?}"
    );
    assert_eq!(
        std::fs::read_to_string(nginx.dir.path().join("upstream.conf")).unwrap(),
        file
    );
    c.ok(&format!(
        r#"{router} r.verify(#{{ entry: entry, requests: 400, tolerance: 3 }});"#
    ));
}

const FOUR_SERVERS: &str = r#"
for n in 1..=4 {
    k8s::apply(#{ apiVersion: "apps/v1", kind: "Deployment", metadata: #{ name: `web-${n}` },
        spec: #{ replicas: 1, selector: #{ matchLabels: #{ app: `web-${n}` } },
            template: #{ metadata: #{ labels: #{ app: `web-${n}` } },
                spec: #{ containers: [#{ name: "web", image: "shop/web:v1", ports: [#{ containerPort: 8080 }] }] } } } });
    k8s::apply(#{ apiVersion: "v1", kind: "Service", metadata: #{ name: `web-${n}` },
        spec: #{ selector: #{ app: `web-${n}` }, ports: [#{ port: 8080 }] } });
}
k8s::wait_all(["web-1", "web-2", "web-3", "web-4"], #{});
for n in 1..=4 { info(k8s::get("service", `web-${n}`).spec.clusterIP); }
"#;

#[test]
fn rolling_behind_haproxy_updates_batch_by_batch_and_a_failed_batch_is_put_back() {
    // The load balancer runs on this machine in front of pod IPs: host pod network.
    let c = PlaybookCluster::start(
        "[cluster]\npod_network = \"host\"\n[[image]]\nmatch = \"shop/web:broken\"\ncrash_after = \"100ms\"\n",
    );
    let ips = addresses(&c, FOUR_SERVERS);
    let servers: Vec<(String, String, i64)> = ips
        .iter()
        .enumerate()
        .map(|(i, ip)| (format!("web-{}", i + 1), format!("{ip}:8080"), 10))
        .collect();
    let servers: Vec<(&str, String, i64)> = servers
        .iter()
        .map(|(n, a, w)| (n.as_str(), a.clone(), *w))
        .collect();
    let lb = crate::support::servers::HAProxy::start(&servers);
    let roll = |image: &str| {
        format!(
            r#"import "orion/rolling" as rolling;
            let lb = traffic::haproxy(#{{ socket: "{}", backend: "web" }});
            rolling::behind_lb(lb, [["web-1"], ["web-2", "web-3"], ["web-4"]],
                |server| {{ k8s::set_image(server, "{image}"); k8s::wait_rollout(server, #{{ timeout: "20s" }}); }},
                |server| health::http(`${{k8s::service_url(server, 8080)}}/health`, #{{ retries: 3, interval: "100ms" }}));
            let checks = [];
            for i in 0..40 {{ checks.push(#{{ http: "http://127.0.0.1:{}/", json: #{{ version: "{}" }} }}); }}
            health::all(checks, #{{ concurrency: 4 }});"#,
            lb.socket.display(),
            lb.port,
            image.rsplit(':').next().unwrap()
        )
    };
    let logs = c.ok(&roll("shop/web:v2"));
    assert!(
        logs.iter()
            .any(|l| l == "batch 2/3: [\"web-2\", \"web-3\"]"),
        "{logs:?}"
    );
    let order: Vec<&String> = logs
        .iter()
        .filter(|l| l.starts_with("haproxy web/") || l.starts_with("deployment/"))
        .collect();
    let at = |s: &str| {
        order
            .iter()
            .position(|l| l.starts_with(s))
            .unwrap_or_else(|| panic!("{s}: {order:?}"))
    };
    assert!(
        at("haproxy web/web-1: set state drain") < at("deployment/web-1: set image"),
        "{order:?}"
    );
    assert!(
        at("deployment/web-1: set image") < at("haproxy web/web-1: set state ready"),
        "{order:?}"
    );
    assert!(
        at("haproxy web/web-1: set state ready") < at("haproxy web/web-2: set state drain"),
        "{order:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.starts_with("40 of 40 checks healthy")),
        "all on v2: {logs:?}"
    );

    // A broken version fails the first batch: the run stops there and its
    // server comes back on v2, in rotation.
    let (outcome, logs) = c.play(&roll("shop/web:broken"));
    assert_eq!(outcome.exit_code.code(), 2, "{:?}", outcome.error);
    assert!(
        !logs.iter().any(|l| l.starts_with("batch 2/3")),
        "stopped at the first batch: {logs:?}"
    );
    assert!(
        logs.iter().any(|l| l == "the run's changes are undone"),
        "{logs:?}"
    );
    let logs = c.ok(&format!(
        r#"let lb = traffic::haproxy(#{{ socket: "{}", backend: "web" }});
        info(`${{lb.weights()}}`);
        info(k8s::get("deployment", "web-1").spec.template.spec.containers[0].image);"#,
        lb.socket.display()
    ));
    assert!(logs.contains(&"shop/web:v2".to_string()), "{logs:?}");
    assert!(
        logs.iter().any(|l| l.contains("\"web-1\": 10")),
        "back in rotation: {logs:?}"
    );
}

#[test]
fn nginx_servers_can_be_drained_and_enabled_keeping_their_weight() {
    // The load balancer runs on this machine in front of pod IPs: host pod network.
    let c = PlaybookCluster::start("[cluster]\npod_network = \"host\"\n");
    let ips = addresses(&c, TWO_VERSIONS);
    let (v1, v2) = (format!("{}:8080", ips[0]), format!("{}:8080", ips[1]));
    let nginx = crate::support::servers::Nginx::start(&format!(
        "upstream web {{\n    server {v1} weight=30; # v1\n    server {v2} weight=70; # v2\n}}\n"
    ));
    c.allow(nginx.dir.path());
    let logs = c.ok(&format!(
        r#"{}
        r.drain("v2");
        r.verify(#{{ entry: entry, requests: 100, tolerance: 0 }});
        info(`drained ${{r.weights().v2}}`);
        r.enable("v2");
        r.verify(#{{ entry: entry, requests: 1000, tolerance: 3 }});
        info(`enabled ${{r.weights().v2}}`);
        let e = "";
        try {{ r.disable("v1"); r.disable("v2"); }} catch (err) {{ e = err; }}
        info(`both: ${{e}}`);"#,
        nginx_router(&nginx, &format!(r#"v1: "{v1}", v2: "{v2}""#))
    ));
    assert!(logs.contains(&"drained 0".to_string()), "{logs:?}");
    assert!(
        logs.contains(&"enabled 70".to_string()),
        "its weight kept: {logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.starts_with("both: ") && l.contains("every server would be down")),
        "{logs:?}"
    );
}

#[test]
fn rolling_behind_nginx_and_rolling_workloads_without_a_load_balancer() {
    // The load balancer runs on this machine in front of pod IPs: host pod network.
    let c = PlaybookCluster::start(
        "[cluster]\npod_network = \"host\"\n[[image]]\nmatch = \"shop/web:broken\"\ncrash_after = \"100ms\"\n",
    );
    let ips = addresses(&c, FOUR_SERVERS);
    let upstream = format!(
        "upstream web {{\n    server {}:8080 weight=10; # web-1\n    server {}:8080 weight=10; # web-2\n}}\n",
        ips[0], ips[1]
    );
    let nginx = crate::support::servers::Nginx::start(&upstream);
    c.allow(nginx.dir.path());
    let router = nginx_router(
        &nginx,
        &format!(r#""web-1": "{}:8080", "web-2": "{}:8080""#, ips[0], ips[1]),
    );
    let logs = c.ok(&format!(
        r#"import "orion/rolling" as rolling;
        {router}
        rolling::behind_lb(r, [["web-1"], ["web-2"]],
            |server| {{ k8s::set_image(server, "shop/web:v2"); k8s::wait_rollout(server, #{{ timeout: "20s" }}); }},
            |server| health::http(`${{k8s::service_url(server, 8080)}}/health`, #{{ retries: 3, interval: "100ms" }}));
        let checks = [];
        for i in 0..20 {{ checks.push(#{{ http: entry, json: #{{ version: "v2" }} }}); }}
        health::all(checks, #{{ concurrency: 4 }});"#
    ));
    assert!(
        logs.iter().any(|l| l == "batch 2/2: [\"web-2\"]"),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.starts_with("20 of 20 checks healthy")),
        "all on v2 through nginx: {logs:?}"
    );

    // Without a load balancer: two at a time; a broken version stops the
    // first batch and every workload is restored.
    let roll = |image: &str| {
        format!(
            r#"import "orion/rolling" as rolling;
            rolling::workloads(["web-1", "web-2", "web-3", "web-4"], 2,
                |w| k8s::set_image(w, "{image}"),
                |w| health::http(`${{k8s::service_url(w, 8080)}}/health`, #{{ retries: 3, interval: "100ms" }}));"#
        )
    };
    let logs = c.ok(&roll("shop/web:v3"));
    assert!(
        logs.iter()
            .any(|l| l == "batch 2/2: [\"web-3\", \"web-4\"]"),
        "{logs:?}"
    );
    let (outcome, logs) = c.play(&roll("shop/web:broken"));
    assert_eq!(outcome.exit_code.code(), 2, "{:?}", outcome.error);
    assert!(!logs.iter().any(|l| l.starts_with("batch 2/2")), "{logs:?}");
    let images = c.ok(r#"for n in 1..=4 { info(k8s::get("deployment", `web-${n}`).spec.template.spec.containers[0].image); }"#);
    assert_eq!(images, ["shop/web:v3"; 4], "restored");
}
