//! The real `kubectl` against the simulated cluster.

use orion_sim::testing::KubectlCluster;
use std::process::Command;
use std::time::Duration;

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: blue}]
      - name: sidecar
        image: envoy:1
";

#[test]
fn discovery_namespaces_and_nodes() {
    let c = KubectlCluster::start();
    let out = c.ok(&[
        "get",
        "namespaces",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ]);
    assert_eq!(out, "default kube-node-lease kube-public kube-system");
    let out = c.ok(&["get", "nodes", "-o", "name"]);
    assert_eq!(out, "node/sim-node-1\nnode/sim-node-2\nnode/sim-node-3\n");
    let out = c.ok(&["api-resources", "-o", "name"]);
    for r in [
        "deployments.apps",
        "leases.coordination.k8s.io",
        "httproutes.gateway.networking.k8s.io",
        "pods",
    ] {
        assert!(out.lines().any(|l| l == r), "{r} missing:\n{out}");
    }
    assert!(c
        .ok(&["version", "-o", "json"])
        .contains("v1.32.0-orion-sim"));
}

#[test]
fn apply_configure_scale_patch_and_delete_a_deployment() {
    let c = KubectlCluster::start();
    let manifest = c.file("web.yaml", DEPLOYMENT);
    assert_eq!(
        c.ok(&["apply", "-f", &manifest]),
        "deployment.apps/web created\n"
    );
    assert_eq!(
        c.ok(&["apply", "-f", &manifest]),
        "deployment.apps/web unchanged\n"
    );
    let annotations = c.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.metadata.annotations}",
    ]);
    assert!(
        annotations.contains("kubectl.kubernetes.io/last-applied-configuration"),
        "{annotations}"
    );

    let changed = c.file("web2.yaml", &DEPLOYMENT.replace("nginx:1.25", "nginx:1.26"));
    assert_eq!(
        c.ok(&["apply", "-f", &changed]),
        "deployment.apps/web configured\n"
    );
    let out = c.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.metadata.generation} {.spec.template.spec.containers[*].image}",
    ]);
    assert_eq!(out, "2 nginx:1.26 envoy:1");

    assert_eq!(
        c.ok(&["scale", "deploy", "web", "--replicas=4"]),
        "deployment.apps/web scaled\n"
    );
    assert_eq!(
        c.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "4"
    );

    // Strategic merge: the container is merged by name; the sidecar and env stay.
    c.ok(&[
        "patch",
        "deploy",
        "web",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}}}"#,
    ]);
    let out = c.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image} {.spec.template.spec.containers[0].env[0].value}"]);
    assert_eq!(out, "nginx:2 envoy:1 blue");
    c.ok(&[
        "patch",
        "deploy",
        "web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"tier":"front"}}}"#,
    ]);
    c.ok(&[
        "patch",
        "deploy",
        "web",
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#,
    ]);
    assert_eq!(
        c.ok(&[
            "get",
            "deploy",
            "-l",
            "tier=front",
            "-o",
            "jsonpath={.items[0].spec.replicas}"
        ]),
        "3"
    );

    c.ok(&["set", "image", "deploy/web", "web=nginx:3"]);
    assert_eq!(
        c.ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}"
        ]),
        "nginx:3"
    );

    // A server-side dry run changes nothing.
    let dry = c.file(
        "dry.yaml",
        &DEPLOYMENT.replace("name: web\n  labels", "name: dry\n  labels"),
    );
    assert_eq!(
        c.ok(&["apply", "--dry-run=server", "-f", &dry]),
        "deployment.apps/dry created (server dry run)\n"
    );
    let (code, _, err) = c.kubectl(&["get", "deploy", "dry"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "Error from server (NotFound): deployments.apps \"dry\" not found"
    );

    assert_eq!(
        c.ok(&["delete", "deploy", "web"]),
        "deployment.apps \"web\" deleted\n"
    );
    let (_, out, err) = c.kubectl(&["get", "deploy"]);
    assert_eq!(
        (out.as_str(), err.trim()),
        ("", "No resources found in default namespace.")
    );
}

