//! orion's own log (not the playbook's): tracing to stderr, filtered by -v/-q or RUST_LOG.
//! By default only orion's own warnings show: the libraries' lines (an HTTP
//! client's "failed with status 500" while a call is retried) need -v.

use tracing_subscriber::EnvFilter;

pub(super) fn init(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "orion=error",
        (false, 0) => "orion=warn",
        (false, 1) => "warn,orion=debug",
        _ => "warn,orion=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(crate::report::style::Style::for_stderr().color)
        .try_init();
}
