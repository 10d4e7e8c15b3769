//! Places where the simulated API server answers exactly as a real
//! kube-apiserver (v1.36) does: pod conditions, strategic-merge list order,
//! a JSON patch that does not apply, and the request and object size limits.
//! Raw HTTP where the exact `Status` body matters.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::Client;
use orion_sim::{Sim, SimConfig};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start() -> (Sim, Client) {
    crate::api::start(SimConfig {
        timing: orion_sim::testing::fast(),
        ..SimConfig::default()
    })
    .await
}

/// One request on its own connection; the answer's status code and JSON body.
async fn send(
    sim: &Sim,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Value) {
    let mut stream = TcpStream::connect(sim.addr()).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        sim.addr(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    (code, body)
}

fn config_map(name: &str, value_bytes: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": name },
        "data": { "blob": "x".repeat(value_bytes) },
    }))
    .unwrap()
}

#[tokio::test]
async fn a_running_pod_shows_its_conditions_in_the_kubelets_order() {
    let (sim, client) = start().await;
    let pods: Api<Pod> = Api::default_namespaced(client);
    let pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "p" },
        "spec": { "containers": [{ "name": "app", "image": "app:1" }] },
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let mut conditions = Vec::new();
    for _ in 0..400 {
        let p = pods.get("p").await.unwrap();
        conditions = p.status.and_then(|s| s.conditions).unwrap_or_default();
        let ready = conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        if ready {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let shown: Vec<(&str, &str)> = conditions
        .iter()
        .map(|c| (c.type_.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("PodReadyToStartContainers", "True"),
            ("Initialized", "True"),
            ("Ready", "True"),
            ("ContainersReady", "True"),
            ("PodScheduled", "True"),
        ]
    );
    sim.shutdown().await;
}

fn env_of(d: &Deployment) -> Vec<(String, String)> {
    let spec = d.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    spec.containers[0]
        .env
        .iter()
        .flatten()
        .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn strategic_merge_puts_new_list_items_first_as_apimachinery_does() {
    let (sim, client) = start().await;
    let api: Api<Deployment> = Api::default_namespaced(client);
    let env = |pairs: &[(&str, &str)]| -> Value {
        pairs
            .iter()
            .map(|(n, v)| json!({ "name": n, "value": v }))
            .collect()
    };
    let with_env = |name: &str, pairs: &[(&str, &str)]| -> Deployment {
        serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": name },
            "spec": {
                "replicas": 0,
                "selector": { "matchLabels": { "app": name } },
                "template": { "metadata": { "labels": { "app": name } },
                    "spec": { "containers": [{ "name": "app", "image": "app:1", "env": env(pairs) }] } },
            },
        }))
        .unwrap()
    };
    let patch_env = |pairs: &[(&str, &str)]| {
        Patch::Strategic(json!({ "spec": { "template": { "spec": {
            "containers": [{ "name": "app", "env": env(pairs) }]
        } } } }))
    };
    let pp = PatchParams::default();
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    };

    // A new variable goes before the existing ones.
    api.create(&PostParams::default(), &with_env("one", &[("A", "1")]))
        .await
        .unwrap();
    let d = api
        .patch("one", &pp, &patch_env(&[("X", "9")]))
        .await
        .unwrap();
    assert_eq!(env_of(&d), owned(&[("X", "9"), ("A", "1")]));

    // Patch items keep the patch's order; live-only ones are slotted in by live order
    // wherever both sides are live (mergeSortedSlice).
    api.create(
        &PostParams::default(),
        &with_env("two", &[("A", "1"), ("B", "1"), ("C", "1")]),
    )
    .await
    .unwrap();
    let d = api
        .patch("two", &pp, &patch_env(&[("B", "2"), ("D", "2")]))
        .await
        .unwrap();
    assert_eq!(
        env_of(&d),
        owned(&[("A", "1"), ("B", "2"), ("D", "2"), ("C", "1")])
    );
    let d = api
        .patch("two", &pp, &patch_env(&[("E", "3"), ("C", "3")]))
        .await
        .unwrap();
    assert_eq!(
        env_of(&d),
        owned(&[("E", "3"), ("A", "1"), ("B", "2"), ("D", "2"), ("C", "3")])
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_json_patch_removing_a_missing_path_gets_the_generic_422() {
    let (sim, client) = start().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client);
    let cm = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "c" }, "data": { "k": "v" },
    }))
    .unwrap();
    cms.create(&PostParams::default(), &cm).await.unwrap();
    let (code, status) = send(
        &sim,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/c",
        "application/json-patch+json",
        br#"[{"op": "remove", "path": "/data/x"}]"#,
    )
    .await;
    assert_eq!(code, 422);
    assert_eq!(
        status,
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "the server rejected our request due to an error in our request",
            "reason": "Invalid", "details": {}, "code": 422,
        })
    );
    // A body that is not a list of operations is a 400, in the words of the Go decoder that
    // meets it first: the server's own unless fieldValidation=Ignore, else json-patch's.
    let not_a_list = br#"{"op": "remove", "path": "/data/k"}"#;
    for (query, message) in [
        ("", "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"),
        ("?fieldValidation=Ignore", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
    ] {
        let path = format!("/api/v1/namespaces/default/configmaps/c{query}");
        let (code, status) = send(&sim, "PATCH", &path, "application/json-patch+json", not_a_list).await;
        assert_eq!((code, &status["reason"]), (400, &json!("BadRequest")));
        assert_eq!(status["message"], message);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn bodies_over_3_mib_get_413_and_config_maps_over_1_mib_get_422() {
    let (sim, _client) = start().await;
    let path = "/api/v1/namespaces/default/configmaps";
    // 30 MB: refused at the door, whatever the write.
    let (code, status) = send(
        &sim,
        "POST",
        path,
        "application/json",
        &config_map("huge", 30_000_000),
    )
    .await;
    assert_eq!(code, 413);
    assert_eq!(
        status,
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Request entity too large: limit is 3145728",
            "reason": "RequestEntityTooLarge", "code": 413,
        })
    );
    let big_patch =
        serde_json::to_vec(&json!({ "data": { "blob": "x".repeat(3_200_000) } })).unwrap();
    let (code, _) = send(
        &sim,
        "PATCH",
        &format!("{path}/huge"),
        "application/merge-patch+json",
        &big_patch,
    )
    .await;
    assert_eq!(code, 413);

    // Just under 3 MiB: read (not cut off at some smaller HTTP-layer limit), then refused
    // by ConfigMap validation.
    let (code, _) = send(
        &sim,
        "POST",
        path,
        "application/json",
        &config_map("almost", 3_140_000),
    )
    .await;
    assert_eq!(code, 422);
    // 2 MB: the same, and the Status in full.
    let (code, status) = send(
        &sim,
        "POST",
        path,
        "application/json",
        &config_map("big", 2_000_000),
    )
    .await;
    assert_eq!(code, 422);
    assert_eq!(
        status["message"],
        "ConfigMap \"big\" is invalid: []: Too long: must have at most 1048576 bytes"
    );
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(
        status["details"],
        json!({
            "name": "big", "kind": "ConfigMap",
            "causes": [{
                "reason": "FieldValueTooLong",
                "message": "Too long: must have at most 1048576 bytes",
                "field": "[]",
            }],
        })
    );
    // Exactly 1 MiB of data is allowed.
    let (code, _) = send(
        &sim,
        "POST",
        path,
        "application/json",
        &config_map("max", 1_048_576),
    )
    .await;
    assert_eq!(code, 201);

    // A Secret counts its decoded bytes, and says where.
    let secret = serde_json::to_vec(&json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": { "name": "s" },
        "stringData": { "a": "x".repeat(600_000), "b": "y".repeat(600_000) },
    }))
    .unwrap();
    let (code, status) = send(
        &sim,
        "POST",
        "/api/v1/namespaces/default/secrets",
        "application/json",
        &secret,
    )
    .await;
    assert_eq!(code, 422);
    assert_eq!(
        status["message"],
        "Secret \"s\" is invalid: data: Too long: must have at most 1048576 bytes"
    );
    sim.shutdown().await;
}