#[test]
fn explain_and_errors() {
    let c = KubectlCluster::start();
    let out = c.ok(&["explain", "deployment"]);
    assert!(out.contains("KIND:       Deployment"), "{out}");
    let (code, _, err) = c.kubectl(&["get", "configmap", "missing"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        "Error from server (NotFound): configmaps \"missing\" not found"
    );
    let bad = c.file(
        "bad.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
    );
    let (code, _, err) = c.kubectl(&["apply", "-f", &bad]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
        ),
        "{err}"
    );
}

#[test]
fn rollout_status_history_undo_restart_and_wait() {
    let c = KubectlCluster::start();
    let manifest = c.file("web.yaml", DEPLOYMENT);
    c.ok(&["apply", "-f", &manifest]);
    let out = c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    assert!(
        out.ends_with("deployment \"web\" successfully rolled out\n"),
        "{out}"
    );
    assert_eq!(
        c.ok(&[
            "get",
            "pods",
            "-l",
            "app=web",
            "-o",
            "jsonpath={.items[*].status.phase}"
        ]),
        "Running Running"
    );

    c.ok(&["set", "image", "deploy/web", "web=nginx:2"]);
    let out = c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    assert!(
        out.contains("Waiting for deployment \"web\" rollout to finish"),
        "{out}"
    );
    assert!(out.ends_with("successfully rolled out\n"), "{out}");
    let history = c.ok(&["rollout", "history", "deploy/web"]);
    assert!(
        history.contains("\n1         <none>\n2         <none>\n"),
        "{history}"
    );

    // Undo returns to revision 1's ReplicaSet, which becomes revision 3.
    assert_eq!(
        c.ok(&["rollout", "undo", "deploy/web"]),
        "deployment.apps/web rolled back\n"
    );
    c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    assert_eq!(
        c.ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}"
        ]),
        "nginx:1.25"
    );
    let sets = c.ok(&["get", "rs", "-o", "jsonpath={range .items[*]}{.spec.template.spec.containers[0].image}={.spec.replicas}@{.metadata.annotations.deployment\\.kubernetes\\.io/revision} {end}"]);
    assert_eq!(sets.split_whitespace().count(), 2, "{sets}");
    assert!(
        sets.contains("nginx:1.25=2@3") && sets.contains("nginx:2=0@2"),
        "{sets}"
    );

    assert_eq!(
        c.ok(&["rollout", "restart", "deploy/web"]),
        "deployment.apps/web restarted\n"
    );
    c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    c.ok(&["scale", "deploy", "web", "--replicas=4"]);
    let out = c.ok(&[
        "wait",
        "--for=condition=Available",
        "deploy/web",
        "--timeout=20s",
    ]);
    assert_eq!(out, "deployment.apps/web condition met\n");
    c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    // Pods replaced by the restart stop gracefully; then four remain.
    c.until(&["get", "pods", "-o", "name"], |out| {
        out.lines().count() == 4
    });

    // Deleting the Deployment takes its ReplicaSets and pods with it.
    c.ok(&["delete", "deploy", "web"]);
    c.until_none(&["get", "rs,pods"]);
}

