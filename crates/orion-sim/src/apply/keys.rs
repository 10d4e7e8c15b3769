//! List semantics: which lists are merged by key (`+listType=map`), which are
//! sets of primitives (`+listType=set`), and which are atomic (the default).

use serde_json::Value;

use super::path::PathElement;

/// One merge-key field, with the schema default used when it is omitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyField {
    /// Field name inside the item.
    pub name: &'static str,
    /// String default applied when the item omits the field.
    pub default: Option<&'static str>,
}

/// How a JSON array node is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListType {
    /// Owned and replaced as a whole.
    Atomic,
    /// Items are primitive values, tracked as `v:<json>`.
    Set,
    /// Items are objects, tracked as `k:{...}` by these fields.
    Keyed(&'static [KeyField]),
}

const fn key(name: &'static str) -> KeyField {
    KeyField {
        name,
        default: None,
    }
}

const NAME: &[KeyField] = &[key("name")];
const CONTAINER_PORT: &[KeyField] = &[
    key("containerPort"),
    KeyField {
        name: "protocol",
        default: Some("TCP"),
    },
];
const SERVICE_PORT: &[KeyField] = &[
    key("port"),
    KeyField {
        name: "protocol",
        default: Some("TCP"),
    },
];
const MOUNT_PATH: &[KeyField] = &[key("mountPath")];
const DEVICE_PATH: &[KeyField] = &[key("devicePath")];
const IP: &[KeyField] = &[key("ip")];
const UID: &[KeyField] = &[key("uid")];
const TYPE: &[KeyField] = &[key("type")];
const SPREAD: &[KeyField] = &[key("topologyKey"), key("whenUnsatisfiable")];

const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// Classifies the array node at `names` (field-name chain from the root).
pub fn list_type(kind: &str, names: &[String]) -> ListType {
    let Some(last) = names.last().map(String::as_str) else {
        return ListType::Atomic;
    };
    let parent = names
        .len()
        .checked_sub(2)
        .and_then(|i| names.get(i))
        .map(String::as_str);
    match (parent, last) {
        (_, "containers" | "initContainers" | "ephemeralContainers") => ListType::Keyed(NAME),
        (_, "volumes" | "imagePullSecrets" | "env" | "resourceClaims" | "schedulingGates") => {
            ListType::Keyed(NAME)
        }
        (Some("resources"), "claims") => ListType::Keyed(NAME),
        (Some(p), "ports") if CONTAINER_LISTS.contains(&p) => ListType::Keyed(CONTAINER_PORT),
        (Some("spec"), "ports") if kind == "Service" && names.len() == 2 => {
            ListType::Keyed(SERVICE_PORT)
        }
        (_, "volumeMounts") => ListType::Keyed(MOUNT_PATH),
        (_, "volumeDevices") => ListType::Keyed(DEVICE_PATH),
        (_, "hostAliases") => ListType::Keyed(IP),
        (Some("status"), "podIPs") => ListType::Keyed(IP),
        (_, "topologySpreadConstraints") => ListType::Keyed(SPREAD),
        (Some("metadata"), "ownerReferences") => ListType::Keyed(UID),
        (Some("metadata"), "finalizers") => ListType::Set,
        (Some("status"), "conditions") if kind != "Job" => ListType::Keyed(TYPE),
        _ => ListType::Atomic,
    }
}

/// The path element naming `item` (at position `index`) in a list of type `lt`.
pub fn item_element(lt: ListType, item: &Value, index: usize) -> Result<PathElement, String> {
    match lt {
        ListType::Atomic => Ok(PathElement::Index(index)),
        ListType::Set => match item {
            Value::Object(_) => {
                Err("associative list without keys has an element that's a map type".into())
            }
            Value::Array(_) => {
                Err("associative list without keys has an element that's a list type".into())
            }
            scalar => Ok(PathElement::value(scalar)),
        },
        ListType::Keyed(fields) => {
            let Value::Object(map) = item else {
                return Err("associative list with keys may not have non-map elements".into());
            };
            let mut pairs = Vec::with_capacity(fields.len());
            for f in fields {
                match (map.get(f.name), f.default) {
                    (Some(v), _) => pairs.push((f.name, v.clone())),
                    (None, Some(d)) => pairs.push((f.name, Value::String(d.to_string()))),
                    (None, None) => {
                        return Err(format!(
                            "associative list with keys has an element that omits key field {:?} (and doesn't have default value)",
                            f.name
                        ));
                    }
                }
            }
            Ok(PathElement::key(&pairs))
        }
    }
}

/// Like [`item_element`], but never fails: a malformed item falls back to its index.
pub fn item_element_lenient(lt: ListType, item: &Value, index: usize) -> PathElement {
    item_element(lt, item, index).unwrap_or(PathElement::Index(index))
}
