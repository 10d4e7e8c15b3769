//! Rhai's errors → orion diagnostics: the innermost position with its source line,
//! the call chain through functions and modules, the kind, and a hint; secrets
//! the source line or message quotes masked (`crate::mask`).

use crate::engine::limits::Limits;
use crate::engine::reference::functions;
use crate::engine::sources::Sources;
use crate::engine::suggest::{closest, identifiers};
use crate::engine::watch;
use crate::primitives::error::{innermost, message};
use crate::report::diagnostic::{Diagnostic, Frame, Kind, Location};
use rhai::{Engine, EvalAltResult, ParseError, ParseErrorType, Position, AST};

pub struct Diagnoser<'a> {
    pub engine: &'a Engine,
    pub sources: &'a Sources,
    pub limits: &'a Limits,
}

impl Diagnoser<'_> {
    /// A compile error in `file`.
    pub fn parse_error(&self, err: &ParseError, file: &str) -> Diagnostic {
        let mut d = Diagnostic::new(Kind::Syntax, parse_message(&err.0));
        self.place(&mut d, file, err.1);
        d.hint = match &*err.0 {
            ParseErrorType::VariableUndefined(name) => {
                let text = self.sources.text(file).unwrap_or_default();
                let close = closest(name, identifiers(&text));
                Some(match close {
                    Some(other) => format!("did you mean `{other}`?"),
                    None => "declare it with `let` before use; a `fn` sees only its parameters (use a closure to capture variables); playbook inputs are in `args`".into(),
                })
            }
            other => parse_hint(other),
        };
        d.map_text(&crate::mask::secrets)
    }

    /// A runtime error of the script whose source is `top`; `ast` is that
    /// script (its functions are candidates for "did you mean").
    pub fn eval_error(&self, err: &EvalAltResult, top: &str, ast: Option<&AST>) -> Diagnostic {
        let mut frames = Vec::new();
        let mut current = top.to_string();
        let mut e = err;
        loop {
            match e {
                EvalAltResult::ErrorInFunctionCall(name, source, inner, pos) => {
                    let label = if name.starts_with("anon$") {
                        "in a closure, called from".to_string()
                    } else {
                        format!("in `{name}`, called from")
                    };
                    frames.extend(self.location(&current, *pos).map(|at| Frame { label, at }));
                    if !source.is_empty() {
                        current = source.clone();
                    }
                    e = inner;
                }
                EvalAltResult::ErrorInModule(name, inner, pos) => {
                    let label = format!("in module `{name}`, imported at");
                    frames.extend(self.location(&current, *pos).map(|at| Frame { label, at }));
                    current = name.clone();
                    e = inner;
                }
                _ => break,
            }
        }
        let inner = innermost(err);
        let mut d = Diagnostic::new(kind_of(inner), message(err));
        match inner {
            EvalAltResult::ErrorParsing(kind, pos) => {
                d.set_message(&parse_message(kind));
                d.hint = parse_hint(kind);
                self.place(&mut d, &current, *pos);
            }
            _ => self.place(&mut d, &current, inner.position()),
        }
        // No position of its own: the innermost call site is the best place to point.
        if d.location.is_none() {
            if let Some(frame) = frames.pop() {
                d.source_line = self.sources.line(&frame.at.file, frame.at.line);
                d.location = Some(frame.at);
            }
        }
        frames.reverse();
        d.frames = frames;
        if d.hint.is_none() {
            d.hint = self.hint(inner, ast);
        }
        d.map_text(&crate::mask::secrets)
    }

    fn location(&self, file: &str, pos: Position) -> Option<Location> {
        Some(Location {
            file: file.to_string(),
            line: pos.line()?,
            column: pos.position().unwrap_or(1),
        })
    }

    fn place(&self, d: &mut Diagnostic, file: &str, pos: Position) {
        if let Some(loc) = self.location(file, pos) {
            d.source_line = self.sources.line(file, loc.line);
            d.location = Some(loc);
        }
    }

    fn hint(&self, err: &EvalAltResult, ast: Option<&AST>) -> Option<String> {
        let l = self.limits;
        match err {
            EvalAltResult::ErrorFunctionNotFound(sig, _) => self.suggest_function(sig, ast),
            EvalAltResult::ErrorTooManyOperations(_) => Some(format!(
                "the limit is {} operations; raise `max_operations` under [limits] in orion.toml if the playbook really needs more",
                l.max_operations
            )),
            EvalAltResult::ErrorStackOverflow(_) => Some(stack_hint(l)),
            EvalAltResult::ErrorDataTooLarge(what, _) if what.starts_with(watch::MEMORY) => {
                Some(memory_hint(l))
            }
            EvalAltResult::ErrorDataTooLarge(what, _) if what == watch::NESTING => Some(format!(
                "values may nest {} levels deep (arrays and maps inside each other, variables captured by closures); the limit is `max_nesting` under [limits] in orion.toml",
                l.max_nesting
            )),
            EvalAltResult::ErrorDataTooLarge(..) => Some(
                "size limits are `max_string_size`, `max_array_size` and `max_map_size` under [limits] in orion.toml".into(),
            ),
            EvalAltResult::ErrorTerminated(what, _) if what.to_string() == watch::MEMORY_STOP => {
                Some(memory_hint(l))
            }
            EvalAltResult::ErrorTerminated(what, _) if what.to_string() == watch::STACK_STOP => {
                Some(stack_hint(l))
            }
            _ => None,
        }
    }

    fn suggest_function(&self, signature: &str, ast: Option<&AST>) -> Option<String> {
        let name = signature.split([' ', '(']).next().unwrap_or(signature);
        if !is_identifier(name) {
            return None; // an operator: no spelling to suggest
        }
        let namespaced = name.contains("::");
        let mut known: Vec<String> = self
            .engine
            .gen_fn_signatures(true)
            .into_iter()
            .filter_map(|s| s.split('(').next().map(str::to_string))
            .collect();
        if let Some(ast) = ast {
            known.extend(ast.iter_functions().map(|f| f.name.to_string()));
        }
        known.retain(|k| {
            k.contains("::") == namespaced
                && k.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
        });
        known.sort();
        known.dedup();
        if known.iter().any(|k| k == name) {
            let forms: Vec<String> = functions(self.engine)
                .into_iter()
                .filter(|f| f.signature.split('(').next() == Some(name))
                .map(|f| format!("`{}`", f.signature))
                .collect();
            return Some(if forms.is_empty() {
                format!("`{name}` exists, but not for these argument types")
            } else {
                format!("`{name}` takes other arguments: {}", forms.join(", "))
            });
        }
        closest(name, known.iter().map(String::as_str))
            .map(|best| format!("did you mean `{best}`?"))
    }
}

