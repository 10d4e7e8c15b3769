//! The simulated API server through kube-rs, as orion's own code will use it.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Node};
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::{Client, Config};
use orion_sim::scenario::Scenario;
use orion_sim::{Sim, SimConfig, Timing};
use serde_json::json;
use std::time::Duration;

pub(crate) async fn start(config: SimConfig) -> (Sim, Client) {
    let sim = Sim::start(config)
        .await
        .expect("start the simulated cluster");
    let mut cfg = Config::new(sim.url().parse().unwrap());
    cfg.default_namespace = "default".into();
    let client = Client::try_from(cfg).expect("client");
    (sim, client)
}

fn cm(name: &str, labels: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": name, "labels": labels },
        "data": { "k": "v" },
    }))
    .unwrap()
}

#[tokio::test]
async fn fresh_cluster_has_namespaces_and_nodes() {
    let scenario = Scenario::parse("[cluster]\nnodes = 4\ncpu = \"8\"\n").unwrap();
    let (sim, client) = start(SimConfig {
        scenario,
        ..SimConfig::default()
    })
    .await;
    let ns: Vec<String> = Api::<Namespace>::all(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| n.metadata.name.unwrap())
        .collect();
    assert_eq!(
        ns,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
    let nodes = Api::<Node>::all(client)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(nodes.items.len(), 4);
    let ready = &nodes.items[0]
        .status
        .as_ref()
        .unwrap()
        .conditions
        .as_ref()
        .unwrap()[0];
    assert_eq!(
        (ready.type_.as_str(), ready.status.as_str()),
        ("Ready", "True")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn create_get_list_conflict_delete() {
    let (sim, client) = start(SimConfig::default()).await;
    let api: Api<ConfigMap> = Api::default_namespaced(client);
    let created = api
        .create(&PostParams::default(), &cm("a", json!({"app": "web"})))
        .await
        .unwrap();
    let meta = &created.metadata;
    assert_eq!(meta.namespace.as_deref(), Some("default"));
    assert!(
        meta.uid.is_some() && meta.creation_timestamp.is_some() && meta.resource_version.is_some()
    );
    api.create(&PostParams::default(), &cm("b", json!({"app": "db"})))
        .await
        .unwrap();

    let err = api
        .create(&PostParams::default(), &cm("a", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 409 && s.reason == "AlreadyExists"),
        "{err}"
    );

    let web = api
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(web.items.len(), 1);
    assert_eq!(web.items[0].metadata.name.as_deref(), Some("a"));

    // A replace carrying an old resourceVersion is refused with 409 Conflict.
    let mut fresh = api.get("a").await.unwrap();
    fresh.data = Some([("k".to_string(), "v2".to_string())].into());
    let mut stale = fresh.clone();
    api.replace("a", &PostParams::default(), &fresh)
        .await
        .unwrap();
    stale.data = Some([("k".to_string(), "v3".to_string())].into());
    let err = api
        .replace("a", &PostParams::default(), &stale)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 409 && s.reason == "Conflict"),
        "{err}"
    );
    assert_eq!(api.get("a").await.unwrap().data.unwrap()["k"], "v2");

    // dryRun=All changes nothing.
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    api.create(&dry, &cm("c", json!({}))).await.unwrap();
    assert!(api.get_opt("c").await.unwrap().is_none());

    api.delete("a", &DeleteParams::default()).await.unwrap();
    let err = api.get("a").await.unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 404 && s.reason == "NotFound" && s.message == "configmaps \"a\" not found"),
        "{err}"
    );
    let err = Api::<ConfigMap>::namespaced(api.clone().into_client(), "nowhere")
        .create(&PostParams::default(), &cm("x", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 404 && s.message == "namespaces \"nowhere\" not found"),
        "{err}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn watch_resumes_from_a_resource_version() {
    let (sim, client) = start(SimConfig::default()).await;
    let api: Api<ConfigMap> = Api::default_namespaced(client);
    let first = api
        .create(&PostParams::default(), &cm("one", json!({})))
        .await
        .unwrap();
    let from = first.metadata.resource_version.clone().unwrap();
    api.create(&PostParams::default(), &cm("two", json!({})))
        .await
        .unwrap();
    api.delete("one", &DeleteParams::default()).await.unwrap();

    let mut events = api
        .watch(&WatchParams::default().timeout(5), &from)
        .await
        .unwrap()
        .boxed();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match events.try_next().await.unwrap().expect("an event") {
            WatchEvent::Added(o) => seen.push(format!("added {}", o.metadata.name.unwrap())),
            WatchEvent::Deleted(o) => seen.push(format!("deleted {}", o.metadata.name.unwrap())),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, ["added two", "deleted one"]);
    // A live change arrives on the same watch.
    api.create(&PostParams::default(), &cm("three", json!({})))
        .await
        .unwrap();
    match events.try_next().await.unwrap().expect("an event") {
        WatchEvent::Added(o) => assert_eq!(o.metadata.name.as_deref(), Some("three")),
        other => panic!("unexpected {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn watch_from_an_expired_version_gets_410() {
    let (sim, client) = start(SimConfig {
        history: 5,
        ..SimConfig::default()
    })
    .await;
    let api: Api<ConfigMap> = Api::default_namespaced(client);
    for i in 0..10 {
        api.create(&PostParams::default(), &cm(&format!("c{i}"), json!({})))
            .await
            .unwrap();
    }
    let mut events = api
        .watch(&WatchParams::default().timeout(5), "2")
        .await
        .unwrap()
        .boxed();
    match events.try_next().await.unwrap().expect("an event") {
        WatchEvent::Error(e) => assert_eq!((e.code, e.reason.as_str()), (410, "Expired")),
        other => panic!("expected 410, got {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn scale_subresource_and_generation() {
    let (sim, client) = start(SimConfig::default()).await;
    let api: Api<Deployment> = Api::default_namespaced(client);
    let d: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": "web" },
        "spec": {
            "replicas": 2,
            "selector": { "matchLabels": { "app": "web" } },
            "template": { "metadata": { "labels": { "app": "web" } },
                          "spec": { "containers": [{ "name": "web", "image": "web:1" }] } },
        },
    }))
    .unwrap();
    let created = api.create(&PostParams::default(), &d).await.unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    let scale = api.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(2));
    assert_eq!(scale.status.unwrap().selector.as_deref(), Some("app=web"));
    api.patch_scale(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 5}})),
    )
    .await
    .unwrap();
    let after = api.get("web").await.unwrap();
    assert_eq!(after.spec.unwrap().replicas, Some(5));
    assert_eq!(after.metadata.generation, Some(2));
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_an_owner_collects_its_dependents() {
    let (sim, client) = start(SimConfig::default()).await;
    let api: Api<ConfigMap> = Api::default_namespaced(client);
    let owner = api
        .create(&PostParams::default(), &cm("owner", json!({})))
        .await
        .unwrap();
    let uid = owner.metadata.uid.unwrap();
    let mut child = cm("child", json!({}));
    child.metadata.owner_references = Some(vec![serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid,
    }))
    .unwrap()]);
    api.create(&PostParams::default(), &child).await.unwrap();
    let mut orphan = child.clone();
    orphan.metadata.name = Some("kept".into());
    api.create(&PostParams::default(), &orphan).await.unwrap();

    api.delete("owner", &DeleteParams::default()).await.unwrap();
    assert!(api.get_opt("child").await.unwrap().is_none());
    assert!(api.get_opt("kept").await.unwrap().is_none());

    // With Orphan, the dependent stays and loses its owner reference.
    let owner = api
        .create(&PostParams::default(), &cm("owner2", json!({})))
        .await
        .unwrap();
    let mut dep = cm("dep", json!({}));
    dep.metadata.owner_references = Some(vec![serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap", "name": "owner2", "uid": owner.metadata.uid.unwrap(),
    }))
    .unwrap()]);
    api.create(&PostParams::default(), &dep).await.unwrap();
    api.delete("owner2", &DeleteParams::orphan()).await.unwrap();
    let kept = api.get("dep").await.unwrap();
    assert!(kept
        .metadata
        .owner_references
        .unwrap_or_default()
        .is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn discovery_finds_every_group() {
    let (sim, client) = start(SimConfig::default()).await;
    let discovery = kube::discovery::Discovery::new(client).run().await.unwrap();
    let groups: Vec<String> = discovery.groups().map(|g| g.name().to_string()).collect();
    for g in [
        "",
        "apps",
        "coordination.k8s.io",
        "networking.k8s.io",
        "gateway.networking.k8s.io",
    ] {
        assert!(groups.iter().any(|x| x == g), "{g} missing from {groups:?}");
    }
    let apps = discovery.get("apps").unwrap();
    assert!(apps
        .recommended_resources()
        .iter()
        .any(|(r, _)| r.kind == "Deployment"));
    sim.shutdown().await;
}

fn fast() -> SimConfig {
    SimConfig {
        timing: Timing {
            start: Duration::from_millis(60),
            ready: Duration::from_millis(60),
            tick: Duration::from_millis(10),
            backoff: Duration::from_millis(100),
            stop: Duration::from_millis(50),
        },
        ..SimConfig::default()
    }
}

fn deployment(name: &str, replicas: i32, image: &str, strategy: serde_json::Value) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": name },
        "spec": {
            "replicas": replicas,
            "strategy": strategy,
            "selector": { "matchLabels": { "app": name } },
            "template": { "metadata": { "labels": { "app": name } },
                          "spec": { "containers": [{ "name": "app", "image": image }] } },
        },
    }))
    .unwrap()
}