#[test]
fn namespaces_get_a_default_service_account_and_terminate_with_their_contents() {
    let c = KubectlCluster::start();
    let ns = c.file(
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    );
    c.ok(&["apply", "-f", &ns]);
    let cm = c.file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  a: b\n");
    c.ok(&["apply", "-f", &cm]);
    let mut sa = String::new();
    for _ in 0..100 {
        sa = c.kubectl(&["get", "sa", "-n", "shop", "-o", "name"]).1;
        if !sa.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sa, "serviceaccount/default\n");
    // kubectl delete waits until the namespace is gone.
    assert_eq!(
        c.ok(&["delete", "namespace", "shop", "--timeout=20s"]),
        "namespace \"shop\" deleted\n"
    );
    let (code, _, err) = c.kubectl(&["get", "cm", "settings", "-n", "shop"]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn a_pod_too_big_for_any_node_stays_pending_with_failed_scheduling() {
    let c = KubectlCluster::start();
    let pod = c.file(
        "big.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - name: big\n    image: big:1\n    resources:\n      requests:\n        cpu: \"64\"\n",
    );
    c.ok(&["apply", "-f", &pod]);
    let mut reason = String::new();
    for _ in 0..100 {
        reason = c.ok(&[
            "get",
            "pod",
            "big",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].reason}",
        ]);
        if !reason.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(reason, "Unschedulable");
    let events = c.ok(&[
        "get",
        "events",
        "--field-selector",
        "reason=FailedScheduling",
        "-o",
        "jsonpath={.items[0].message}",
    ]);
    assert!(
        events.starts_with("0/3 nodes are available: 3 Insufficient cpu."),
        "{events}"
    );
    assert_eq!(
        c.ok(&["get", "pod", "big", "-o", "jsonpath={.status.phase}"]),
        "Pending"
    );
}

const STATEFUL_AND_DAEMON: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: \"postgres:16\"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: \"agent:1\"}]
";

#[test]
fn statefulsets_roll_in_order_and_daemonsets_cover_every_node() {
    let c = KubectlCluster::start();
    let manifest = c.file("sts.yaml", STATEFUL_AND_DAEMON);
    c.ok(&["apply", "-f", &manifest]);
    let out = c.ok(&["rollout", "status", "sts/db", "--timeout=30s"]);
    assert!(
        out.contains("Waiting for 3 pods to be ready...") || out.contains("Waiting for"),
        "{out}"
    );
    assert_eq!(
        c.ok(&["get", "pods", "-l", "app=db", "-o", "name"]),
        "pod/db-0\npod/db-1\npod/db-2\n"
    );
    let out = c.ok(&["rollout", "status", "ds/agent", "--timeout=30s"]);
    assert!(
        out.ends_with("daemon set \"agent\" successfully rolled out\n"),
        "{out}"
    );
    let nodes = c.ok(&[
        "get",
        "pods",
        "-l",
        "app=agent",
        "-o",
        "jsonpath={.items[*].spec.nodeName}",
    ]);
    let mut nodes: Vec<&str> = nodes.split_whitespace().collect();
    nodes.sort();
    assert_eq!(nodes, ["sim-node-1", "sim-node-2", "sim-node-3"]);

    c.ok(&["set", "image", "sts/db", "db=postgres:17"]);
    let out = c.ok(&["rollout", "status", "sts/db", "--timeout=30s"]);
    assert!(
        out.ends_with("partitioned roll out complete: 3 new pods have been updated...\n"),
        "{out}"
    );
    c.ok(&["set", "image", "ds/agent", "agent=agent:2"]);
    c.ok(&["rollout", "status", "ds/agent", "--timeout=30s"]);
    // Replaced pods stop gracefully; then only the new images remain.
    c.until(
        &[
            "get",
            "pods",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ],
        |images| images == "agent:2 agent:2 agent:2 postgres:17 postgres:17 postgres:17",
    );

    // Scaling down removes the highest ordinals.
    c.ok(&["scale", "sts", "db", "--replicas=1"]);
    let mut left = String::new();
    for _ in 0..200 {
        left = c.ok(&["get", "pods", "-l", "app=db", "-o", "name"]);
        if left == "pod/db-0\n" {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(left, "pod/db-0\n");
}

#[test]
fn get_prints_the_real_columns() {
    let c = KubectlCluster::start();
    let manifest = c.file("web.yaml", DEPLOYMENT);
    c.ok(&["apply", "-f", &manifest]);
    c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    let out = c.ok(&["get", "deploy", "-o", "wide"]);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE",
            "CONTAINERS",
            "IMAGES",
            "SELECTOR"
        ]
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!((row[0], row[1], row[2], row[3]), ("web", "2/2", "2", "2"));
    assert_eq!(
        (row[5], row[6], row[7]),
        ("web,sidecar", "nginx:1.25,envoy:1", "app=web")
    );
    let pods = c.ok(&["get", "pods"]);
    let header: Vec<&str> = pods.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert!(
        pods.lines()
            .skip(1)
            .all(|l| l.contains(" 2/2 ") && l.contains(" Running ")),
        "{pods}"
    );
    let nodes = c.ok(&["get", "nodes"]);
    assert!(
        nodes.starts_with("NAME         STATUS   ROLES    AGE"),
        "{nodes}"
    );
    assert!(nodes.contains("sim-node-1   Ready    worker"), "{nodes}");
}

#[test]
fn get_watch_sees_a_scale_happen() {
    use std::io::Read;
    let c = KubectlCluster::start();
    let manifest = c.file("web.yaml", DEPLOYMENT);
    c.ok(&["apply", "-f", &manifest]);
    c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    let mut watch = Command::new("kubectl")
        .args(["get", "deploy", "web", "--watch"])
        .env("KUBECONFIG", &c.kubeconfig)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl");
    std::thread::sleep(Duration::from_millis(500));
    c.ok(&["scale", "deploy", "web", "--replicas=3"]);
    c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    std::thread::sleep(Duration::from_millis(300));
    watch.kill().unwrap();
    let mut out = String::new();
    watch
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let _ = watch.wait();
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        "{out}"
    );
    assert_eq!(rows[1][..2], ["web", "2/2"], "{out}");
    assert!(
        rows.iter().skip(2).any(|r| r[1] == "2/3"),
        "the scale is seen while it happens:\n{out}"
    );
    assert_eq!(rows.last().unwrap()[..4], ["web", "3/3", "3", "3"], "{out}");
    assert_eq!(
        rows.iter().filter(|r| r[0] == "NAME").count(),
        1,
        "one header:\n{out}"
    );
}

#[test]
fn invalid_objects_are_refused_with_field_causes() {
    let c = KubectlCluster::start();
    let bad = c.file(
        "bad.yaml",
        &DEPLOYMENT.replace(
            "labels: {app: web}\n    spec:",
            "labels: {app: api}\n    spec:",
        ),
    );
    let (code, _, err) = c.kubectl(&["apply", "-f", &bad]);
    assert_eq!(code, 1);
    assert!(
        err.contains("The Deployment \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`"),
        "{err}"
    );
    let (code, _, _) = c.kubectl(&["get", "deploy", "web"]);
    assert_eq!(code, 1, "nothing was created");
}

#[test]
fn server_side_apply_tracks_managers_and_reports_conflicts() {
    let c = KubectlCluster::start();
    let manifest = c.file("web.yaml", DEPLOYMENT);
    assert_eq!(
        c.ok(&["apply", "--server-side", "-f", &manifest]),
        "deployment.apps/web serverside-applied\n"
    );
    let fields = c.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation}",
    ]);
    assert_eq!(fields, "kubectl Apply");
    c.ok(&["scale", "deploy", "web", "--replicas=5"]);
    let (code, _, err) = c.kubectl(&["apply", "--server-side", "-f", &manifest]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"), "{err}");
    assert_eq!(
        c.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "5"
    );
    c.ok(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        &manifest,
    ]);
    assert_eq!(
        c.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]),
        "2"
    );
    // A field the applier stops applying is removed.
    let fewer = c.file(
        "fewer.yaml",
        &DEPLOYMENT.replace("        env: [{name: MODE, value: blue}]\n", ""),
    );
    c.ok(&["apply", "--server-side", "-f", &fewer]);
    assert_eq!(
        c.ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].env}"
        ]),
        ""
    );
}

