//! JSON objects to and from the maps scripts see.

use rhai::{Dynamic, EvalAltResult, NativeCallContext};
use serde_json::Value;

use crate::primitives::error::error_at;

pub(crate) fn to_dynamic(v: &Value) -> Dynamic {
    rhai::serde::to_dynamic(v).unwrap_or(Dynamic::UNIT)
}

pub(crate) fn from_dynamic(
    ctx: &NativeCallContext,
    d: &Dynamic,
) -> Result<Value, Box<EvalAltResult>> {
    rhai::serde::from_dynamic(d)
        .map_err(|e| error_at(ctx, format!("cannot turn this value into JSON: {e}")))
}

/// An options map's string field, if given.
pub(crate) fn opt_str(opts: &rhai::Map, key: &str) -> Option<String> {
    opts.get(key).and_then(|v| v.clone().into_string().ok())
}

/// An options map's integer field, if given.
pub(crate) fn opt_int(opts: &rhai::Map, key: &str) -> Option<i64> {
    opts.get(key).and_then(|v| v.as_int().ok())
}
