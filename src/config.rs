//! orion.toml: found by walking up from the playbook's directory, or given with
//! `--config`. Every key has a documented default; unknown keys are errors.

use crate::drivers::kube::calls::ApiSettings;
use crate::engine::limits::Limits;
use crate::guard::programs::Programs;
use crate::guard::Environment;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "orion.toml";

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Sandbox limits for playbooks (see `Limits` for each default).
    pub limits: Limits,
    /// `[environments.NAME]`, chosen with `--env NAME` (see `Environment`).
    pub environments: BTreeMap<String, Environment>,
    /// `[programs]`: the programs orion runs (default: found on PATH).
    pub programs: Programs,
    /// `[api]`: time limits of calls to the Kubernetes API server.
    pub api: ApiSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid {path}: {message}")]
    Parse { path: String, message: String },
}

impl Config {
    /// Reads and validates one config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: shown.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.api.check().map_err(|message| ConfigError::Parse {
            path: shown.clone(),
            message,
        })?;
        config
            .limits
            .check()
            .map_err(|message| ConfigError::Parse {
                path: shown.clone(),
                message,
            })?;
        for (name, env) in &config.environments {
            for (i, w) in env.windows.iter().enumerate() {
                w.check().map_err(|message| ConfigError::Parse {
                    path: shown.clone(),
                    message: format!("environments.{name}.windows[{i}]: {message}"),
                })?;
            }
        }
        Ok(config)
    }

    /// The environment `name` picks (the defaults when no name is given).
    pub fn environment(&self, name: Option<&str>) -> Result<Environment, String> {
        let Some(name) = name else {
            return Ok(Environment::default());
        };
        self.environments.get(name).cloned().ok_or_else(|| {
            if self.environments.is_empty() {
                format!("unknown environment \"{name}\": orion.toml defines none\nhint: add [environments.{name}] to orion.toml")
            } else {
                let known: Vec<&str> = self.environments.keys().map(String::as_str).collect();
                format!("unknown environment \"{name}\"\nhint: orion.toml defines: {}", known.join(", "))
            }
        })
    }

    /// The nearest orion.toml in `dir` or above it, if any.
    pub fn find(dir: &Path) -> Option<PathBuf> {
        let start = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let start = start.canonicalize().ok()?;
        start
            .ancestors()
            .map(|d| d.join(FILE_NAME))
            .find(|p| p.is_file())
    }

    /// The orion.toml that applies to a playbook in `dir`, if any.
    pub fn path_for(explicit: Option<&Path>, dir: &Path) -> Option<PathBuf> {
        explicit
            .map(Path::to_path_buf)
            .or_else(|| Config::find(dir))
    }

    /// The config for a playbook in `dir`: the explicit file, else the nearest
    /// orion.toml, else the defaults.
    pub fn for_dir(explicit: Option<&Path>, dir: &Path) -> Result<Config, ConfigError> {
        Loaded::resolve(explicit, dir).map(|l| l.config)
    }
}

/// The orion.toml that applies to a playbook's directory, found and parsed
/// once: where it is (None: there is none, and the defaults apply) and what
/// it says.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub path: Option<PathBuf>,
    pub config: Config,
}

impl Loaded {
    /// The explicit file, else the nearest orion.toml in `dir` or above it,
    /// else the defaults.
    pub fn resolve(explicit: Option<&Path>, dir: &Path) -> Result<Loaded, ConfigError> {
        let path = Config::path_for(explicit, dir);
        let config = match &path {
            Some(p) => {
                tracing::debug!(config = %p.display(), "reading config");
                Config::load(p)?
            }
            None => {
                tracing::debug!(dir = %dir.display(), "no orion.toml here or above; using defaults");
                Config::default()
            }
        };
        Ok(Loaded { path, config })
    }

    /// The directory orion.toml is in, if there is one.
    pub fn dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn partial_limits_keep_other_defaults() {
        let c: Config = toml::from_str("[limits]\nmax_operations = 5000\n").unwrap();
        assert_eq!(c.limits.max_operations, 5000);
        assert_eq!(
            c.limits.max_call_levels,
            Config::default().limits.max_call_levels
        );
    }

    #[test]
    fn the_readme_example_is_a_valid_config_of_defaults() {
        let readme = include_str!("../README.md");
        let section = &readme[readme.find("## orion.toml").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let block = &section[start..start + section[start..].find("```").unwrap()];
        let c: Config = toml::from_str(block).unwrap();
        assert_eq!(
            c.limits,
            Config::default().limits,
            "the README shows the defaults"
        );
        let prod = c.environment(Some("production")).unwrap();
        assert_eq!(prod.context.as_deref(), Some("prod-*"));
        let defaults = crate::guard::Environment::default();
        assert_eq!(prod.protected_namespaces, defaults.protected_namespaces);
        assert_eq!(prod.min_nodes, defaults.min_nodes);
        assert_eq!(prod.secret_placeholders, defaults.secret_placeholders);
        assert!(c
            .environment(Some("staging"))
            .unwrap_err()
            .contains("defines: production"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = toml::from_str::<Config>("[limits]\nmax_ops = 5\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `max_ops`"), "{err}");
    }
}
