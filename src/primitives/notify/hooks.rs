//! What the runtime tells a run's webhooks: the run ended (success or
//! failure), its undo started and how it ended; and, last, the wait for posts
//! still in flight. Every post is in the background: these return at once,
//! except that before a failure is reported the Secrets the run changed are
//! read back (at most `SECRET_READ`) so their values can be masked.

use crate::drivers::notify::secrets::{self, SecretChange};
use crate::drivers::notify::{Kind, Notice};
use crate::exit_code::ExitCode;
use crate::guard::journal::Record;
use crate::primitives::host::Host;
use crate::report::diagnostic::Diagnostic;
use crate::report::event::Level;
use std::time::Duration;

/// Longest wait for reading back the Secrets a run changed.
const SECRET_READ: Duration = Duration::from_secs(3);

/// Longest message text posted.
const MAX_MESSAGE: usize = 1500;

/// Posted instead of a message whose secrets could not all be learned.
pub const WITHHELD: &str = "(message withheld: the values of the Secrets this run changed could not be read back to mask them)";

/// A new run of `playbook`: no webhooks yet.
pub fn begin(host: &Host, playbook: &str) {
    host.notify.reset(playbook);
}

/// A notice about the run as it is now.
pub fn notice(
    host: &Host,
    event: Kind,
    status: &str,
    exit_code: Option<i32>,
    message: Option<String>,
) -> Notice {
    let gate = host.gate();
    let t = &host.target;
    Notice {
        event,
        run: gate.journal.as_ref().map(|j| j.run.clone()),
        playbook: host.notify.playbook(),
        environment: gate.name.clone().or_else(|| t.environment.clone()),
        namespace: t
            .namespace
            .clone()
            .or_else(|| gate.environment.namespace.clone()),
        exit_code,
        status: status.to_string(),
        message: message.map(|m| crate::drivers::probe::excerpt(&m, MAX_MESSAGE)),
        at: crate::report::clock::rfc3339_now(),
        dry_run: t.dry_run,
    }
}

/// Teaches the notifier the values of the Secrets the run changed: before
/// (journal) and now (read back). False when some could not be read.
pub fn learn_secrets(host: &Host) -> bool {
    let gate = host.gate();
    let Some(journal) = &gate.journal else {
        return true;
    };
    let records = journal.records();
    let changes: Vec<SecretChange> = records
        .iter()
        .filter_map(|r| match r {
            Record::Change(e) if e.kind == "Secret" && e.api_version == "v1" => {
                Some(SecretChange {
                    namespace: &e.namespace,
                    name: &e.name,
                    seq: e.seq,
                    prior: e.prior.as_ref(),
                })
            }
            _ => None,
        })
        .collect();
    host.notify.learn(secrets::prior_values(&changes));
    let stale: Vec<(String, String, u64)> = secrets::changed(&changes)
        .into_iter()
        .filter(|(ns, name, seq)| host.notify.read_after(ns, name).is_none_or(|r| r < *seq))
        .collect();
    if stale.is_empty() {
        return true;
    }
    let read = host.finish(async {
        tokio::time::timeout(SECRET_READ, async {
            let cluster = host.cluster().await?;
            let mut found = Vec::new();
            for (ns, name, _) in &stale {
                found.push(secrets::live_values(&cluster, ns, name).await?);
            }
            Ok::<_, crate::drivers::kube::K8sError>(found)
        })
        .await
    });
    let why = match read {
        Ok(Ok(found)) => {
            for ((ns, name, seq), values) in stale.iter().zip(found) {
                host.notify.learn(values);
                host.notify.mark_read(ns, name, *seq);
            }
            return true;
        }
        Ok(Err(e)) => e.message,
        Err(_) => format!("no answer within {}", crate::duration::format(SECRET_READ)),
    };
    host.log(
        Level::Warn,
        format!("notifications: cannot read back the Secrets this run changed ({why}); messages are withheld"),
        None,
    );
    false
}

/// `message` masked, or withheld when the run's secrets are not all known.
pub fn masked(host: &Host, message: &str) -> String {
    if learn_secrets(host) {
        host.notify.redact(message)
    } else {
        WITHHELD.to_string()
    }
}

/// The run ended with `code`: success or failure (with its error).
pub fn run_ended(host: &Host, code: ExitCode, error: Option<&Diagnostic>) {
    let kind = if code == ExitCode::Success {
        Kind::Success
    } else {
        Kind::Failure
    };
    if !host.notify.wants(kind) {
        return;
    }
    let status = match code {
        ExitCode::Success => "succeeded",
        ExitCode::Cancelled => "cancelled",
        _ => "failed",
    };
    let message = error.map(|d| masked(host, &d.message));
    host.notify
        .send(notice(host, kind, status, Some(code.code()), message));
}

/// The automatic undo of `changes` changes begins.
pub fn rollback_started(host: &Host, changes: usize) {
    let message = format!("undoing the run's {changes} changes");
    host.notify.send(notice(
        host,
        Kind::Rollback,
        "rolling back",
        None,
        Some(message),
    ));
}

/// The undo ended; `left` is what could not be undone; `code` the run's exit code now.
pub fn rollback_ended(host: &Host, code: ExitCode, left: &[String]) {
    let (status, message) = if left.is_empty() {
        ("undone", "the run's changes are undone".to_string())
    } else {
        (
            "not fully undone",
            format!("left as they are: {}", left.join("; ")),
        )
    };
    let message = host.notify.redact(&message);
    host.notify.send(notice(
        host,
        Kind::Rollback,
        status,
        Some(code.code()),
        Some(message),
    ));
}

/// The end of the run: waits for posts still in flight, at most the
/// longest webhook timeout (a second Ctrl-C stops the wait), and says which
/// did not finish.
pub fn drain(host: &Host) {
    let stop = host.io.cancel.abort_token();
    let (left, waited) = host.finish(host.notify.drain(stop));
    if left.is_empty() {
        return;
    }
    host.log(
        Level::Warn,
        format!(
            "{} notification{} still unanswered after {} and dropped: {}",
            left.len(),
            if left.len() == 1 { " was" } else { "s were" },
            crate::duration::format(waited),
            left.join(", ")
        ),
        None,
    );
}
