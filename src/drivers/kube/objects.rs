//! Reading and writing objects of any kind, as JSON, with retries.

use crate::drivers::kube::error::K8sError;
use crate::drivers::kube::kinds::Kind;
use crate::drivers::kube::retry::retry;
use crate::drivers::kube::Cluster;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde_json::Value;

fn api(cluster: &Cluster, kind: &Kind, ns: Option<&str>) -> Api<DynamicObject> {
    match (kind.namespaced, ns) {
        (true, Some(ns)) => Api::namespaced_with(cluster.client.clone(), ns, &kind.resource),
        (true, None) => Api::all_with(cluster.client.clone(), &kind.resource),
        (false, _) => Api::all_with(cluster.client.clone(), &kind.resource),
    }
}

fn value(o: DynamicObject) -> Value {
    serde_json::to_value(o).unwrap_or(Value::Null)
}

fn label(kind: &Kind, name: &str) -> String {
    format!("{}/{name}", kind.resource.kind.to_ascii_lowercase())
}

/// The object, or None when there is none of that name.
pub async fn get(
    cluster: &Cluster,
    kind: &Kind,
    ns: &str,
    name: &str,
) -> Result<Option<Value>, K8sError> {
    let api = api(cluster, kind, Some(ns));
    match retry(&format!("reading {}", label(kind, name)), || api.get(name)).await {
        Ok(o) => Ok(Some(value(o))),
        Err(e) if e.not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Objects matching a label selector ("" for all), in `ns` or everywhere.
pub async fn list(
    cluster: &Cluster,
    kind: &Kind,
    ns: Option<&str>,
    selector: &str,
) -> Result<Vec<Value>, K8sError> {
    let api = api(cluster, kind, ns);
    let params = ListParams::default().labels(selector);
    let what = format!("listing {}", kind.resource.plural);
    let list = retry(&what, || api.list(&params)).await?;
    Ok(list.items.into_iter().map(value).collect())
}

/// How a write changes an object.
#[derive(Debug, Clone)]
pub enum Change {
    Create(Value),
    /// Server-side apply of this configuration, as field manager "orion".
    Apply(Value),
    /// A strategic-merge patch (merge patch for kinds without a schema).
    Merge(Value),
    /// An RFC 6902 JSON patch.
    Json(Value),
    Delete,
}

/// Makes the change; with `dry_run`, the server checks it and changes nothing.
pub async fn write(
    cluster: &Cluster,
    kind: &Kind,
    ns: &str,
    name: &str,
    change: &Change,
    dry_run: bool,
) -> Result<Value, K8sError> {
    let api = api(cluster, kind, Some(ns));
    let what = label(kind, name);
    let pp = PatchParams {
        field_manager: Some("orion".into()),
        dry_run,
        ..PatchParams::default()
    };
    match change {
        Change::Create(object) => {
            let object: DynamicObject = serde_json::from_value(object.clone())
                .map_err(|e| K8sError::new(format!("creating {what}: not an object: {e}")))?;
            let pp = PostParams {
                dry_run,
                field_manager: Some("orion".into()),
            };
            retry(&format!("creating {what}"), || api.create(&pp, &object))
                .await
                .map(value)
        }
        Change::Apply(object) => {
            // orion is the authority on what it applies: it takes over fields
            // another manager (kubectl, a previous tool) set.
            let forced = PatchParams {
                force: true,
                ..pp.clone()
            };
            let p = Patch::Apply(object.clone());
            retry(&format!("applying {what}"), || api.patch(name, &forced, &p))
                .await
                .map(value)
        }
        Change::Merge(patch) => {
            let p = if kind.resource.group.is_empty() || kind.resource.group == "apps" {
                Patch::Strategic(patch.clone())
            } else {
                Patch::Merge(patch.clone())
            };
            retry(&format!("changing {what}"), || api.patch(name, &pp, &p))
                .await
                .map(value)
        }
        Change::Json(ops) => {
            let ops: json_patch::Patch = serde_json::from_value(ops.clone())
                .map_err(|e| K8sError::new(format!("changing {what}: not a JSON patch: {e}")))?;
            let p = Patch::<()>::Json(ops);
            retry(&format!("changing {what}"), || api.patch(name, &pp, &p))
                .await
                .map(value)
        }
        Change::Delete => {
            let dp = DeleteParams {
                dry_run,
                ..DeleteParams::background()
            };
            retry(&format!("deleting {what}"), || api.delete(name, &dp))
                .await
                .map(|either| {
                    either.map_left(value).either(
                        |o| o,
                        |status| serde_json::to_value(status).unwrap_or(Value::Null),
                    )
                })
        }
    }
}
