//! The embedding API: build a `Runtime`, run a playbook from a file or a string,
//! get an `Outcome`. The CLI is one user of it.

use crate::config::Config;
use crate::engine::assemble;
use crate::engine::diagnose::Diagnoser;
use crate::engine::imports::constant_imports;
use crate::engine::limits::Limits;
use crate::engine::sources::Sources;
use crate::error::Error;
use crate::exit_code::ExitCode;
use crate::outcome::Outcome;
use crate::primitives::host::Host;
use crate::primitives::target::Target;
use crate::report::diagnostic::{Diagnostic, Kind};
use crate::report::event::Event;
use crate::report::memory::Memory;
use crate::report::sink::Sink;
use rhai::{Engine, AST};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Configures a [`Runtime`]. Defaults: no target, no `--set` values, limits from
/// the nearest orion.toml, events kept in memory.
#[derive(Default)]
pub struct RuntimeBuilder {
    target: Target,
    config_file: Option<PathBuf>,
    limits: Option<Limits>,
    sink: Option<Arc<dyn Sink>>,
    ctrl_c: bool,
}

impl RuntimeBuilder {
    /// A value the script reads as `args.KEY` (like `--set KEY=VALUE`).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.target.args.insert(key.into(), value.into());
        self
    }
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.target.environment = Some(name.into());
        self
    }
    pub fn context(mut self, name: impl Into<String>) -> Self {
        self.target.context = Some(name.into());
        self
    }
    pub fn namespace(mut self, name: impl Into<String>) -> Self {
        self.target.namespace = Some(name.into());
        self
    }
    pub fn dry_run(mut self, on: bool) -> Self {
        self.target.dry_run = on;
        self
    }
    pub fn assume_yes(mut self, on: bool) -> Self {
        self.target.assume_yes = on;
        self
    }
    /// Use this orion.toml instead of searching for one.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }
    /// Use these limits, ignoring any orion.toml.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }
    /// Where events go (console, JSON lines, memory...).
    pub fn sink(mut self, sink: Arc<dyn Sink>) -> Self {
        self.sink = Some(sink);
        self
    }
    /// Stop the script and any wait in flight on SIGINT (exit code 5).
    pub fn cancel_on_ctrl_c(mut self, on: bool) -> Self {
        self.ctrl_c = on;
        self
    }

    pub fn build(self) -> Result<Runtime, Error> {
        let sink = self.sink.unwrap_or_else(|| Arc::new(Memory::default()));
        let host = Arc::new(Host::new(self.target, sink)?);
        if self.ctrl_c {
            host.cancel_on_ctrl_c();
        }
        Ok(Runtime {
            host,
            config_file: self.config_file,
            limits: self.limits,
            sources: Arc::new(Sources::default()),
        })
    }
}

/// Runs playbooks. One runtime can run several, one after another.
///
/// ```
/// use orion::{ExitCode, Runtime};
///
/// let runtime = Runtime::builder().set("image", "web:1.2").build().unwrap();
/// let outcome = runtime.run_script(
///     "inline.rhai",
///     r#"step("greet", || info(`deploying ${args.image}`));"#,
/// );
/// assert_eq!(outcome.exit_code, ExitCode::Success);
/// assert_eq!(outcome.steps[0].name, "greet");
/// ```
pub struct Runtime {
    host: Arc<Host>,
    config_file: Option<PathBuf>,
    limits: Option<Limits>,
    sources: Arc<Sources>,
}

impl Runtime {
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub fn host(&self) -> &Arc<Host> {
        &self.host
    }

    pub fn sources(&self) -> &Arc<Sources> {
        &self.sources
    }

    /// The limits for a playbook in `dir`.
    pub fn limits_for(&self, dir: &Path) -> Result<Limits, Diagnostic> {
        if let Some(limits) = self.limits {
            return Ok(limits);
        }
        Config::for_dir(self.config_file.as_deref(), dir)
            .map(|c| c.limits)
            .map_err(|e| Diagnostic::new(Kind::Config, e.to_string()))
    }

    /// An engine for scripts in `dir`, with this runtime's primitives and limits.
    pub fn engine_for(&self, dir: &Path) -> Result<(Engine, Limits), Diagnostic> {
        let limits = self.limits_for(dir)?;
        Ok((
            assemble::engine(&self.host, &limits, dir, &self.sources),
            limits,
        ))
    }

