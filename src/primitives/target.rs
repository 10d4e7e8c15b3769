//! What a run is aimed at, from the command line, and what it has changed so far.

use crate::primitives::doc;
use crate::primitives::host::Host;
use rhai::{Dynamic, Engine, Module};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub environment: Option<String>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// A kubeconfig to use instead of $KUBECONFIG / ~/.kube/config (`--sim` sets it).
    pub kubeconfig: Option<std::path::PathBuf>,
    pub dry_run: bool,
    /// `--yes`: the operator pre-approved the run.
    pub assume_yes: bool,
    /// `--approver NAME`: who pre-approved it (recorded with the approval).
    pub approver: Option<String>,
    /// `--lock-timeout`: how long to wait for another run's deploy lock.
    pub lock_timeout: Option<std::time::Duration>,
    /// `--set key=value` pairs, seen by the script as `args`.
    pub args: BTreeMap<String, String>,
    /// `--service NAME`: smoke tests of other services are skipped.
    pub services: Vec<String>,
    /// `--comprehensive`: smoke tests tagged "comprehensive" run too.
    pub comprehensive: bool,
    /// `--skip-tests`: every smoke test is recorded as skipped.
    pub skip_tests: bool,
    /// `--reach`: how the cluster's addresses are reached, over the environment's.
    pub reach: Option<crate::drivers::kube::reach::Reach>,
    /// `--docker HOST`: the Docker daemon, over the environment's `docker`.
    pub docker: Option<String>,
}

/// The `target` namespace: where this run points. Usable from any function or module.
pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let mut module = Module::new();
    let t = &host.target;
    for (name, value, what) in [
        (
            "environment",
            &t.environment,
            "The environment selected with --env, or () when none was.",
        ),
        (
            "context",
            &t.context,
            "The kube context selected with --context, or () when none was.",
        ),
        (
            "namespace",
            &t.namespace,
            "The namespace selected with --namespace, or () when none was.",
        ),
    ] {
        let value: Dynamic = value.clone().map(Dynamic::from).unwrap_or(Dynamic::UNIT);
        doc(name, what, &["?"]).set_into_module(&mut module, move || value.clone());
    }
    let dry_run = t.dry_run;
    doc(
        "dry_run",
        "True when the run was started with --dry-run.",
        &["bool"],
    )
    .set_into_module(&mut module, move || dry_run);
    let services: rhai::Array = t.services.iter().cloned().map(Dynamic::from).collect();
    doc(
        "services",
        "The services named with --service (empty: all).",
        &["Array"],
    )
    .set_into_module(&mut module, move || services.clone());
    let comprehensive = t.comprehensive;
    doc(
        "comprehensive",
        "True when the run was started with --comprehensive.",
        &["bool"],
    )
    .set_into_module(&mut module, move || comprehensive);
    let skip_tests = t.skip_tests;
    doc(
        "skip_tests",
        "True when the run was started with --skip-tests (smoke tests are recorded as skipped).",
        &["bool"],
    )
    .set_into_module(&mut module, move || skip_tests);
    let h = host.clone();
    doc(
        "changes",
        "How many changes the run has made so far (0: nothing to roll back).",
        &["i64"],
    )
    .set_into_module(&mut module, move || changes(&h));
    engine.register_static_module("target", module.into());
}

/// `target::changes()`: the changes the run's journal holds.
fn changes(h: &Host) -> i64 {
    h.gate().journal.as_ref().map_or(0, |j| {
        j.records()
            .iter()
            .filter(|r| matches!(r, crate::guard::journal::Record::Change(_)))
            .count() as i64
    })
}

impl Target {
    /// `args` as the script sees it: a map of the `--set` values (strings).
    pub fn args_map(&self) -> rhai::Map {
        self.args
            .iter()
            .map(|(k, v)| (k.as_str().into(), Dynamic::from(v.clone())))
            .collect()
    }
}
