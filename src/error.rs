//! Errors that stop orion before a playbook runs, and their exit code.

use crate::config::ConfigError;
use crate::exit_code::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot start the I/O runtime: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::PreFlight
    }
}
