//! The values of the Secrets a run changed, so notifications can mask them:
//! what each held before (the run's record of it) and what it holds now
//! (read back from the cluster, since the record keeps only the prior state).

use crate::drivers::kube::{Cluster, K8sError};
use base64::Engine as _;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use serde_json::Value;

/// One change the run made to a Secret, as its record tells it.
pub struct SecretChange<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    /// Its place in the run's record: a later change has a higher one.
    pub seq: u64,
    /// The Secret before the change (None: it did not exist).
    pub prior: Option<&'a Value>,
}

/// The Secrets changed: (namespace, name, seq of the latest change).
pub fn changed(changes: &[SecretChange]) -> Vec<(String, String, u64)> {
    let mut out: Vec<(String, String, u64)> = Vec::new();
    for e in changes {
        match out
            .iter_mut()
            .find(|(n, m, _)| *n == e.namespace && *m == e.name)
        {
            Some(found) => found.2 = found.2.max(e.seq),
            None => out.push((e.namespace.to_string(), e.name.to_string(), e.seq)),
        }
    }
    out
}

/// Every value the Secrets held before the run changed them.
pub fn prior_values(changes: &[SecretChange]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|e| e.prior)
        .flat_map(values_of)
        .collect()
}

/// The values Secret `namespace`/`name` holds now (none when it is gone).
pub async fn live_values(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Vec<String>, K8sError> {
    let api: Api<Secret> = Api::namespaced(cluster.client.clone(), namespace);
    let secret = api
        .get_opt(name)
        .await
        .map_err(|e| K8sError::new(format!("reading secret/{name} in {namespace}: {e}")))?;
    Ok(secret
        .and_then(|s| serde_json::to_value(s).ok())
        .map(|v| values_of(&v))
        .unwrap_or_default())
}

/// A Secret object's values: `stringData` as is, `data` both base64 and decoded.
pub fn values_of(secret: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(map) = secret["stringData"].as_object() {
        out.extend(map.values().filter_map(Value::as_str).map(str::to_string));
    }
    if let Some(map) = secret["data"].as_object() {
        for encoded in map.values().filter_map(Value::as_str) {
            out.push(encoded.to_string());
            out.push(encoded.trim_end_matches('=').to_string());
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) {
                if let Ok(text) = String::from_utf8(bytes) {
                    out.push(text);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::values_of;
    use serde_json::json;

    #[test]
    fn data_is_decoded_and_string_data_kept() {
        let v = values_of(&json!({"data": {"a": "aHVudGVyMg=="}, "stringData": {"b": "plain"}}));
        assert_eq!(v, ["plain", "aHVudGVyMg==", "aHVudGVyMg", "hunter2"]);
    }
}
