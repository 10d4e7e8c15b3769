//! `import` resolution: "orion/..." from the stdlib compiled into the binary; any
//! other path relative to the playbook's directory, never outside it.

use crate::engine::sources::Sources;
use crate::engine::stdlib;
use rhai::module_resolvers::ModuleResolver;
use rhai::{Engine, EvalAltResult, Module, Position, Scope, Shared, AST};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct Resolver {
    /// The playbook's directory: every file import resolves under it.
    root: PathBuf,
    sources: Arc<Sources>,
    /// Evaluated modules, by import path.
    cache: Mutex<HashMap<String, Shared<Module>>>,
    /// Compiled modules, by import path (checked before the run, used during it).
    compiled: Mutex<HashMap<String, AST>>,
}

/// A module found: its source name (as diagnostics show it) and its text.
struct Found {
    name: String,
    text: String,
}

impl Resolver {
    pub fn new(root: &Path, sources: Arc<Sources>) -> Resolver {
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        Resolver {
            root: root.to_path_buf(),
            sources,
            cache: Mutex::new(HashMap::new()),
            compiled: Mutex::new(HashMap::new()),
        }
    }

    fn locate(&self, path: &str) -> Result<Found, String> {
        if let Some(name) = path.strip_prefix(stdlib::PREFIX) {
            return match stdlib::get(name) {
                Some(text) => Ok(Found {
                    name: format!("{path}.rhai"),
                    text: text.to_string(),
                }),
                None => Err(format!(
                    "there is no stdlib module \"{path}\"\nhint: the stdlib has: {}",
                    stdlib::names().join(", ")
                )),
            };
        }
        let relative = confine(path)?;
        let full = self.root.join(&relative);
        let text = std::fs::read_to_string(&full).map_err(|e| {
            format!(
                "cannot read module \"{path}\" ({}): {e}\nhint: imports resolve relative to the playbook's directory",
                full.display()
            )
        })?;
        crate::engine::sources::check_length(path, &text)?;
        let (Ok(real), Ok(real_root)) = (full.canonicalize(), self.root.canonicalize()) else {
            return Err(format!("cannot resolve module \"{path}\""));
        };
        if !real.starts_with(&real_root) {
            return Err(format!(
                "import \"{path}\" leads outside the playbook's directory (through a symbolic link)\nhint: keep modules under {}",
                self.root.display()
            ));
        }
        let name = full.strip_prefix(".").unwrap_or(&full);
        Ok(Found {
            name: name.to_string_lossy().into_owned(),
            text,
        })
    }

    fn compile(
        &self,
        engine: &Engine,
        path: &str,
        pos: Position,
    ) -> Result<AST, Box<EvalAltResult>> {
        if let Some(ast) = self
            .compiled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return Ok(ast.clone());
        }
        let found = self.locate(path).map_err(|message| {
            in_module(
                path,
                EvalAltResult::ErrorModuleNotFound(message, Position::NONE).into(),
                pos,
            )
        })?;
        tracing::debug!(import = path, file = %found.name, "resolved import");
        self.sources.insert(&found.name, &found.text);
        let mut ast = engine
            .compile(&found.text)
            .map_err(|e| in_module(&found.name, e.into(), pos))?;
        ast.set_source(found.name);
        self.compiled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string(), ast.clone());
        Ok(ast)
    }
}

fn in_module(name: &str, inner: Box<EvalAltResult>, pos: Position) -> Box<EvalAltResult> {
    EvalAltResult::ErrorInModule(name.into(), inner, pos).into()
}

/// The relative file path an import names (".rhai" added when it has no
/// extension), or why it is refused: absolute, or climbing out with "..".
pub fn confine(path: &str) -> Result<PathBuf, String> {
    let refuse = |why: &str| {
        format!(
            "import \"{path}\" is refused: {why}\nhint: imports resolve relative to the playbook's directory and cannot leave it; move the module beside the playbook"
        )
    };
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('~') {
        return Err(refuse("it is an absolute path"));
    }
    let mut out = PathBuf::new();
    for component in p.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err(refuse(
                        "it climbs out of the playbook's directory with \"..\"",
                    ));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse("it is an absolute path"))
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(refuse("it names no file"));
    }
    if out.extension().is_none() {
        out.set_extension("rhai");
    }
    Ok(out)
}

impl ModuleResolver for Resolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        if let Some(m) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return Ok(m.clone());
        }
        let ast = self.compile(engine, path, pos)?;
        let name = ast.source().unwrap_or(path).to_string();
        let module: Shared<Module> = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|e| in_module(&name, e, pos))?
            .into();
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string(), module.clone());
        Ok(module)
    }

    fn resolve_ast(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Option<Result<AST, Box<EvalAltResult>>> {
        Some(self.compile(engine, path, pos))
    }
}

#[cfg(test)]
mod tests {
    use super::confine;
    use std::path::PathBuf;

    #[test]
    fn confines_imports_to_the_root() {
        assert_eq!(confine("lib/x").unwrap(), PathBuf::from("lib/x.rhai"));
        assert_eq!(confine("./a/../b.rhai").unwrap(), PathBuf::from("b.rhai"));
        assert!(confine("/etc/passwd")
            .unwrap_err()
            .contains("absolute path"));
        assert!(confine("../secret").unwrap_err().contains("climbs out"));
        assert!(confine("a/../../b").unwrap_err().contains("climbs out"));
        assert!(confine(".").unwrap_err().contains("names no file"));
    }
}
