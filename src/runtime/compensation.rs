//! After a failed run: the host undoes what the run changed, from its
//! journal, unless the environment turned `auto_rollback` off or it was a
//! dry run. An undo that fails turns the exit code into 6, with what is left.

use crate::exit_code::ExitCode;
use crate::guard::compensate::{is_external, label, plan, undo, SKIPPED};
use crate::guard::journal::Journal;
use crate::primitives::host::Host;
use crate::report::diagnostic::Diagnostic;
use crate::report::event::Level;
use std::time::Duration;

/// How long restored workloads may take to roll back.
const ROLLBACK_WAIT: Duration = Duration::from_secs(300);

/// Undoes the run's changes if it failed; returns the exit code to use and
/// what became of the changes ("undone", ...; "" when there were none).
pub(super) fn after_failure(
    host: &Host,
    code: ExitCode,
    error: &mut Option<Diagnostic>,
) -> (ExitCode, &'static str) {
    let gate = host.gate();
    let Some(journal) = &gate.journal else {
        return (code, "");
    };
    if code == ExitCode::Success || code == ExitCode::PreFlight || host.target.dry_run {
        return (code, "");
    }
    let entries = match Journal::read(&journal.path) {
        Ok(e) if !e.is_empty() => e,
        _ => return (code, ""), // nothing was changed
    };
    if let Some(at) = gate.held() {
        host.log(
            Level::Warn,
            format!(
                "the run failed after hold() at {at}: its {} changes stay (journal: {})",
                entries.len(),
                journal.path.display()
            ),
            None,
        );
        return (code, "its changes kept (hold)");
    }
    if !gate.environment.auto_rollback {
        host.log(
            Level::Warn,
            format!(
                "the run failed after {} changes; auto_rollback is off, so they stay (journal: {})",
                entries.len(),
                journal.path.display()
            ),
            None,
        );
        return (code, "its changes kept (auto_rollback off)");
    }
    let again = if host.io.cancel.is_requested() {
        " (Ctrl-C again skips the undo and leaves them as they are)"
    } else {
        ""
    };
    host.log(
        Level::Warn,
        format!(
            "the run failed; undoing its {} changes{again}",
            entries.len()
        ),
        None,
    );
    crate::primitives::notify::hooks::rollback_started(host, entries.len());
    let abort = host.io.cancel.abort_token();
    let undone = host.finish(async {
        // A run that changed only load balancers needs no cluster to be undone.
        let cluster = if entries.iter().any(|e| !is_external(e)) {
            Some(tokio::select! {
                biased;
                _ = abort.cancelled() => return Err(crate::drivers::kube::K8sError::new(SKIPPED)),
                c = host.cluster() => c?,
            })
        } else {
            None
        };
        Ok(undo(
            cluster.as_deref(),
            &entries,
            ROLLBACK_WAIT,
            &abort,
            &gate.sandbox.programs,
        )
        .await)
    });
    let left: Vec<String> = match undone {
        Err(e) => plan(&entries)
            .into_iter()
            .map(|x| format!("{}: {}", label(x), e.message))
            .collect(),
        Ok(results) => results
            .iter()
            .filter_map(|u| match &u.outcome {
                Ok(what) => {
                    host.log(Level::Info, format!("undone: {} ({what})", u.object), None);
                    None
                }
                Err(why) => Some(format!("{}: {why}", u.object)),
            })
            .collect(),
    };
    if left.is_empty() {
        host.log(
            Level::Info,
            "the run's changes are undone".to_string(),
            None,
        );
        crate::primitives::notify::hooks::rollback_ended(host, code, &[]);
        return (code, "undone");
    }
    for l in &left {
        host.log(Level::Error, format!("could not undo {l}"), None);
    }
    if let Some(d) = error.as_mut() {
        let how = if host.io.cancel.is_aborted() {
            "the undo was skipped (Ctrl-C again)"
        } else {
            "undoing the run failed"
        };
        d.message.push_str(&format!(
            "\nand {how}; left as they are:\n  {}",
            left.join("\n  ")
        ));
        d.hint = Some(format!(
            "`orion rollback --run {}` finishes the undo; each object's state before the run is the `prior` of its first entry in {}",
            journal.run,
            journal.path.display()
        ));
    }
    crate::primitives::notify::hooks::rollback_ended(host, ExitCode::RollbackFailed, &left);
    (ExitCode::RollbackFailed, "not fully undone")
}
