//! OpenAPI v3, as much as kubectl needs: the index at /openapi/v3 and one
//! document per group/version whose paths say which query parameters each
//! write accepts (kubectl checks for `fieldValidation` there) and whose schemas
//! name every kind. Field-level schemas are open (`x-kubernetes-preserve-unknown-fields`).

use crate::resources::{self, Resource, RESOURCES};
use serde_json::{json, Map, Value};

/// The group/versions, as "api/v1" and "apis/GROUP/VERSION".
fn group_versions() -> Vec<(String, &'static str, &'static str)> {
    let mut out = vec![("api/v1".to_string(), "", "v1")];
    out.extend(
        resources::groups()
            .into_iter()
            .map(|(g, v)| (format!("apis/{g}/{v}"), g, v)),
    );
    out
}

/// A stable hash of a document, for `?hash=` in the index (clients cache by it).
fn hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016X}")
}

pub fn index() -> Value {
    let mut paths = Map::new();
    for (path, group, version) in group_versions() {
        let doc = document(group, version).to_string();
        paths.insert(
            path.clone(),
            json!({ "serverRelativeURL": format!("/openapi/v3/{path}?hash={}", hash(&doc)) }),
        );
    }
    json!({ "paths": paths })
}

fn schema_name(r: &Resource) -> String {
    let group = match r.group {
        "" => "core".to_string(),
        g => g.split('.').next().unwrap_or(g).to_string(),
    };
    format!("io.k8s.api.{group}.{}.{}", r.version, r.kind)
}

fn gvk(r: &Resource) -> Value {
    json!([{ "group": r.group, "version": r.version, "kind": r.kind }])
}

fn parameters(names: &[&str]) -> Value {
    names
        .iter()
        .map(|n| json!({ "name": n, "in": "query", "schema": { "type": "string", "uniqueItems": true } }))
        .collect()
}

fn operation(r: &Resource, action: &str, params: &[&str]) -> Value {
    json!({
        "operationId": format!("{action}{}", r.kind),
        "parameters": parameters(params),
        "responses": { "200": { "description": "OK" } },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk(r)[0],
    })
}

/// The OpenAPI document of one group/version, or `None` when it is not served.
pub fn document(group: &str, version: &str) -> Value {
    let prefix = if group.is_empty() {
        "/api/v1".to_string()
    } else {
        format!("/apis/{group}/{version}")
    };
    let write = ["dryRun", "fieldManager", "fieldValidation", "pretty"];
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let base = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", r.plural)
        } else {
            format!("{prefix}/{}", r.plural)
        };
        paths.insert(
            base.clone(),
            json!({
                "get": operation(r, "list", &["labelSelector", "fieldSelector", "limit", "continue", "watch", "resourceVersion"]),
                "post": operation(r, "post", &write),
                "delete": operation(r, "deletecollection", &["labelSelector", "fieldSelector", "dryRun", "propagationPolicy"]),
            }),
        );
        paths.insert(
            format!("{base}/{{name}}"),
            json!({
                "get": operation(r, "get", &["pretty"]),
                "put": operation(r, "put", &write),
                "patch": operation(r, "patch", &["dryRun", "fieldManager", "fieldValidation", "force", "pretty"]),
                "delete": operation(r, "delete", &["dryRun", "gracePeriodSeconds", "propagationPolicy"]),
            }),
        );
        schemas.insert(
            schema_name(r),
            json!({
                "description": format!("{} ({}), as served by the orion simulated cluster.", r.kind, r.api_version()),
                "type": "object",
                "properties": {
                    "apiVersion": { "description": "APIVersion defines the versioned schema of this representation of an object.", "type": "string" },
                    "kind": { "description": "Kind is a string value representing the REST resource this object represents.", "type": "string" },
                    "metadata": { "description": "Standard object's metadata.", "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                },
                "x-kubernetes-preserve-unknown-fields": true,
                "x-kubernetes-group-version-kind": gvk(r),
            }),
        );
    }
    json!({
        "openapi": "3.0.0",
        "info": { "title": "Kubernetes", "version": "v1.32.0-orion-sim" },
        "paths": paths,
        "components": { "schemas": schemas },
    })
}

/// The document for a path under /openapi/v3/ ("apis/apps/v1").
pub fn document_at(path: &str) -> Option<Value> {
    let (_, group, version) = group_versions()
        .into_iter()
        .find(|(p, _, _)| p == path.trim_matches('/'))?;
    Some(document(group, version))
}

#[cfg(test)]
mod tests {
    use super::{document_at, index};

    #[test]
    fn index_and_documents_cover_every_group_version() {
        let idx = index();
        assert!(idx["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap()
            .starts_with("/openapi/v3/apis/apps/v1?hash="));
        let apps = document_at("apis/apps/v1").unwrap();
        let post = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["post"];
        assert!(post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation"));
        assert_eq!(
            apps["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
                ["x-kubernetes-group-version-kind"][0]["kind"],
            "Deployment"
        );
        assert!(document_at("apis/nope/v1").is_none());
    }
}
