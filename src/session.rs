//! An interactive session (the REPL's engine side): variables and functions
//! persist between inputs, and an error never loses what was defined.

use crate::engine::diagnose::Diagnoser;
use crate::engine::imports::top_level_aliases;
use crate::engine::limits::Limits;
use crate::engine::watch::Watch;
use crate::engine::{assemble, stack, stdlib};
use crate::report::diagnostic::Diagnostic;
use crate::runtime::Runtime;
use rhai::{Dynamic, Engine, LexError, ParseErrorType, Scope, AST};
use std::path::Path;
use std::sync::Arc;

pub struct Session<'r> {
    runtime: &'r Runtime,
    engine: Engine,
    limits: Limits,
    watch: Arc<Watch>,
    scope: Scope<'static>,
    /// Functions defined so far; statements are cleared after each input.
    functions: AST,
    inputs: usize,
}

/// A variable as `:vars` lists it.
pub struct Variable {
    pub name: String,
    pub type_name: String,
    pub value: String,
    pub constant: bool,
}

impl<'r> Session<'r> {
    /// A session whose imports resolve under the current directory.
    pub fn new(runtime: &'r Runtime) -> Result<Session<'r>, Diagnostic> {
        let (engine, limits, watch) = runtime.watched_engine_for(Path::new("."))?;
        Ok(Session {
            scope: assemble::scope(runtime.host()),
            runtime,
            engine,
            limits,
            watch,
            functions: AST::empty(),
            inputs: 0,
        })
    }

    /// Evaluates one input; its variables and functions stay for the next.
    pub fn eval(&mut self, input: &str) -> Result<Dynamic, Diagnostic> {
        self.inputs += 1;
        let name = format!("<repl:{}>", self.inputs);
        self.eval_named(&name, input)
    }

    /// Evaluates a file into the session (`:load`).
    pub fn load(&mut self, path: &Path) -> Result<Dynamic, Diagnostic> {
        let name = path.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::new(
                crate::report::diagnostic::Kind::Config,
                format!("cannot read {name}: {e}"),
            )
        })?;
        self.eval_named(&name, &text)
    }

    /// Evaluates on the engine's thread (a large stack, see `engine::stack`);
    /// memory is measured from the input's start.
    fn eval_named(&mut self, name: &str, input: &str) -> Result<Dynamic, Diagnostic> {
        self.watch.begin();
        stack::run(|| self.eval_here(name, input))
    }

    fn eval_here(&mut self, name: &str, input: &str) -> Result<Dynamic, Diagnostic> {
        let host = self.runtime.host();
        host.io.cancel.reset();
        let sources = self.runtime.sources();
        sources.insert(name, input);
        let diagnoser = Diagnoser {
            engine: &self.engine,
            sources,
            limits: &self.limits,
        };
        let mut ast = self
            .engine
            .compile_with_scope(&self.scope, input)
            .map_err(|e| diagnoser.parse_error(&e, name))?;
        ast.set_source(name);
        let mut merged = self.functions.merge(&ast);
        merged.set_source(name);
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, &merged);
        let diagnostic = result
            .as_ref()
            .err()
            .map(|e| diagnoser.eval_error(e, name, Some(&merged)));
        self.keep_imports(&ast);
        merged.clear_statements();
        self.functions = merged;
        match diagnostic {
            Some(d) => Err(d),
            None => Ok(result.unwrap_or(Dynamic::UNIT)),
        }
    }

    /// Makes this input's top-level imports visible to the next inputs, as
    /// namespaces (Rhai drops imports at the end of each evaluation).
    fn keep_imports(&mut self, ast: &AST) {
        for (path, alias, pos) in top_level_aliases(ast) {
            let resolved = self
                .engine
                .module_resolver()
                .resolve(&self.engine, None, &path, pos);
            if let Ok(module) = resolved {
                self.engine.register_static_module(alias, module);
            }
        }
    }

    /// False while `input` is an unfinished construct (open block, map, array,
    /// call or string) that the next line should continue.
    pub fn is_complete(&self, input: &str) -> bool {
        let Err(err) = self.engine.compile_with_scope(&self.scope, input) else {
            return true;
        };
        match &*err.0 {
            ParseErrorType::UnexpectedEOF => false,
            // Only a backtick string, or a "..." string whose line ends in a
            // backslash, may go on over the next line.
            ParseErrorType::BadInput(LexError::UnterminatedString) => {
                let opening = err
                    .1
                    .line()
                    .and_then(|l| input.lines().nth(l - 1))
                    .and_then(|line| line.chars().nth(err.1.position().unwrap_or(1) - 1));
                !(opening == Some('`') || input.trim_end_matches(' ').ends_with('\\'))
            }
            ParseErrorType::MissingToken(..) => !at_end(input, err.1.line(), err.1.position()),
            _ => true,
        }
    }

    pub fn variables(&self) -> Vec<Variable> {
        self.scope
            .iter_raw()
            .map(|(name, constant, value)| Variable {
                name: name.to_string(),
                type_name: value.type_name().to_string(),
                value: value.to_string(),
                constant,
            })
            .collect()
    }

    /// Names that can complete `word`: variables, functions (global, script
    /// and namespaced), namespaces ("target::") and stdlib imports.
    pub fn completions(&self, word: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .scope
            .iter_raw()
            .map(|(n, _, _)| n.to_string())
            .collect();
        names.extend(self.functions.iter_functions().map(|f| f.name.to_string()));
        for sig in self.engine.gen_fn_signatures(true) {
            if let Some(name) = sig.split('(').next() {
                if name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
                {
                    if let Some((ns, _)) = name.split_once("::") {
                        names.push(format!("{ns}::"));
                    }
                    names.push(name.to_string());
                }
            }
        }
        names.extend(stdlib::names().into_iter().map(|n| format!("\"{n}\"")));
        names.retain(|n| n.starts_with(word) && n != word);
        names.sort();
        names.dedup();
        names
    }
}

impl Drop for Session<'_> {
    /// What the session's variables hold is dropped on the engine's thread:
    /// dropping nested values takes stack.
    fn drop(&mut self) {
        let scope = std::mem::take(&mut self.scope);
        stack::run(move || drop(scope));
    }
}

/// True when (line, column) is past the last character of `input`.
fn at_end(input: &str, line: Option<usize>, column: Option<usize>) -> bool {
    let (Some(line), Some(column)) = (line, column) else {
        return true;
    };
    let lines: Vec<&str> = input.lines().collect();
    let last = lines.len().max(1);
    line >= last && column > lines.last().map_or(0, |l| l.chars().count())
}

#[cfg(test)]
mod tests {
    use crate::runtime::Runtime;
    use crate::session::Session;

    #[test]
    fn every_k8s_function_completes() {
        let runtime = Runtime::builder().build().unwrap();
        let session = Session::new(&runtime).unwrap();
        let found = session.completions("k8s::wait");
        assert!(
            found.contains(&"k8s::wait_rollout".to_string()),
            "{found:?}"
        );
        assert!(found.contains(&"k8s::wait_all".to_string()), "{found:?}");
        assert!(session.completions("k8").contains(&"k8s::".to_string()));
        for name in [
            "apply",
            "manifests",
            "kustomize",
            "rollout_undo",
            "require_healthy",
            "service_url",
        ] {
            assert!(
                session
                    .completions("k8s::")
                    .contains(&format!("k8s::{name}")),
                "{name}"
            );
        }
    }
}
