//! The kubeconfig that points kubectl and kube-rs at a simulated cluster
//! (context `orion-sim`). JSON is valid YAML, so both read it as it is.

use serde_json::{json, Value};

pub const CONTEXT: &str = "orion-sim";

pub fn kubeconfig(server_url: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{ "name": CONTEXT, "cluster": { "server": server_url } }],
        "users": [{ "name": CONTEXT, "user": { "token": "orion-sim" } }],
        "contexts": [{ "name": CONTEXT, "context": { "cluster": CONTEXT, "user": CONTEXT, "namespace": "default" } }],
        "current-context": CONTEXT,
        "preferences": {},
    })
}