#[test]
fn logs_describe_and_kustomize() {
    let c = KubectlCluster::start();
    let base = c.dir.path().join("base");
    let overlay = c.dir.path().join("overlays/staging");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::write(base.join("deployment.yaml"), DEPLOYMENT).unwrap();
    std::fs::write(
        base.join("kustomization.yaml"),
        "resources:\n- deployment.yaml\n",
    )
    .unwrap();
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources:\n- ../../base\nnamePrefix: staging-\nimages:\n- name: nginx\n  newTag: \"1.27\"\nreplicas:\n- name: web\n  count: 3\n",
    )
    .unwrap();
    let out = c.ok(&["apply", "-k", overlay.to_str().unwrap()]);
    assert_eq!(out, "deployment.apps/staging-web created\n");
    c.ok(&["rollout", "status", "deploy/staging-web", "--timeout=20s"]);
    assert_eq!(
        c.ok(&[
            "get",
            "deploy",
            "staging-web",
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"
        ]),
        "3 nginx:1.27"
    );

    let pod = c.ok(&["get", "pods", "-o", "jsonpath={.items[0].metadata.name}"]);
    let log = c.ok(&["logs", &pod, "-c", "web"]);
    assert!(
        log.trim_end()
            .ends_with("orion-sim: container web started from image nginx:1.27"),
        "{log}"
    );
    // Without -c, kubectl picks the first container and says so.
    let (code, out, err) = c.kubectl(&["logs", &pod]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Defaulted container \"web\" out of: web, sidecar"),
        "{err}"
    );
    assert_eq!(out, log);

    let describe = c.ok(&["describe", "deployment", "staging-web"]);
    assert!(
        describe.contains(
            "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable"
        ),
        "{describe}"
    );
    assert!(
        describe.contains("ScalingReplicaSet"),
        "events are listed:\n{describe}"
    );
}

