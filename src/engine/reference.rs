//! The reference of every function orion registers, read back from the engine's
//! own metadata so it cannot drift from the code.

use crate::engine::stdlib;
use rhai::{Engine, FnAccess};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FnDoc {
    /// `None` for global functions, else the namespace (`target`, or `retry`
    /// for a stdlib module imported as `retry`).
    pub namespace: Option<String>,
    /// For stdlib functions: the import path (`orion/retry`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    pub name: String,
    /// As a playbook author reads it: `sleep(duration: string)`.
    pub signature: String,
    pub doc: String,
}

/// Every function registered by orion (not Rhai's built-ins), sorted by
/// namespace (globals first) and name.
pub fn functions(engine: &Engine) -> Vec<FnDoc> {
    let json = engine.gen_fn_metadata_to_json(false).unwrap_or_default();
    let root: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    let mut out = Vec::new();
    collect(None, &root["functions"], &mut out);
    if let Some(modules) = root["modules"].as_object() {
        for (ns, module) in modules {
            collect(Some(ns), &module["functions"], &mut out);
        }
    }
    out.sort_by(|a, b| {
        (&a.namespace, &a.name, &a.signature).cmp(&(&b.namespace, &b.name, &b.signature))
    });
    out
}

fn collect(namespace: Option<&str>, functions: &Value, out: &mut Vec<FnDoc>) {
    let Some(functions) = functions.as_array() else {
        return;
    };
    for f in functions {
        let name = f["name"].as_str().unwrap_or_default().to_string();
        let params: Vec<String> = f["params"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        let ty = friendly(p["type"].as_str().unwrap_or("?"));
                        match p["name"].as_str() {
                            Some(n) => format!("{n}: {ty}"),
                            None => ty,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ret = match f["returnType"].as_str().map(friendly) {
            Some(r) if r != "()" => format!(" -> {r}"),
            _ => String::new(),
        };
        let prefix = namespace.map(|ns| format!("{ns}::")).unwrap_or_default();
        let doc = f["docComments"]
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|l| l.trim_start_matches("///").trim())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        out.push(FnDoc {
            namespace: namespace.map(str::to_string),
            module: None,
            signature: format!("{prefix}{name}({}){ret}", params.join(", ")),
            name,
            doc,
        });
    }
}

/// The public functions of every stdlib module, named as after
/// `import "orion/NAME" as NAME;`.
pub fn stdlib_functions(engine: &Engine) -> Vec<FnDoc> {
    let mut out = Vec::new();
    for module in stdlib::names() {
        let name = module.trim_start_matches(stdlib::PREFIX);
        let alias = name.rsplit('/').next().unwrap_or(name);
        let Some(ast) = stdlib::get(name).and_then(|text| engine.compile(text).ok()) else {
            continue;
        };
        for f in ast
            .iter_functions()
            .filter(|f| f.access != FnAccess::Private)
        {
            let doc = f
                .comments
                .iter()
                .flat_map(|c| c.lines())
                .map(|l| l.trim().trim_start_matches("///").trim())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(FnDoc {
                namespace: Some(alias.to_string()),
                module: Some(module.clone()),
                name: f.name.to_string(),
                signature: format!("{alias}::{}({})", f.name, f.params.join(", ")),
                doc,
            });
        }
    }
    out
}

/// Rust type names as a playbook author knows them.
fn friendly(ty: &str) -> String {
    match ty.trim() {
        "&str" | "ImmutableString" | "String" | "&mut ImmutableString" => "string",
        "i64" | "INT" => "int",
        "f64" | "FLOAT" => "float",
        "bool" => "bool",
        "?" | "Dynamic" => "any",
        "FnPtr" => "closure",
        "Map" | "rhai::Map" => "map",
        "Array" | "rhai::Array" => "array",
        other => other,
    }
    .to_string()
}
