//! The message table the decoder follows: for each Kubernetes message, its
//! field numbers, JSON names and types, read from `schema.txt`.
//!
//! A line of `schema.txt` is `<number> <jsonName> <type> [ptr] [inline]`
//! under a `message <Name>` line. `[]T` is a repeated field, `map<string,T>`
//! a map. `ptr` marks a Go pointer field, whose zero value is kept because it
//! was set on purpose; `inline` a struct whose fields sit in its parent's JSON.

use super::decode::SPECIAL;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ty {
    String,
    Bytes,
    Int32,
    Int64,
    Bool,
    Double,
    /// Any message, including the special ones (Time, Quantity, IntOrString...).
    Message(String),
    Map(Box<Ty>),
}

#[derive(Debug, Clone)]
pub(super) struct Field {
    pub name: String,
    pub ty: Ty,
    pub repeated: bool,
    pub ptr: bool,
    pub inline: bool,
}

pub(super) type Message = HashMap<u32, Field>;

pub(super) struct Schema {
    messages: HashMap<String, Message>,
}

fn parse_ty(text: &str) -> Result<Ty, String> {
    Ok(match text {
        "string" => Ty::String,
        "bytes" => Ty::Bytes,
        "int32" => Ty::Int32,
        "int64" => Ty::Int64,
        "bool" => Ty::Bool,
        "double" => Ty::Double,
        map if map.starts_with("map<string,") && map.ends_with('>') => Ty::Map(Box::new(parse_ty(
            &map["map<string,".len()..map.len() - 1],
        )?)),
        name if name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => {
            Ty::Message(name.to_string())
        }
        other => return Err(format!("unknown type {other:?}")),
    })
}

impl Schema {
    pub(super) fn parse(text: &str) -> Result<Schema, String> {
        let mut messages: HashMap<String, Message> = HashMap::new();
        let mut current: Option<String> = None;
        for (i, line) in text.lines().enumerate() {
            let at = |e: String| format!("schema.txt line {}: {e}", i + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix("message ") {
                let name = name.trim().to_string();
                if messages.insert(name.clone(), Message::new()).is_some() {
                    return Err(at(format!("message {name} is defined twice")));
                }
                current = Some(name);
                continue;
            }
            let message = current
                .as_ref()
                .and_then(|m| messages.get_mut(m))
                .ok_or_else(|| at("a field comes before any message".into()))?;
            let words: Vec<&str> = line.split_whitespace().collect();
            let [number, name, ty, flags @ ..] = words.as_slice() else {
                return Err(at(format!(
                    "expected `<number> <name> <type>`, got {line:?}"
                )));
            };
            let number: u32 = number
                .parse()
                .map_err(|_| at(format!("{number:?} is not a field number")))?;
            let (repeated, ty) = match ty.strip_prefix("[]") {
                Some(inner) => (true, inner),
                None => (false, *ty),
            };
            if let Some(bad) = flags.iter().find(|f| !["ptr", "inline"].contains(f)) {
                return Err(at(format!("unknown flag {bad:?}")));
            }
            let field = Field {
                name: name.to_string(),
                ty: parse_ty(ty).map_err(at)?,
                repeated,
                ptr: flags.contains(&"ptr"),
                inline: flags.contains(&"inline"),
            };
            if message.insert(number, field).is_some() {
                return Err(at(format!("field {number} is listed twice")));
            }
        }
        for (name, m) in &messages {
            for f in m.values() {
                let mut ty = &f.ty;
                while let Ty::Map(inner) = ty {
                    ty = inner;
                }
                if let Ty::Message(target) = ty {
                    if !messages.contains_key(target) && !SPECIAL.contains(&target.as_str()) {
                        return Err(format!(
                            "{name}.{} refers to message {target}, which is not defined",
                            f.name
                        ));
                    }
                }
            }
        }
        Ok(Schema { messages })
    }

    pub(super) fn message(&self, name: &str) -> Option<&Message> {
        self.messages.get(name)
    }

    /// The table compiled into the binary.
    pub(super) fn builtin() -> Result<&'static Schema, &'static str> {
        static SCHEMA: OnceLock<Result<Schema, String>> = OnceLock::new();
        SCHEMA
            .get_or_init(|| Schema::parse(include_str!("schema.txt")))
            .as_ref()
            .map_err(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_flags_lists_and_maps() {
        let s = Schema::parse(
            "# c\nmessage A\n  1 name string\n  2 items []B\n  3 labels map<string,string>\n  4 replicas int32 ptr\n  5 source S inline\nmessage B\nmessage S\n",
        )
        .unwrap();
        let a = s.message("A").unwrap();
        assert_eq!(a[&1].ty, Ty::String);
        assert!(a[&2].repeated && a[&2].ty == Ty::Message("B".into()));
        assert_eq!(a[&3].ty, Ty::Map(Box::new(Ty::String)));
        assert!(a[&4].ptr && !a[&4].inline);
        assert!(a[&5].inline);
    }

    #[test]
    fn mistakes_name_their_line() {
        let e = Schema::parse("message A\n  x name string\n").err().unwrap();
        assert!(e.contains("line 2"), "{e}");
        let e = Schema::parse("message A\n  1 a string\n  1 b string\n")
            .err()
            .unwrap();
        assert!(e.contains("listed twice"), "{e}");
    }

    #[test]
    fn the_builtin_table_parses() {
        Schema::builtin().unwrap();
        let e = Schema::parse("message A\n  1 b B\n").err().unwrap();
        assert!(e.contains("A.b refers to message B"), "{e}");
    }
}
