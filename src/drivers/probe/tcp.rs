//! TCP: a connection is accepted.

use serde_json::{json, Map, Value};

pub async fn probe(address: &str) -> Result<Map<String, Value>, String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut found = Map::new();
    found.insert("address".into(), json!(peer));
    Ok(found)
}
