//! `orion check`'s engine side: compile a file and every module it imports.

use crate::engine::assemble;
use crate::engine::diagnose::Diagnoser;
use crate::engine::imports::constant_imports;
use crate::report::diagnostic::{Diagnostic, Kind};
use crate::runtime::{dir_of, Runtime};
use rhai::{Engine, AST};
use std::collections::HashSet;
use std::path::Path;

impl Runtime {
    /// Compiles the playbook or module at `path` and every module it imports,
    /// running nothing. Returns every problem found.
    pub fn check_file(&self, path: &Path) -> Vec<Diagnostic> {
        // Compiling recurses as deep as the expressions nest.
        crate::engine::stack::run(|| self.check_here(path))
    }

    fn check_here(&self, path: &Path) -> Vec<Diagnostic> {
        let name = path.to_string_lossy().into_owned();
        let dir = dir_of(path);
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                return vec![Diagnostic::new(
                    Kind::Config,
                    format!("cannot read {name}: {e}"),
                )]
            }
        };
        if let Err(e) = crate::engine::sources::check_length(&name, &text) {
            return vec![Diagnostic::new(Kind::Syntax, e)];
        }
        let (engine, limits) = match self.engine_for(dir) {
            Ok(x) => x,
            Err(d) => return vec![d],
        };
        let diagnoser = Diagnoser {
            engine: &engine,
            sources: &self.sources,
            limits: &limits,
        };
        let scope = assemble::scope(&self.host);
        let ast = match self.compile(&engine, &scope, &name, &text) {
            Ok(ast) => ast,
            Err(e) => return vec![diagnoser.parse_error(&e, &name)],
        };
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        self.check_imports(&engine, &diagnoser, &ast, &name, &mut seen, &mut problems);
        problems
    }

    pub(super) fn check_imports(
        &self,
        engine: &Engine,
        diagnoser: &Diagnoser,
        ast: &AST,
        name: &str,
        seen: &mut HashSet<String>,
        problems: &mut Vec<Diagnostic>,
    ) {
        for (import, pos) in constant_imports(ast) {
            if !seen.insert(import.clone()) {
                continue;
            }
            match engine
                .module_resolver()
                .resolve_ast(engine, None, &import, pos)
            {
                Some(Ok(module)) => {
                    let module_name = module.source().unwrap_or(&import).to_string();
                    self.check_imports(engine, diagnoser, &module, &module_name, seen, problems);
                }
                Some(Err(e)) => problems.push(diagnoser.eval_error(&e, name, None)),
                None => {}
            }
        }
    }
}
