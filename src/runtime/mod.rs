//! The embedding API: build a `Runtime`, run a playbook from a file or a string,
//! get an `Outcome`. The CLI is one user of it.

use crate::config::Loaded;
use crate::engine::assemble;
use crate::engine::diagnose::Diagnoser;
use crate::engine::limits::Limits;
use crate::engine::sources::Sources;
use crate::engine::stack;
use crate::engine::watch::Watch;
use crate::exit_code::ExitCode;
use crate::guard::{Gate, Sandbox};
use crate::outcome::Outcome;
use crate::primitives::host::Host;
use crate::report::diagnostic::{Diagnostic, Kind};
use crate::report::event::Event;
use rhai::{Engine, AST};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

mod builder;
mod check;
mod compensation;

pub use builder::RuntimeBuilder;

/// How long a run waits for another run's deploy lock by default.
pub const DEFAULT_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(300);

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
    /// Where journals go when not beside orion.toml (see RuntimeBuilder::journal_dir).
    journal_dir: Option<PathBuf>,
    /// orion.toml as found and parsed for each playbook directory: once.
    configs: Mutex<HashMap<PathBuf, Arc<Loaded>>>,
}

impl Runtime {
    fn new(host: Arc<Host>, config_file: Option<PathBuf>, limits: Option<Limits>) -> Runtime {
        Runtime {
            host,
            config_file,
            limits,
            sources: Arc::new(Sources::default()),
            journal_dir: None,
            configs: Default::default(),
        }
    }