/// A (possibly namespaced) name, not an operator.
fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
}

/// The hint for calls nested too deeply: `max_call_levels` deep at most,
/// less when each call takes much of orion's stack.
fn stack_hint(l: &Limits) -> String {
    format!(
        "calls may nest {} deep (`max_call_levels` under [limits] in orion.toml), less when each takes much stack; is a function calling itself without end?",
        l.max_call_levels
    )
}

/// The hint for a run that held too much memory.
fn memory_hint(l: &Limits) -> String {
    format!(
        "a run may hold {} MiB more than orion did when it started (`max_memory` under [limits] in orion.toml); does the playbook keep adding to a map, an array or a list of closures?",
        l.max_memory >> 20
    )
}

fn kind_of(err: &EvalAltResult) -> Kind {
    match err {
        EvalAltResult::ErrorTerminated(what, _)
            if [watch::MEMORY_STOP, watch::STACK_STOP].contains(&what.to_string().as_str()) =>
        {
            Kind::Limit
        }
        e @ EvalAltResult::ErrorTerminated(..) if crate::primitives::error::is_refusal(e) => {
            Kind::Guard
        }
        EvalAltResult::ErrorTerminated(..) => Kind::Cancelled,
        EvalAltResult::ErrorTooManyOperations(_)
        | EvalAltResult::ErrorStackOverflow(_)
        | EvalAltResult::ErrorDataTooLarge(..)
        | EvalAltResult::ErrorTooManyModules(_) => Kind::Limit,
        EvalAltResult::ErrorModuleNotFound(..) => Kind::Import,
        EvalAltResult::ErrorParsing(..) => Kind::Syntax,
        _ => Kind::Runtime,
    }
}

fn parse_message(kind: &ParseErrorType) -> String {
    let text = kind.to_string();
    format!("syntax error: {}", text)
}

fn parse_hint(kind: &ParseErrorType) -> Option<String> {
    match kind {
        ParseErrorType::BadInput(rhai::LexError::UnterminatedString) => {
            Some("close the string with the same quote it opened with".into())
        }
        ParseErrorType::BadInput(rhai::LexError::ImproperSymbol(word, _))
        | ParseErrorType::Reserved(word)
            if word == "eval" =>
        {
            Some("`eval` is disabled in playbooks; write the code directly".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Diagnoser;
    use crate::engine::limits::Limits;
    use crate::engine::sources::Sources;
    use crate::primitives::error::error_at;
    use rhai::{Engine, EvalAltResult, FuncRegistration, Module, NativeCallContext};

    /// Rhai leaves namespaced native errors without a position; `error_at`
    /// must put the script call's position back.
    #[test]
    fn namespaced_primitive_errors_point_at_the_script_call() {
        let mut engine = Engine::new();
        let mut module = Module::new();
        FuncRegistration::new("boom").set_into_module(
            &mut module,
            |ctx: NativeCallContext| -> Result<(), Box<EvalAltResult>> {
                Err(error_at(&ctx, "it broke\nhint: try less"))
            },
        );
        engine.register_static_module("ns", module.into());
        let text = "fn f() {\n    ns::boom()\n}\nf();\n";
        let sources = Sources::default();
        sources.insert("t.rhai", text);
        let mut ast = engine.compile(text).unwrap();
        ast.set_source("t.rhai");
        let err = engine.run_ast(&ast).unwrap_err();
        let limits = Limits::default();
        let d = Diagnoser {
            engine: &engine,
            sources: &sources,
            limits: &limits,
        }
        .eval_error(&err, "t.rhai", Some(&ast));
        assert_eq!(d.message, "it broke");
        assert_eq!(d.hint.as_deref(), Some("try less"));
        let at = d.location.expect("a location");
        assert_eq!((at.file.as_str(), at.line, at.column), ("t.rhai", 2, 9));
        assert_eq!(d.source_line.as_deref(), Some("    ns::boom()"));
        assert_eq!(d.frames.len(), 1);
        assert_eq!(d.frames[0].label, "in `f`, called from");
        assert_eq!(d.frames[0].at.line, 4);
    }
}
