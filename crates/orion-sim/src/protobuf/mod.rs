//! Request bodies in Kubernetes protobuf, which kubectl's typed clients send
//! (`kubectl create deployment`, `create configmap`, `create secret` ...).
//! The body is `k8s\0` and a `runtime.Unknown` holding the apiVersion, kind
//! and the object's own bytes; it is turned into the JSON the store keeps.

mod decode;
mod schema;
mod wire;

use schema::Schema;
use serde_json::{Map, Value};
use wire::{Reader, Wire};

pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

const MAGIC: &[u8] = b"k8s\0";

/// The object in a protobuf request body, as JSON.
pub fn to_json(body: &[u8]) -> Result<Value, String> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or("the body does not start with the Kubernetes protobuf prefix \"k8s\\0\"")?;
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    let mut reader = Reader::new(envelope);
    while let Some((number, wire)) = reader.next_field()? {
        match (number, wire) {
            (1, Wire::Bytes(type_meta)) => {
                let mut r = Reader::new(type_meta);
                while let Some((n, w)) = r.next_field()? {
                    if let (1 | 2, Wire::Bytes(b)) = (n, w) {
                        let text = String::from_utf8_lossy(b).into_owned();
                        if n == 1 {
                            api_version = text;
                        } else {
                            kind = text;
                        }
                    }
                }
            }
            (2, Wire::Bytes(b)) => raw = b,
            (3, Wire::Bytes(encoding)) if !encoding.is_empty() => {
                return Err(format!(
                    "content encoding {:?} is not supported",
                    String::from_utf8_lossy(encoding)
                ))
            }
            _ => {}
        }
    }
    if kind.is_empty() {
        return Err("the body names no kind".into());
    }
    let schema = Schema::builtin().map_err(str::to_string)?;
    if schema.message(&kind).is_none() {
        return Err(format!(
            "the simulated cluster does not read {kind} in protobuf; send it as JSON"
        ));
    }
    let Value::Object(fields) = decode::message(schema, &kind, raw)? else {
        return Err(format!("{kind} did not decode to an object"));
    };
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String(api_version));
    object.insert("kind".into(), Value::String(kind));
    object.extend(fields);
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A minimal encoder, enough to write the bodies kubectl writes.
    fn field(number: u32, bytes: &[u8]) -> Vec<u8> {
        let mut out = varint(u64::from(number) << 3 | 2);
        out.extend(varint(bytes.len() as u64));
        out.extend_from_slice(bytes);
        out
    }

    fn number(number: u32, value: u64) -> Vec<u8> {
        let mut out = varint(u64::from(number) << 3);
        out.extend(varint(value));
        out
    }

    fn varint(mut v: u64) -> Vec<u8> {
        let mut out = vec![];
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = [field(1, api_version.as_bytes()), field(2, kind.as_bytes())].concat();
        let unknown = [field(1, &type_meta), field(2, raw)].concat();
        [MAGIC, &unknown].concat()
    }

    fn entry(k: &str, v: &[u8]) -> Vec<u8> {
        [field(1, k.as_bytes()), field(2, v)].concat()
    }

    #[test]
    fn a_configmap_as_kubectl_create_sends_it() {
        // Go writes every non-pointer field: empty namespace, zero time and all.
        let meta = [
            field(1, b"settings"),
            field(2, b""),
            field(3, b""),
            number(7, 0),
            field(8, &[]),
            field(11, &entry("app", b"web")),
        ]
        .concat();
        let raw = [
            field(1, &meta),
            field(2, &entry("mode", b"fast")),
            field(2, &entry("empty", b"")),
            field(3, &entry("blob", &[0, 255])),
        ]
        .concat();
        let body = envelope("v1", "ConfigMap", &raw);
        assert_eq!(
            to_json(&body).unwrap(),
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "settings", "labels": {"app": "web"}},
                "data": {"mode": "fast", "empty": ""},
                "binaryData": {"blob": "AP8="},
            })
        );
    }

    #[test]
    fn pointer_zeros_stay_and_int_or_string_and_time_decode() {
        let rolling = [
            field(1, &[number(1, 1), field(3, b"25%")].concat()),
            field(2, &[number(1, 0), number(2, 0)].concat()),
        ]
        .concat();
        let strategy = [field(1, b"RollingUpdate"), field(2, &rolling)].concat();
        let spec = [number(1, 0), field(4, &strategy), number(7, 0)].concat();
        let meta = [
            field(1, b"web"),
            field(8, &[number(1, 1_700_000_000)].concat()),
        ]
        .concat();
        let body = envelope(
            "apps/v1",
            "Deployment",
            &[field(1, &meta), field(2, &spec)].concat(),
        );
        let v = to_json(&body).unwrap();
        assert_eq!(
            v["spec"]["replicas"],
            json!(0),
            "replicas is a pointer: 0 was asked for"
        );
        assert!(
            v["spec"].get("paused").is_none(),
            "paused=false is Go's zero value"
        );
        assert_eq!(
            v["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 0}})
        );
        assert_eq!(
            v["metadata"]["creationTimestamp"],
            json!("2023-11-14T22:13:20Z")
        );
    }

    #[test]
    fn unknown_fields_and_kinds_are_refused_not_dropped() {
        let body = envelope("v1", "ConfigMap", &field(99, b"x"));
        let e = to_json(&body).unwrap_err();
        assert!(e.contains("field 99 of ConfigMap"), "{e}");
        let e = to_json(&envelope("batch/v1", "Job", &[])).unwrap_err();
        assert!(e.contains("does not read Job in protobuf"), "{e}");
        let e = to_json(b"{}").unwrap_err();
        assert!(e.contains("prefix"), "{e}");
        let mut cut = envelope("v1", "ConfigMap", &field(1, &field(1, b"x")));
        cut.pop();
        assert!(to_json(&cut).is_err());
    }
}
