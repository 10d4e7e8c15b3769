//! `pod-template-hash`: a short, stable name for a pod template, as the
//! deployment controller labels its ReplicaSets and pods with.

use serde_json::Value;

/// The alphabet of k8s.io/apimachinery `rand.SafeEncodeString` (no vowels, no
/// look-alike digits, so a hash never spells a word).
const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The template without what does not change its meaning: the hash label
/// itself, nulls and empty maps or lists (clients serialise typed objects with
/// `creationTimestamp: null`, `resources: {}` and the like).
pub fn normalized(template: &Value) -> Value {
    let mut t = prune(template).unwrap_or(Value::Null);
    if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
    }
    prune(&t).unwrap_or(Value::Null)
}

fn prune(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let kept: serde_json::Map<String, Value> = m
                .iter()
                .filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(a) if a.is_empty() => None,
        Value::Array(a) => Some(Value::Array(
            a.iter().map(|v| prune(v).unwrap_or(Value::Null)).collect(),
        )),
        other => Some(other.clone()),
    }
}

/// FNV-32a of the normalized template, safe-encoded as the real controller does.
pub fn template_hash(template: &Value) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for b in serde_json::to_string(&normalized(template))
        .unwrap_or_default()
        .bytes()
    {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.to_string()
        .bytes()
        .map(|b| SAFE[usize::from(b) % SAFE.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::template_hash;
    use serde_json::json;

    #[test]
    fn stable_and_sensitive() {
        let a = json!({"spec": {"containers": [{"name": "web", "image": "a:1"}]}});
        let b = json!({"spec": {"containers": [{"name": "web", "image": "a:2"}]}});
        assert_eq!(template_hash(&a), template_hash(&a.clone()));
        assert_ne!(template_hash(&a), template_hash(&b));
        assert!(template_hash(&a).bytes().all(|c| super::SAFE.contains(&c)));
        let noisy = json!({"metadata": {"creationTimestamp": null, "labels": {"pod-template-hash": "x"}}, "spec": {"containers": [{"name": "web", "image": "a:1", "resources": {}}]}});
        assert_eq!(template_hash(&noisy), template_hash(&a));
    }
}