    /// Takes `loaded` as the orion.toml of playbooks in `dir` (the builder read it).
    fn seed_config(&mut self, dir: PathBuf, loaded: Loaded) {
        self.configs
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dir, Arc::new(loaded));
    }

    /// The orion.toml for playbooks in `dir`, found and parsed on first use.
    pub(crate) fn loaded(&self, dir: &Path) -> Result<Arc<Loaded>, Diagnostic> {
        let mut configs = self.configs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = configs.get(dir) {
            return Ok(l.clone());
        }
        let l = Arc::new(
            Loaded::resolve(self.config_file.as_deref(), dir)
                .map_err(|e| Diagnostic::new(Kind::Config, e.to_string()))?,
        );
        configs.insert(dir.to_path_buf(), l.clone());
        Ok(l)
    }

    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub fn host(&self) -> &Arc<Host> {
        &self.host
    }

    pub fn sources(&self) -> &Arc<Sources> {
        &self.sources
    }

    /// The limits for a playbook in `dir` (orion.toml's are checked as it
    /// is read; those given to the builder, here).
    pub fn limits_for(&self, dir: &Path) -> Result<Limits, Diagnostic> {
        if let Some(limits) = self.limits {
            limits
                .check()
                .map_err(|e| Diagnostic::new(Kind::Config, format!("invalid limits: {e}")))?;
            return Ok(limits);
        }
        self.loaded(dir).map(|l| l.config.limits)
    }

    /// An engine for scripts in `dir`, with this runtime's primitives and limits.
    pub fn engine_for(&self, dir: &Path) -> Result<(Engine, Limits), Diagnostic> {
        self.watched_engine_for(dir)
            .map(|(engine, limits, _)| (engine, limits))
    }

    /// An engine for scripts in `dir`, and the watch over what they hold.
    pub(crate) fn watched_engine_for(
        &self,
        dir: &Path,
    ) -> Result<(Engine, Limits, Arc<Watch>), Diagnostic> {
        let limits = self.limits_for(dir)?;
        let (engine, watch) = assemble::watched(&self.host, &limits, dir, &self.sources);
        Ok((engine, limits, watch))
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

    /// Runs a playbook given as text as if it lived in `dir`: its imports,
    /// the files it reads and writes and orion.toml are found from there.
    pub fn run_script_in(&self, dir: &Path, name: &str, text: &str) -> Outcome {
        self.run(name, text, dir)
    }

    fn start(&self, name: &str) {
        self.host.record.clear();
        self.host.hooks.take();
        self.host.monitors.reset();
        self.host.io.cancel.reset();
        self.host.disconnect();
        crate::primitives::notify::hooks::begin(&self.host, name);
        let t = &self.host.target;
        self.host.emit(Event::RunStarted {
            playbook: name.to_string(),
            environment: t.environment.clone(),
            context: t.context.clone(),
            namespace: t.namespace.clone(),
            dry_run: t.dry_run,
        });
    }

    /// Runs a playbook on the engine's own thread (a large stack, see
    /// `engine::stack`), its undo included.
    fn run(&self, name: &str, text: &str, dir: &Path) -> Outcome {
        stack::run(|| {
            let started = Instant::now();
            self.start(name);
            let result = self.execute(name, text, dir);
            self.finish(started, result)
        })
    }

    /// Arms the gate with the environment `--env` names, from orion.toml.
    fn select_environment(&self, dir: &Path) -> Result<(), Diagnostic> {
        let loaded = self.loaded(dir)?;
        let config = &loaded.config;
        let name = self.host.target.environment.clone();
        let mut environment = config
            .environment(name.as_deref())
            .map_err(|e| Diagnostic::new(Kind::Config, e))?;
        let wait = self.host.target.lock_timeout.unwrap_or(DEFAULT_LOCK_WAIT);
        // The journal goes beside orion.toml, else beside the playbook.
        let config_dir = loaded.dir().unwrap_or(dir).to_path_buf();
        let journal_dir = self.journal_dir.clone().unwrap_or(config_dir.clone());
        if let Some(tls) = environment.docker_tls.take() {
            environment.docker_tls = Some(config_dir.join(tls));
        }
        let sandbox = Sandbox::new(
            dir,
            &config_dir,
            &environment.read_paths,
            &environment.write_paths,
            config.programs.clone(),
        );
        self.host.set_api(config.api);
        self.host
            .set_gate(Gate::new(name, environment, wait, &journal_dir).with_sandbox(sandbox));
        Ok(())
    }

    fn execute(&self, name: &str, text: &str, dir: &Path) -> Result<(), (Diagnostic, ExitCode)> {
        crate::engine::sources::check_length(name, text)
            .map_err(|e| (Diagnostic::new(Kind::Syntax, e), ExitCode::PreFlight))?;
        self.select_environment(dir)
            .map_err(|d| (d, ExitCode::PreFlight))?;
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
        // What the script held goes now, before the hooks and the undo: it
        // may be what stopped it (memory).
        drop(scope);
        // Monitors watch the script, not the clean-up after it.
        self.host.monitors.stop_all();
        let trigger = self.host.monitors.tripped();
        if trigger.is_some() {
            self.host.io.cancel.clear_trip();
        }
        tracing::debug!(playbook = name, took = ?ran.elapsed(), ok = result.is_ok(), "script finished");
        // Failed smoke tests fail a run that otherwise went through (exit 4).
        let result = result.and_then(|_| self.smoke_verdict());
        if result.is_err() {
            self.run_failure_hooks(&engine, &ast);
        }
        result.map_err(|e| {
            let mut d = diagnoser.eval_error(&e, name, Some(&ast));
            // A guard's refusal, or an import refused (written in the playbook
            // or computed as it runs: the same rule), is pre-flight while
            // nothing was changed.
            let refused = matches!(d.kind, Kind::Guard | Kind::Import);
            let code = if refused && !self.changed_anything() {
                // Exit 1 means nothing was changed.
                ExitCode::PreFlight
            } else if refused {
                // Refused after changes: the run failed in its phase and is undone.
                self.host
                    .record
                    .failed_phase(&crate::primitives::error::message(&e))
                    .filter(|p| p.exit_code() != ExitCode::PreFlight)
                    .map_or(ExitCode::DeployFailed, |p| p.exit_code())
            } else if let Some(trigger) = &trigger {
                // A monitor stopped the script: its trigger is the error.
                d.kind = Kind::Runtime;
                d.message = trigger.clone();
                self.host
                    .record
                    .failed_phase(trigger)
                    .map_or(ExitCode::DeployFailed, |p| p.exit_code())
            } else if self.host.io.cancel.is_requested() || d.kind == Kind::Cancelled {
                ExitCode::Cancelled
            } else {
                // The phase of the step that failed: verify 3, smoke 4, ...
                self.host
                    .record
                    .failed_phase(&crate::primitives::error::message(&e))
                    .map_or(ExitCode::DeployFailed, |p| p.exit_code())
            };
            (d, code)
        })
    }

    /// Whether the run has journaled a change (made it, or was about to).
    fn changed_anything(&self) -> bool {
        self.host.gate().journal.as_ref().is_some_and(|j| {
            j.records()
                .iter()
                .any(|r| matches!(r, crate::guard::journal::Record::Change(_)))
        })
    }

    /// An error naming every smoke test that failed the run, if one did.
    fn smoke_verdict(&self) -> Result<(), Box<rhai::EvalAltResult>> {
        let failed: Vec<String> = self
            .host
            .record
            .tests()
            .into_iter()
            .filter(|t| t.fails_the_run())
            .map(|t| {
                let reason = t.reason.unwrap_or_default();
                format!("{}: {}", t.name, reason.lines().next().unwrap_or_default())
            })
            .collect();
        if failed.is_empty() {
            return Ok(());
        }
        let message = format!(
            "{} smoke test{} failed:\n  {}",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            failed.join("\n  ")
        );
        self.host
            .record
            .phase_failed(crate::primitives::phase::Phase::Smoke, &message);
        Err(rhai::EvalAltResult::ErrorRuntime(message.into(), rhai::Position::NONE).into())
    }

    /// The playbook's `on_failure` hooks, in order; one that fails is
    /// reported and the next still runs. After Ctrl-C they still run (a
    /// second Ctrl-C stops them).
    fn run_failure_hooks(&self, engine: &Engine, ast: &AST) {
        let hooks = self.host.hooks.take();
        if hooks.is_empty() {
            return;
        }
        let was_cancelled = self.host.io.cancel.suspend();
        for hook in hooks {
            if self.host.io.cancel.is_aborted() {
                self.host.log(
                    crate::report::event::Level::Warn,
                    "Ctrl-C again: the remaining on_failure hooks are skipped".to_string(),
                    None,
                );
                break;
            }
            if let Err(e) = hook.call::<rhai::Dynamic>(engine, ast, ()) {
                self.host.log(
                    crate::report::event::Level::Error,
                    format!(
                        "an on_failure hook failed: {}",
                        crate::primitives::error::message(&e)
                    ),
                    None,
                );
            }
        }
        self.host.io.cancel.resume(was_cancelled);
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
        let (exit_code, mut error) = match result {
            Ok(()) => (ExitCode::Success, None),
            Err((d, code)) => (code, Some(d)),
        };
        crate::primitives::notify::hooks::run_ended(&self.host, exit_code, error.as_ref());
        // A failed run is undone while its deploy locks are still held.
        let (exit_code, changes) = compensation::after_failure(&self.host, exit_code, &mut error);
        let gate = self.host.gate();
        let status = match exit_code {
            ExitCode::Success => "succeeded".to_string(),
            code if changes.is_empty() => format!("failed (exit {})", code.code()),
            code => format!("failed (exit {}), {changes}", code.code()),
        };
        if let Some(warning) = self.host.finish(gate.close_summary(&status)) {
            self.host
                .log(crate::report::event::Level::Warn, warning, None);
        }
        // Every exit path releases the deploy locks, Ctrl-C included.
        for problem in self.host.finish(gate.release()) {
            self.host.log(
                crate::report::event::Level::Warn,
                format!("could not release the deploy lock {problem}; it expires by itself"),
                None,
            );
        }
        crate::primitives::notify::hooks::drain(&self.host);
        // Webhook URLs and Secret values the run knows stay out of the error,
        // and so do passwords and tokens in URLs (`crate::mask`, part of the
        // redaction): its source line may quote any of them.
        let notify = &self.host.notify;
        let error = error.map(|d| d.map_text(&|t| notify.redact(t)));
        if let Some(d) = &error {
            self.host.emit(Event::Error {
                diagnostic: d.clone(),
            });
        }
        let outcome = Outcome {
            exit_code,
            steps: self.host.record.steps(),
            tests: self.host.record.tests(),
            error,
            duration: started.elapsed(),
        };
        self.host.emit(Event::RunFinished {
            exit_code: exit_code.code(),
            status: outcome.status(),
            duration_ms: outcome.duration.as_millis() as u64,
            steps: outcome.steps.clone(),
            tests: outcome.tests.clone(),
        });
        outcome
    }
}

/// The directory a playbook's imports and config are found from.
pub(crate) fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}
