//! `pods/portforward` as clients speak it: kube-rs over the WebSocket channel
//! protocol, and the real `kubectl port-forward` (SPDY tunnelled through a
//! WebSocket, its default, and plain SPDY/3.1, its fallback) to pod/ and svc/.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use orion_sim::testing::http::get;
use orion_sim::testing::{deployment, fast, free_port, wait_for_port, KubectlCluster};
use orion_sim::SimConfig;
use serde_json::json;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a node says about a port nothing listens on, around the parts that
/// name the pod's sandbox.
fn refused(port: u16) -> (String, String) {
    (
        format!("error forwarding port {port} to pod "),
        format!(", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6: address localhost: no suitable address found "),
    )
}

/// An HTTP answer read up to the end of its body (by its Content-Length).
async fn read_answer(stream: &mut tokio::io::DuplexStream) -> String {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "the connection ended early: {}",
            String::from_utf8_lossy(&raw)
        );
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw).into_owned();
        if complete(&text) {
            return text;
        }
    }
}

async fn running_pod(pods: &Api<Pod>, name: &str) {
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": [{
            "name": "app", "image": "shop/web:1.4.2",
            "ports": [{"name": "http", "containerPort": 8080}],
        }]},
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let p = pods.get(name).await.unwrap();
        let ready = p
            .status
            .and_then(|s| s.conditions)
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        if ready {
            return;
        }
        assert!(Instant::now() < deadline, "pod {name} never became ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn kube_rs_forwards_one_connection_per_portforward_and_hears_why_a_port_fails() {
    let (sim, client) = crate::api::start(SimConfig {
        timing: fast(),
        ..SimConfig::default()
    })
    .await;
    let pods: Api<Pod> = Api::default_namespaced(client);
    running_pod(&pods, "web").await;
    for path in ["/health", "/checkout"] {
        let mut forward = pods.portforward("web", &[8080]).await.unwrap();
        let mut stream = forward.take_stream(8080).unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: web\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), read_answer(&mut stream))
            .await
            .expect("the pod answers");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("x-orion-version: 1.4.2"), "{answer}");
        let expected = if path == "/health" {
            r#"{"status":"healthy"}"#.to_string()
        } else {
            format!(r#""path":"{path}""#)
        };
        assert!(answer.contains(&expected), "{answer}");
        // The client ends the forward (the WebSocket closes from its side).
        drop(stream);
        forward.join().await.unwrap();
    }

    // The pod ends the connection: the server closes the WebSocket a moment later.
    let mut forward = pods.portforward("web", &[8080]).await.unwrap();
    let mut stream = forward.take_stream(8080).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .expect("the forwarded connection ends")
        .unwrap();
    assert!(answer.ends_with(r#"{"status":"healthy"}"#), "{answer}");
    drop(stream);
    let _ = forward.join().await;

    let mut forward = pods.portforward("web", &[9999]).await.unwrap();
    let error = tokio::time::timeout(Duration::from_secs(10), forward.take_error(9999).unwrap())
        .await
        .expect("an error on the error channel")
        .expect("an error message");
    let (start, end) = refused(9999);
    assert!(
        error.starts_with(&start) && error.ends_with(&end),
        "{error}"
    );
    assert!(
        error.contains(
            ", uid : failed to execute portforward in network namespace \"/var/run/netns/cni-"
        ),
        "{error}"
    );
    sim.shutdown().await;
}

/// Whether `text` holds a whole answer: its head, and as much body as its
/// Content-Length says (an upgraded connection stays open: its head is all).
fn complete(text: &str) -> bool {
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|l| {
        let l = l.to_ascii_lowercase();
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    head.starts_with("HTTP/1.1 101") || body.len() >= length.unwrap_or(0)
}

/// One request on a new connection; the answer.
async fn raw(addr: String, request: String) -> String {
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        std::io::Write::write_all(&mut s, request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf).unwrap();
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer).into_owned();
            if n == 0 || complete(&text) {
                return text;
            }
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn port_forward_refusals_are_worded_as_the_api_server_and_kubelet_word_them() {
    let (sim, client) = crate::api::start(SimConfig {
        timing: fast(),
        ..SimConfig::default()
    })
    .await;
    let pods: Api<Pod> = Api::default_namespaced(client);
    let e = pods.portforward("nothing", &[80]).await.err().unwrap();
    assert!(e.to_string().contains("pods \"nothing\" not found"), "{e}");
    running_pod(&pods, "web").await;
    let path = "/api/v1/namespaces/default/pods/web/portforward";
    let addr = sim.addr().to_string();
    let plain = raw(
        addr.clone(),
        format!("GET {path}?ports=8080 HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(plain.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{plain}");
    assert!(
        plain.contains(r#""message":"Upgrade request required""#),
        "{plain}"
    );
    let websocket = |query: &str| {
        format!(
            "GET {path}{query} HTTP/1.1\r\nHost: sim\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n"
        )
    };
    let no_ports = raw(addr.clone(), websocket("")).await;
    assert!(
        no_ports.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{no_ports}"
    );
    assert!(
        no_ports.ends_with("\r\n\r\nquery parameter \"port\" is required"),
        "{no_ports}"
    );
    let upgraded = raw(addr, websocket("?ports=8080")).await;
    assert!(
        upgraded.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{upgraded}"
    );
    assert!(
        upgraded.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{upgraded}"
    );
    assert!(
        upgraded.contains("sec-websocket-protocol: v4.channel.k8s.io\r\n"),
        "{upgraded}"
    );
    sim.shutdown().await;
}

/// A running `kubectl port-forward`, stopped when dropped.
pub(crate) struct Forward(Child);

impl Forward {
    /// Logs its requests (`-v=6`), so a test sees which protocol it spoke.
    pub(crate) fn start(
        c: &KubectlCluster,
        target: &str,
        local: u16,
        remote: u16,
        websockets: bool,
    ) -> Forward {
        let mut child = Command::new("kubectl")
            .args(["port-forward", "-v=6", target, &format!("{local}:{remote}")])
            .env("KUBECONFIG", &c.kubeconfig)
            .env("KUBECTL_PORT_FORWARD_WEBSOCKETS", websockets.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl (install it with ./scripts/test)");
        wait_for_port(local, "kubectl port-forward", &mut child);
        Forward(child)
    }

    /// What kubectl printed on stderr, once it has stopped.
    fn stop(mut self) -> String {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let mut err = String::new();
        if let Some(mut e) = self.0.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn gateway() -> KubectlCluster {
    let c = KubectlCluster::start();
    c.apply(
        "d.yaml",
        &deployment("gateway", "shop/gateway:2.0.1", 1, "app: gateway"),
    );
    c.apply(
        "s.yaml",
        "apiVersion: v1
kind: Service
metadata: {name: gateway}
spec:
  selector: {app: gateway}
  ports: [{port: 80, targetPort: http}]
",
    );
    c.ready("gateway", 1);
    c
}

#[test]
fn kubectl_port_forward_of_a_pod_and_a_service_over_both_protocols() {
    let c = gateway();
    let pod = c.ok(&[
        "get",
        "pods",
        "-l",
        "app=gateway",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    // WebSockets (the tunnel) are kubectl's default; `false` makes it speak SPDY/3.1 directly.
    for (target, remote, websockets) in [
        (format!("pod/{pod}"), 8080, true),
        (format!("pod/{pod}"), 8080, false),
        ("svc/gateway".to_string(), 80, true),
    ] {
        let local = free_port();
        let forward = Forward::start(&c, &target, local, remote, websockets);
        let addr = format!("127.0.0.1:{local}");
        let health = get(&addr, "/health").unwrap();
        assert_eq!(
            (health.status, health.body.as_str()),
            (200, r#"{"status":"healthy"}"#),
            "{target} (websockets: {websockets})"
        );
        let page = get(&addr, "/checkout").unwrap();
        assert_eq!(page.status, 200, "{target}");
        assert_eq!(page.headers["x-orion-version"], "2.0.1");
        assert!(
            page.body.contains(&format!(r#""pod":"{pod}""#)),
            "{}",
            page.body
        );
        let log = forward.stop();
        // The WebSocket tunnel is a GET; the SPDY upgrade a POST. No fallback, no error.
        let method = if websockets { "GET" } else { "POST" };
        let upgraded = format!("/pods/{pod}/portforward 101 Switching Protocols");
        assert!(
            log.lines()
                .any(|l| l.contains(&format!("] {method} http://")) && l.contains(&upgraded)),
            "{target}: {log}"
        );
        assert!(!log.lines().any(|l| l.starts_with('E')), "{target}: {log}");
    }
}

#[test]
fn kubectl_port_forward_to_a_port_nothing_listens_on_prints_the_nodes_error() {
    let c = gateway();
    let local = free_port();
    let forward = Forward::start(&c, "deploy/gateway", local, 9999, false);
    // The connection is accepted, then closed once the pod's port refuses it.
    let answer = get(&format!("127.0.0.1:{local}"), "/health");
    // kubectl prints why before it closes the local connection.
    assert!(answer.is_err(), "nothing should have answered");
    let err = forward.stop();
    let (start, end) = refused(9999);
    let prefix = format!("an error occurred forwarding {local} -> 9999: {start}");
    assert!(
        err.contains(&prefix) && err.contains(end.trim_end()),
        "{err}"
    );
}
