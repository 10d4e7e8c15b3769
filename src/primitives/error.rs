//! Errors raised by primitives, positioned at the script call (rhai leaves the
//! position empty for namespaced native calls), and their plain-text message.

use crate::drivers::child::Refused;
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{EvalAltResult, NativeCallContext, Position};

/// A runtime error at the script call. A trailing "\nhint: ..." in `message` is
/// shown as the diagnostic's hint. The message is masked (`crate::mask`): a
/// script that catches the error gets it without the secrets it quoted.
pub fn error_at(ctx: &NativeCallContext, message: impl Into<String>) -> Box<EvalAltResult> {
    let message = crate::mask::secrets(&message.into());
    EvalAltResult::ErrorRuntime(message.into(), ctx.call_position()).into()
}

/// The error for what a program orion ran would not do (`then` adds what
/// that means, or ""): the program's own words go to the operator's log, cut
/// short; the error a script sees says only what failed.
pub fn program_refused(
    h: &Host,
    ctx: &NativeCallContext,
    refused: Refused,
    then: &str,
) -> Box<EvalAltResult> {
    let then = if then.is_empty() {
        String::new()
    } else {
        format!(", {then}")
    };
    if refused.said.is_empty() {
        return error_at(ctx, format!("{}{then}", refused.what));
    }
    h.log(
        Level::Error,
        format!("{}; it said:\n{}", refused.what, refused.said),
        call_site(ctx),
    );
    error_at(
        ctx,
        format!(
            "{}{then}\nhint: what it said is in the log above",
            refused.what
        ),
    )
}

/// The error for a wait the operator interrupted. Scripts cannot catch it.
pub fn cancelled_at(ctx: &NativeCallContext) -> Box<EvalAltResult> {
    cancelled(ctx.call_position())
}

pub fn cancelled(pos: Position) -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(CANCELLED.into(), pos).into()
}

pub const CANCELLED: &str = "cancelled by the operator (Ctrl-C)";

/// Marks a guard's refusal among the errors that end a run.
pub const REFUSED: &str = "\u{1}refused\u{1}";

/// A guard's refusal at the script call: it ends the run (exit 1) and, unlike
/// a runtime error, a script cannot catch it.
pub fn refused_at(ctx: &NativeCallContext, message: &str) -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(format!("{REFUSED}{message}").into(), ctx.call_position()).into()
}

/// The run ends as cancelled (exit 5) for `message`: approval not given.
pub fn stopped_at(ctx: &NativeCallContext, message: &str) -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(message.into(), ctx.call_position()).into()
}

/// Whether `err` is a guard's refusal.
pub fn is_refusal(err: &EvalAltResult) -> bool {
    matches!(innermost(err), EvalAltResult::ErrorTerminated(v, _) if v.to_string().starts_with(REFUSED))
}

/// "file:line:col" of the script call, for log lines.
pub fn call_site(ctx: &NativeCallContext) -> Option<String> {
    let pos = ctx.call_position();
    let line = pos.line()?;
    let file = ctx.call_source().unwrap_or("<script>");
    Some(format!("{file}:{line}:{}", pos.position().unwrap_or(1)))
}

/// The innermost error, through the calls and imports that wrap it.
pub fn innermost(err: &EvalAltResult) -> &EvalAltResult {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => innermost(inner),
        other => other,
    }
}

/// What went wrong, in one line or a few, without rhai's position suffix.
pub fn message(err: &EvalAltResult) -> String {
    use EvalAltResult as E;
    match innermost(err) {
        E::ErrorRuntime(value, _) => value.to_string(),
        E::ErrorTerminated(value, _) => value.to_string().trim_start_matches(REFUSED).to_string(),
        E::ErrorFunctionNotFound(sig, _) => match readable_call(sig) {
            call if call.starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                format!("unknown function `{call}`")
            }
            call => {
                let (op, types) = call.split_once('(').unwrap_or((&call, ""));
                let types = types.trim_end_matches(')').replace(", ", " and ");
                format!("no operator `{op}` for {types}")
            }
        },
        E::ErrorVariableNotFound(name, _) => format!("unknown variable `{name}`"),
        // orion's resolver explains itself; rhai's own error carries only the path.
        E::ErrorModuleNotFound(text, _) if text.contains(' ') => text.clone(),
        E::ErrorModuleNotFound(path, _) => format!("module not found: {path}"),
        E::ErrorTooManyOperations(_) => {
            "the playbook ran past its operations limit and was stopped (does it loop forever?)"
                .to_string()
        }
        E::ErrorStackOverflow(_) => "too many nested function calls (call depth limit)".into(),
        E::ErrorDataTooLarge(what, _) => format!("{what} exceeds its size limit"),
        E::ErrorTooManyModules(_) => "too many modules imported".into(),
        other => {
            let mut text = other.to_string();
            if let Some(i) = text.rfind(" (line ") {
                text.truncate(i);
            }
            text
        }
    }
}

/// Rhai's "slep (&str | ImmutableString | String, i64)" as "slep(string, int)".
fn readable_call(signature: &str) -> String {
    let Some((name, args)) = signature.split_once(" (") else {
        return signature.to_string();
    };
    let args: Vec<&str> = args
        .trim_end_matches(')')
        .split(", ")
        .filter(|a| !a.is_empty())
        .map(|a| match a {
            "&str | ImmutableString | String" => "string",
            "i64" => "int",
            "f64" => "float",
            "rhai::FnPtr" | "Fn" => "closure",
            other => other,
        })
        .collect();
    format!("{name}({})", args.join(", "))
}

#[cfg(test)]
mod tests {
    use super::readable_call;

    #[test]
    fn signatures_read_like_calls() {
        assert_eq!(
            readable_call("slep (&str | ImmutableString | String)"),
            "slep(string)"
        );
        assert_eq!(readable_call("k8s::aply (i64, map)"), "k8s::aply(int, map)");
        assert_eq!(readable_call("f ()"), "f()");
    }
}