    /// Runs the playbook at `path`; its imports resolve in its directory.
    pub fn run_file(&self, path: impl AsRef<Path>) -> Outcome {
        let path = path.as_ref();
        let name = path.to_string_lossy().into_owned();
        let dir = dir_of(path);
        match std::fs::read_to_string(path) {
            Ok(text) => self.run(&name, &text, dir),
            Err(e) => {
                let started = Instant::now();
                self.start(&name);
                let d = Diagnostic::new(Kind::Config, format!("cannot read playbook {name}: {e}"));
                self.finish(started, Err((d, ExitCode::PreFlight)))
            }
        }
    }

    /// Runs a playbook given as text; its imports resolve in the current directory.
    pub fn run_script(&self, name: &str, text: &str) -> Outcome {
        self.run(name, text, Path::new("."))
    }

    fn start(&self, name: &str) {
        self.host.clear_steps();
        self.host.cancel.reset();
        let t = &self.host.target;
        self.host.emit(Event::RunStarted {
            playbook: name.to_string(),
            environment: t.environment.clone(),
            context: t.context.clone(),
            namespace: t.namespace.clone(),
            dry_run: t.dry_run,
        });
    }

    fn run(&self, name: &str, text: &str, dir: &Path) -> Outcome {
        let started = Instant::now();
        self.start(name);
        let result = self.execute(name, text, dir);
        self.finish(started, result)
    }

    fn execute(&self, name: &str, text: &str, dir: &Path) -> Result<(), (Diagnostic, ExitCode)> {
        let (engine, limits) = self.engine_for(dir).map_err(|d| (d, ExitCode::PreFlight))?;
        let diagnoser = Diagnoser {
            engine: &engine,
            sources: &self.sources,
            limits: &limits,
        };
        let mut scope = assemble::scope(&self.host);
        let ast = self
            .compile(&engine, &scope, name, text)
            .map_err(|e| (diagnoser.parse_error(&e, name), ExitCode::PreFlight))?;
        // Every module is compiled before the first statement runs, so a typo in
        // one stops the run before it has changed anything.
        let mut problems = Vec::new();
        self.check_imports(
            &engine,
            &diagnoser,
            &ast,
            name,
            &mut HashSet::new(),
            &mut problems,
        );
        if let Some(first) = problems.into_iter().next() {
            return Err((first, ExitCode::PreFlight));
        }
        tracing::debug!(playbook = name, "compiled with its imports; running");
        let ran = Instant::now();
        let result = engine.run_ast_with_scope(&mut scope, &ast);
        tracing::debug!(playbook = name, took = ?ran.elapsed(), ok = result.is_ok(), "script finished");
        result.map_err(|e| {
            let d = diagnoser.eval_error(&e, name, Some(&ast));
            let code = if self.host.cancel.is_requested() || d.kind == Kind::Cancelled {
                ExitCode::Cancelled
            } else {
                ExitCode::DeployFailed
            };
            (d, code)
        })
    }

    fn compile(
        &self,
        engine: &Engine,
        scope: &rhai::Scope,
        name: &str,
        text: &str,
    ) -> Result<AST, rhai::ParseError> {
        self.sources.insert(name, text);
        let mut ast = engine.compile_with_scope(scope, text)?;
        ast.set_source(name);
        Ok(ast)
    }

    fn finish(&self, started: Instant, result: Result<(), (Diagnostic, ExitCode)>) -> Outcome {
        let (exit_code, error) = match result {
            Ok(()) => (ExitCode::Success, None),
            Err((d, code)) => (code, Some(d)),
        };
        if let Some(d) = &error {
            self.host.emit(Event::Error {
                diagnostic: d.clone(),
            });
        }
        let outcome = Outcome {
            exit_code,
            steps: self.host.steps(),
            error,
            duration: started.elapsed(),
        };
        self.host.emit(Event::RunFinished {
            exit_code: exit_code.code(),
            status: outcome.status(),
            duration_ms: outcome.duration.as_millis() as u64,
            steps: outcome.steps.clone(),
        });
        outcome
    }

    /// Compiles the playbook or module at `path` and every module it imports,
    /// running nothing. Returns every problem found.
    pub fn check_file(&self, path: &Path) -> Vec<Diagnostic> {
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

    fn check_imports(
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

/// The directory a playbook's imports and config are found from.
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}