#[test]
fn get_json_and_delete_cascades() {
    let c = KubectlCluster::start();
    let manifest = c.file("web.yaml", DEPLOYMENT);
    c.ok(&["apply", "-f", &manifest]);
    c.ok(&["rollout", "status", "deploy/web", "--timeout=20s"]);
    let json: serde_json::Value =
        serde_json::from_str(&c.ok(&["get", "deploy", "web", "-o", "json"])).unwrap();
    assert_eq!(json["kind"], "Deployment");
    assert_eq!(json["apiVersion"], "apps/v1");
    assert_eq!(json["status"]["observedGeneration"], 1);
    let list: serde_json::Value =
        serde_json::from_str(&c.ok(&["get", "pods", "-o", "json"])).unwrap();
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        list["items"][0]["kind"], "Pod",
        "kubectl fills kind in list items"
    );

    // Orphan: the ReplicaSet and pods stay, without their owner.
    c.ok(&["delete", "deploy", "web", "--cascade=orphan"]);
    let rs = c.ok(&[
        "get",
        "rs",
        "-o",
        "jsonpath={.items[*].metadata.ownerReferences}",
    ]);
    assert_eq!(rs, "", "orphaned ReplicaSets lose their owner reference");
    assert_eq!(c.ok(&["get", "pods", "-o", "name"]).lines().count(), 2);

    // Foreground: the ReplicaSet goes with its pods.
    let rs_name = c.ok(&["get", "rs", "-o", "jsonpath={.items[0].metadata.name}"]);
    c.ok(&["delete", "rs", &rs_name, "--cascade=foreground"]);
    c.until_none(&["get", "rs,pods"]);
}

#[test]
fn statefulset_history_and_undo_through_controller_revisions() {
    let c = KubectlCluster::start();
    let manifest = c.file("sts.yaml", STATEFUL_AND_DAEMON);
    c.ok(&["apply", "-f", &manifest]);
    c.ok(&["rollout", "status", "sts/db", "--timeout=30s"]);
    c.ok(&["set", "image", "sts/db", "db=postgres:17"]);
    c.ok(&["rollout", "status", "sts/db", "--timeout=30s"]);
    let history = c.ok(&["rollout", "history", "sts/db"]);
    assert!(
        history.contains("\n1         <none>\n2         <none>\n"),
        "{history}"
    );
    assert_eq!(
        c.ok(&["rollout", "undo", "sts/db"]),
        "statefulset.apps/db rolled back\n"
    );
    c.ok(&["rollout", "status", "sts/db", "--timeout=30s"]);
    assert_eq!(
        c.ok(&[
            "get",
            "sts",
            "db",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}"
        ]),
        "postgres:16"
    );
    let history = c.ok(&["rollout", "history", "sts/db"]);
    assert!(
        history.contains("\n2         <none>\n3         <none>\n"),
        "{history}"
    );
    c.until(
        &[
            "get",
            "pods",
            "-l",
            "app=db",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ],
        |images| images == "postgres:16 postgres:16 postgres:16",
    );
}
