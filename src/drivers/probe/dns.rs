//! DNS: a name resolves (through the system's resolver, as the services'
//! clients would).

use serde_json::{json, Map, Value};

pub async fn probe(name: &str) -> Result<Map<String, Value>, String> {
    let addresses: Vec<String> = tokio::net::lookup_host((name, 0))
        .await
        .map_err(|e| format!("does not resolve: {e}"))?
        .map(|a| a.ip().to_string())
        .collect();
    if addresses.is_empty() {
        return Err("resolves to no address".into());
    }
    let mut found = Map::new();
    found.insert("addresses".into(), json!(addresses));
    Ok(found)
}
