//! After a failed run: the host undoes what the run changed, from its
//! journal, unless the environment turned `auto_rollback` off or it was a
//! dry run. An undo that fails turns the exit code into 6, with what is left.

use crate::exit_code::ExitCode;
use crate::guard::compensate::undo;
use crate::guard::journal::Journal;
use crate::k8s::connect::connect;
use crate::primitives::host::Host;
use crate::report::diagnostic::Diagnostic;
use crate::report::event::Level;
use std::time::Duration;

/// How long restored workloads may take to roll back.
const ROLLBACK_WAIT: Duration = Duration::from_secs(300);

/// Undoes the run's changes if it failed; returns the exit code to use.
pub fn after_failure(host: &Host, code: ExitCode, error: &mut Option<Diagnostic>) -> ExitCode {
    let gate = host.gate();
    let Some(journal) = &gate.journal else {
        return code;
    };
    if code == ExitCode::Success || code == ExitCode::PreFlight || host.target.dry_run {
        return code;
    }
    let entries = match Journal::read(&journal.path) {
        Ok(e) if !e.is_empty() => e,
        _ => return code, // nothing was changed
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
        return code;
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
        return code;
    }
    host.log(
        Level::Warn,
        format!("the run failed; undoing its {} changes", entries.len()),
        None,
    );
    let t = &host.target;
    let context = t.context.as_deref().or(gate.environment.exact_context());
    let namespace = t
        .namespace
        .as_deref()
        .or(gate.environment.namespace.as_deref());
    let undone = host.finish(async {
        let cluster = connect(t.kubeconfig.as_deref(), context, namespace).await?;
        Ok::<_, crate::k8s::K8sError>(undo(&cluster, &entries, ROLLBACK_WAIT).await)
    });
    let left: Vec<String> = match undone {
        Err(e) => vec![format!("everything: {}", e.message)],
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
        return code;
    }
    for l in &left {
        host.log(Level::Error, format!("could not undo {l}"), None);
    }
    if let Some(d) = error.as_mut() {
        d.message.push_str(&format!(
            "\nand undoing the run failed; left as they are:\n  {}",
            left.join("\n  ")
        ));
        d.hint = Some(format!(
            "each object's state before the run is the `prior` of its first entry in {}",
            journal.path.display()
        ));
    }
    ExitCode::RollbackFailed
}