/// Waits until the Deployment reports a finished rollout of its current generation.
async fn rolled_out(api: &Api<Deployment>, name: &str) -> Deployment {
    for _ in 0..400 {
        let d = api.get(name).await.unwrap();
        let (spec, status) = (
            d.spec.clone().unwrap(),
            d.status.clone().unwrap_or_default(),
        );
        let want = spec.replicas.unwrap_or(1);
        if status.observed_generation >= d.metadata.generation
            && status.updated_replicas == Some(want)
            && status.replicas == Some(want)
            && status.available_replicas == Some(want)
        {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{name} did not roll out");
}

#[tokio::test]
async fn rolling_update_keeps_availability_within_max_unavailable() {
    use k8s_openapi::api::apps::v1::ReplicaSet;
    let (sim, client) = start(fast()).await;
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    let strategy =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}});
    api.create(
        &PostParams::default(),
        &deployment("web", 4, "web:1", strategy),
    )
    .await
    .unwrap();
    rolled_out(&api, "web").await;
    api.patch("web", &PatchParams::default(), &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "web:2"}]}}}})))
        .await
        .unwrap();
    // With maxUnavailable 0 and maxSurge 1: never fewer than 4 available, never more than 5 pods.
    let sets: Api<ReplicaSet> = Api::default_namespaced(client);
    let done = loop {
        let d = api.get("web").await.unwrap();
        let status = d.status.clone().unwrap_or_default();
        let total: i32 = sets
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .map(|rs| rs.spec.as_ref().unwrap().replicas.unwrap_or(0))
            .sum();
        assert!(total <= 5, "{total} pods wanted at once");
        if status.observed_generation == d.metadata.generation {
            assert!(status.available_replicas.unwrap_or(0) >= 4, "{status:?}");
        }
        if status.updated_replicas == Some(4)
            && status.replicas == Some(4)
            && status.available_replicas == Some(4)
            && status.observed_generation == d.metadata.generation
        {
            break d;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let progressing = done
        .status
        .unwrap()
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "Progressing")
        .unwrap();
    assert_eq!(
        progressing.reason.as_deref(),
        Some("NewReplicaSetAvailable")
    );
    let revisions: Vec<String> = sets
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|rs| {
            rs.metadata.annotations.as_ref().unwrap()["deployment.kubernetes.io/revision"].clone()
        })
        .collect();
    assert_eq!(revisions.len(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn recreate_stops_every_old_pod_first_and_paused_holds_the_rollout() {
    use k8s_openapi::api::core::v1::Pod;
    let (sim, client) = start(fast()).await;
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(
        &PostParams::default(),
        &deployment("db", 2, "db:1", json!({"type": "Recreate"})),
    )
    .await
    .unwrap();
    rolled_out(&api, "db").await;
    let pods: Api<Pod> = Api::default_namespaced(client);
    api.patch(
        "db",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"paused": true}})),
    )
    .await
    .unwrap();
    api.patch("db", &PatchParams::default(), &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "db:2"}]}}}})))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let images: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|p| {
            p.spec.as_ref().unwrap().containers[0]
                .image
                .clone()
                .unwrap()
        })
        .collect();
    assert_eq!(
        images,
        ["db:1", "db:1"],
        "a paused Deployment does not roll"
    );
    let d = api.get("db").await.unwrap();
    let cond = d
        .status
        .unwrap()
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "Progressing")
        .unwrap();
    assert_eq!(cond.reason.as_deref(), Some("DeploymentPaused"));

    api.patch(
        "db",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"paused": false}})),
    )
    .await
    .unwrap();
    // Recreate: no moment with old and new pods together.
    loop {
        let images: Vec<String> = pods
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .map(|p| {
                p.spec.as_ref().unwrap().containers[0]
                    .image
                    .clone()
                    .unwrap()
            })
            .collect();
        assert!(
            !(images.contains(&"db:1".to_string()) && images.contains(&"db:2".to_string())),
            "{images:?}"
        );
        if images == ["db:2", "db:2"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    rolled_out(&api, "db").await;
    sim.shutdown().await;
}

fn misbehaving(toml: &str) -> SimConfig {
    SimConfig {
        scenario: Scenario::parse(toml).unwrap(),
        ..fast()
    }
}

/// The first pod of the Deployment's newest ReplicaSet, once `check` holds for it.
async fn pod_where(
    client: &Client,
    check: impl Fn(&k8s_openapi::api::core::v1::Pod) -> bool,
) -> k8s_openapi::api::core::v1::Pod {
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::default_namespaced(client.clone());
    for _ in 0..400 {
        if let Some(p) = pods
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|p| check(p))
        {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no pod reached the expected state");
}

fn waiting_reason(p: &k8s_openapi::api::core::v1::Pod) -> Option<String> {
    p.status.as_ref()?.container_statuses.as_ref()?[0]
        .state
        .as_ref()?
        .waiting
        .as_ref()?
        .reason
        .clone()
}

#[tokio::test]
async fn a_crashing_image_never_completes_its_rollout_and_reports_crash_loop_back_off() {
    let (sim, client) = start(misbehaving(
        // It crashes (30 ms) before its readiness delay (60 ms): never available.
        "[[image]]\nmatch = \"web:bad*\"\ncrash_after = \"30ms\"\n",
    ))
    .await;
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(
        &PostParams::default(),
        &deployment("web", 2, "web:bad", json!({})),
    )
    .await
    .unwrap();
    let crashing = pod_where(&client, |p| {
        waiting_reason(p).as_deref() == Some("CrashLoopBackOff")
            && p.status
                .as_ref()
                .unwrap()
                .container_statuses
                .as_ref()
                .unwrap()[0]
                .restart_count
                >= 2
    })
    .await;
    let status = &crashing
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    let last = status
        .last_state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .unwrap();
    assert_eq!((last.exit_code, last.reason.as_deref()), (1, Some("Error")));
    assert!(status
        .state
        .as_ref()
        .unwrap()
        .waiting
        .as_ref()
        .unwrap()
        .message
        .as_ref()
        .unwrap()
        .starts_with("back-off "));
    let d = api.get("web").await.unwrap();
    let st = d.status.unwrap();
    assert_ne!(
        st.available_replicas,
        Some(2),
        "a crash-looping rollout must not complete"
    );
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::default_namespaced(client);
    let reasons: Vec<String> = events
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|e| e.reason)
        .collect();
    for r in [
        "Scheduled",
        "Pulled",
        "Created",
        "Started",
        "BackOff",
        "SuccessfulCreate",
        "ScalingReplicaSet",
    ] {
        assert!(
            reasons.iter().any(|x| x == r),
            "no {r} event in {reasons:?}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn image_pull_errors_oom_and_never_ready() {
    let scenario = "[[image]]\nmatch = \"gone:*\"\npull_error = true\n\n[[image]]\nmatch = \"hungry:*\"\ncrash_after = \"50ms\"\noom = true\n\n[[image]]\nmatch = \"shy:*\"\nnever_ready = true\n";
    let (sim, client) = start(misbehaving(scenario)).await;
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    for (name, image) in [("gone", "gone:1"), ("hungry", "hungry:1"), ("shy", "shy:1")] {
        api.create(
            &PostParams::default(),
            &deployment(name, 1, image, json!({})),
        )
        .await
        .unwrap();
    }
    let image = |p: &k8s_openapi::api::core::v1::Pod| {
        p.spec.as_ref().unwrap().containers[0]
            .image
            .clone()
            .unwrap_or_default()
    };
    let gone = pod_where(&client, |p| {
        image(p) == "gone:1" && waiting_reason(p).as_deref() == Some("ImagePullBackOff")
    })
    .await;
    assert_eq!(gone.status.unwrap().phase.as_deref(), Some("Pending"));
    let hungry = pod_where(&client, |p| {
        image(p) == "hungry:1"
            && p.status
                .as_ref()
                .unwrap()
                .container_statuses
                .as_ref()
                .is_some_and(|s| {
                    s[0].last_state
                        .as_ref()
                        .and_then(|l| l.terminated.as_ref())
                        .is_some()
                })
    })
    .await;
    let last = hungry.status.unwrap().container_statuses.unwrap()[0]
        .last_state
        .clone()
        .unwrap()
        .terminated
        .unwrap();
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (137, Some("OOMKilled"))
    );
    let shy = pod_where(&client, |p| {
        image(p) == "shy:1" && p.status.as_ref().unwrap().phase.as_deref() == Some("Running")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::default_namespaced(client);
    let shy = pods
        .get(shy.metadata.name.as_deref().unwrap())
        .await
        .unwrap();
    let ready = shy
        .status
        .unwrap()
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert_eq!(ready.status, "False");
    sim.shutdown().await;
}

#[tokio::test]
async fn injected_throttling_is_answered_429_with_retry_after() {
    let (sim, _client) = start(misbehaving(
        "[api]\nthrottle_rate = 1.0\nretry_after = \"2s\"\n",
    ))
    .await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    conn.write_all(b"GET /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).await.unwrap();
    let text = text.to_lowercase();
    assert!(text.starts_with("http/1.1 429"), "{text}");
    assert!(text.contains("retry-after: 2\r\n"), "{text}");
    assert!(text.contains("\"reason\":\"toomanyrequests\""), "{text}");
    assert!(text.contains("\"retryafterseconds\":2"), "{text}");
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_a_running_pod_stops_it_gracefully() {
    use k8s_openapi::api::core::v1::{Event, Pod};
    let (sim, client) = start(fast()).await;
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    api.create(
        &PostParams::default(),
        &deployment("web", 1, "web:1", json!({})),
    )
    .await
    .unwrap();
    rolled_out(&api, "web").await;
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let pod = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .remove(0);
    let name = pod.metadata.name.clone().unwrap();
    let answer = pods.delete(&name, &DeleteParams::default()).await.unwrap();
    let marked = answer
        .left()
        .expect("a pod being deleted is returned, not a Status");
    assert!(marked.metadata.deletion_timestamp.is_some());
    assert_eq!(marked.metadata.deletion_grace_period_seconds, Some(30));
    // The ReplicaSet replaces it at once; the old one goes once stopped.
    for _ in 0..200 {
        if pods.get_opt(&name).await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        pods.get_opt(&name).await.unwrap().is_none(),
        "the stopped pod is removed"
    );
    rolled_out(&api, "web").await;
    let events: Api<Event> = Api::default_namespaced(client);
    let killing = events
        .list(&ListParams::default().fields("reason=Killing"))
        .await
        .unwrap();
    assert_eq!(
        killing.items[0].message.as_deref(),
        Some("Stopping container app")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_bad_delete_option_in_deletecollection_deletes_nothing() {
    let (sim, client) = start(SimConfig::default()).await;
    let api: Api<ConfigMap> = Api::default_namespaced(client);
    for n in ["a", "b"] {
        api.create(&PostParams::default(), &cm(n, json!({"app": "x"})))
            .await
            .unwrap();
    }
    let url = format!(
        "{}/api/v1/namespaces/default/configmaps?propagationPolicy=Sideways",
        sim.url()
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    let path = url.trim_start_matches(&sim.url()).to_string();
    conn.write_all(
        format!("DELETE {path} HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut text = String::new();
    conn.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert_eq!(
        api.list(&ListParams::default()).await.unwrap().items.len(),
        2
    );
    sim.shutdown().await;
}
