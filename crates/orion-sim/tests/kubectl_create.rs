//! `kubectl create ...` and `kubectl run` send protobuf, not JSON; and the
//! Service registry's addresses: what a newcomer types first.

use orion_sim::testing::KubectlCluster;
use serde_json::Value;

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn create_subcommands_store_what_they_were_given() {
    let c = KubectlCluster::start();
    c.ok(&["create", "namespace", "shop"]);
    let ns = json(&c.ok(&["get", "namespace", "shop", "-o", "json"]));
    assert_eq!(ns["status"]["phase"], "Active");
    assert_eq!(
        ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "shop"
    );

    c.ok(&[
        "-n",
        "shop",
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
        "--from-literal=empty=",
    ]);
    let cm = json(&c.ok(&["-n", "shop", "get", "configmap", "settings", "-o", "json"]));
    assert_eq!(cm["data"], serde_json::json!({"mode": "fast", "empty": ""}));
    assert!(cm["metadata"]["uid"].is_string() && cm["metadata"]["creationTimestamp"].is_string());

    c.ok(&[
        "-n",
        "shop",
        "create",
        "secret",
        "generic",
        "db",
        "--from-literal=password=s3cret",
    ]);
    let secret = json(&c.ok(&["-n", "shop", "get", "secret", "db", "-o", "json"]));
    assert_eq!(secret["data"]["password"], "czNjcmV0", "base64 of s3cret");
    assert_eq!(secret["type"], "Opaque");

    c.ok(&["-n", "shop", "create", "serviceaccount", "deployer"]);
    c.ok(&["-n", "shop", "get", "serviceaccount", "deployer"]);

    c.ok(&[
        "-n",
        "shop",
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=3",
        "--port=8080",
    ]);
    let ready = c.until(
        &[
            "-n",
            "shop",
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.status.readyReplicas}",
        ],
        |out| out == "3",
    );
    assert_eq!(ready, "3");
    let d = json(&c.ok(&["-n", "shop", "get", "deployment", "web", "-o", "json"]));
    let container = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1.27");
    assert_eq!(container["ports"][0]["containerPort"], 8080);
    assert_eq!(d["spec"]["selector"]["matchLabels"]["app"], "web");
    assert_eq!(
        d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%",
        "defaulted"
    );

    // replicas is a pointer in Go: an explicit 0 must not become the default 1.
    c.ok(&[
        "-n",
        "shop",
        "create",
        "deployment",
        "idle",
        "--image=nginx:1.27",
        "--replicas=0",
    ]);
    let idle = c.ok(&[
        "-n",
        "shop",
        "get",
        "deployment",
        "idle",
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(idle, "0");

    c.ok(&[
        "-n",
        "shop",
        "create",
        "service",
        "clusterip",
        "web",
        "--tcp=80:8080",
    ]);
    let svc = json(&c.ok(&["-n", "shop", "get", "service", "web", "-o", "json"]));
    assert!(
        svc["spec"]["clusterIP"]
            .as_str()
            .unwrap()
            .starts_with("10.96."),
        "{svc}"
    );
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 8080);
    assert_eq!(svc["spec"]["selector"]["app"], "web");
    let endpoints = c.until(
        &[
            "-n",
            "shop",
            "get",
            "endpoints",
            "web",
            "-o",
            "jsonpath={.subsets[0].addresses[*].ip}",
        ],
        |out| out.split(' ').count() == 3,
    );
    assert_eq!(endpoints.split(' ').count(), 3, "{endpoints}");

    c.ok(&[
        "-n",
        "shop",
        "create",
        "ingress",
        "web",
        "--rule=shop.example.com/*=web:80",
    ]);
    let ing = json(&c.ok(&["-n", "shop", "get", "ingress", "web", "-o", "json"]));
    let rule = &ing["spec"]["rules"][0];
    assert_eq!(rule["host"], "shop.example.com");
    assert_eq!(rule["http"]["paths"][0]["pathType"], "Prefix");
    assert_eq!(
        rule["http"]["paths"][0]["backend"]["service"]["name"],
        "web"
    );
    assert_eq!(
        rule["http"]["paths"][0]["backend"]["service"]["port"]["number"],
        80
    );

    // A server-side dry run answers with the object and stores nothing.
    let dry = json(&c.ok(&[
        "-n",
        "shop",
        "create",
        "configmap",
        "draft",
        "--from-literal=a=b",
        "--dry-run=server",
        "-o",
        "json",
    ]));
    assert_eq!(dry["data"]["a"], "b");
    let (code, _, err) = c.kubectl(&["-n", "shop", "get", "configmap", "draft"]);
    assert_ne!(code, 0);
    assert!(err.contains("not found"), "{err}");

    let (code, _, err) = c.kubectl(&[
        "-n",
        "shop",
        "create",
        "configmap",
        "settings",
        "--from-literal=x=y",
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("AlreadyExists") || err.contains("already exists"),
        "{err}"
    );
}

#[test]
fn kubectl_run_starts_a_pod() {
    let c = KubectlCluster::start();
    c.ok(&[
        "run",
        "probe",
        "--image=busybox:1.36",
        "--labels=role=probe",
        "--port=9000",
    ]);
    let phase = c.until(
        &["get", "pod", "probe", "-o", "jsonpath={.status.phase}"],
        |o| o == "Running",
    );
    assert_eq!(phase, "Running");
    let pod = json(&c.ok(&["get", "pod", "probe", "-o", "json"]));
    assert_eq!(pod["metadata"]["labels"]["role"], "probe");
    assert_eq!(
        pod["spec"]["containers"][0]["ports"][0]["containerPort"],
        9000
    );
}

#[test]
fn services_get_cluster_ips_node_ports_and_keep_them() {
    let c = KubectlCluster::start();
    let api = json(&c.ok(&["get", "service", "kubernetes", "-o", "json"]));
    // The first of the Service range, as on a real cluster.
    let first = api["spec"]["clusterIP"].as_str().unwrap();
    assert_eq!(first, "10.96.0.1");
    let ep = c.ok(&[
        "get",
        "endpoints",
        "kubernetes",
        "-o",
        "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}",
    ]);
    let server = c.ok(&[
        "config",
        "view",
        "--minify",
        "-o",
        "jsonpath={.clusters[0].cluster.server}",
    ]);
    assert!(
        server.ends_with(&ep),
        "kubernetes endpoints {ep} are the API server {server}"
    );

    let manifest = "apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  type: NodePort
  selector: {app: shop}
  ports: [{name: http, port: 80, targetPort: 8080}]
";
    let path = c.file("svc.yaml", manifest);
    c.ok(&["apply", "-f", &path]);
    let first = json(&c.ok(&["get", "service", "shop", "-o", "json"]));
    let ip = first["spec"]["clusterIP"].as_str().unwrap().to_string();
    let node_port = first["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!((30000..=32767).contains(&node_port), "{node_port}");
    assert_ne!(ip, first);

    // A replace from the manifest (without the addresses) keeps them.
    c.ok(&["replace", "-f", &path]);
    let again = json(&c.ok(&["get", "service", "shop", "-o", "json"]));
    assert_eq!(again["spec"]["clusterIP"], ip.as_str());
    assert_eq!(again["spec"]["ports"][0]["nodePort"], node_port);

    let taken = c.file(
        "taken.yaml",
        &manifest
            .replace("name: shop", "name: other")
            .replace("type: NodePort", &format!("clusterIP: {ip}")),
    );
    let (code, _, err) = c.kubectl(&["apply", "-f", &taken]);
    assert_ne!(code, 0);
    assert!(err.contains("provided IP is already allocated"), "{err}");

    let moved = c.file(
        "moved.yaml",
        &manifest.replace("type: NodePort", "type: NodePort\n  clusterIP: 10.96.0.250"),
    );
    let (code, _, err) = c.kubectl(&["apply", "-f", &moved]);
    assert_ne!(code, 0);
    assert!(err.contains("may not change once set"), "{err}");
}
