//! `orion rollback --last | --run ID`: undo a past run — after a killed run,
//! from another shell, or from another machine through the run's summaries
//! in the cluster. It takes the run's deploy lock, like a run. This
//! machine's journal is trusted; a summary in the cluster is not (anyone who
//! may write a ConfigMap there could have written it): undoing from one
//! shows what each object becomes and needs an operator's approval, and
//! undoes only what `guard::untrusted` admits.

use crate::cli::past_runs::{PastRun, Sources};
use crate::config::Config;
use crate::drivers::kube::connect::{connect, Cluster};
use crate::exit_code::ExitCode;
use crate::guard::approval::{ask, at_terminal};
use crate::guard::compensate::{
    changed_since, is_external, label, last_made, left_as, plan, undo, Undone,
};
use crate::guard::journal::Entry;
use crate::guard::untrusted::{admissible, becomes};
use crate::guard::{summary, Gate, Refusal};
use crate::report::style::Style;
use clap::Args;
use std::time::Duration;

/// Undo a past run's changes (each object back to its state before that run),
/// from this machine's journal or the run's summaries in the cluster.
#[derive(Args, Debug)]
pub(super) struct RollbackArgs {
    /// The newest run in this machine's journals (else the cluster's newest).
    #[arg(long, conflicts_with = "run")]
    last: bool,
    /// The run to undo (as `orion history` lists it).
    #[arg(long, value_name = "ID")]
    run: Option<String>,
    /// Approve undoing from the cluster's summaries without a terminal (with --approver).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Who approves with --yes (recorded in the run's summary).
    #[arg(long, value_name = "NAME")]
    approver: Option<String>,
    /// Undo even objects changed again since the run (their later changes are lost).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    sources: Sources,
}

pub(super) fn run(args: RollbackArgs) -> ExitCode {
    let style = Style::for_stderr();
    let fail = |message: String| {
        eprintln!("{} {message}", style.error("error:"));
        ExitCode::PreFlight
    };
    if args.run.is_none() && !args.last {
        return fail("say which run: --last, or --run ID (orion history lists them)".into());
    }
    let config = match args.sources.config() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the I/O runtime: {e}")),
    };
    // orion.toml's [api] limits, and a line on stderr while a call waits.
    let notice: crate::drivers::kube::calls::Notice = std::sync::Arc::new(move |line: String| {
        eprintln!("{} {}", style.warn("warn:"), crate::mask::secrets(&line))
    });
    let calls = crate::drivers::kube::calls::Calls::new(config.api, Some(notice));
    runtime.block_on(crate::drivers::kube::calls::scoped(std::sync::Arc::new(calls), async {
        let found = args.sources.find().await;
        let chosen = match &args.run {
            Some(id) => found.runs.iter().find(|r| &r.id == id),
            // This machine's own runs first: a summary anyone could have
            // named to sort last must not be the one --last picks.
            None => found
                .runs
                .iter()
                .rfind(|r| r.journal.is_some())
                .or(found.runs.last()),
        };
        let Some(run) = chosen else {
            return fail(format!(
                "no such run in {} or the cluster's run summaries\n  = hint: orion history lists the runs",
                found.dir.display()
            ));
        };
        if args.last {
            if let Some(newer) = found.runs.last().filter(|n| n.id > run.id) {
                eprintln!(
                    "note: the cluster also has a newer run {} that this machine's journals do not; `orion rollback --run {}` undoes it (after showing it)",
                    newer.id, newer.id
                );
            }
        }
        if !args.force {
            if let Err(code) = nothing_changed_since(run, &found.runs, found.cluster.as_ref(), &style).await {
                return code;
            }
        }
        match (&run.journal, found.cluster) {
            (Some(_), _) => from_journal(run, &config, &style).await,
            (None, Some(cluster)) => from_summaries(run, &cluster, &args, &config, &style).await,
            (None, None) => fail(format!("run {} is known only from a cluster that cannot be read now", run.id)),
        }
    }))
}

/// Refuses (exit 1) to undo a run whose objects were changed again since —
/// by a newer run or by hand — naming them and the newer runs that touched
/// them; `--force` undoes anyway.
async fn nothing_changed_since(
    run: &PastRun,
    all: &[PastRun],
    found: Option<&Cluster>,
    style: &Style,
) -> Result<(), ExitCode> {
    let made = run.made();
    let entries = run.entries();
    if made.is_empty() || entries.iter().all(is_external) {
        return Ok(());
    }
    let connected;
    let cluster = match (found, entries.iter().find(|e| !is_external(e))) {
        (Some(c), _) if run.journal.is_none() => c,
        (_, Some(e)) => match connect(None, Some(&e.context), None).await {
            Ok(c) => {
                connected = c;
                &connected
            }
            Err(e) => {
                eprintln!("{} {}", style.error("error:"), e.message);
                return Err(ExitCode::PreFlight);
            }
        },
        _ => return Ok(()),
    };
    let changed = match changed_since(cluster, entries, &made).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{} {}", style.error("error:"), e.message);
            return Err(ExitCode::PreFlight);
        }
    };
    let same = |a: &Entry, b: &Entry| a.object() == b.object();
    let touched_by = |e: &Entry| -> Vec<&PastRun> {
        all.iter()
            .filter(|r| r.id > run.id && r.entries().iter().any(|n| same(n, e)))
            .collect()
    };
    // Changes since that newer runs made and were then undone do not count:
    // the undo put back what this run left, when the first of them started
    // from it. (A change by hand after such an undo is not seen.)
    let changed: Vec<_> = changed
        .into_iter()
        .filter(|(e, _)| {
            let newer = touched_by(e);
            let all_undone =
                !newer.is_empty() && newer.iter().all(|r| r.status().contains("rolled back"));
            let started_from_ours = newer
                .first()
                .and_then(|r| r.entries().iter().find(|n| same(n, e)))
                .and_then(|n| n.prior.as_ref())
                .zip(last_made(e, &made))
                .is_some_and(|(prior, ours)| left_as(ours, prior));
            !(all_undone && started_from_ours)
        })
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let mut newer: Vec<&str> = changed
        .iter()
        .flat_map(|(e, _)| touched_by(e))
        .map(|r| r.id.as_str())
        .collect();
    newer.sort();
    newer.dedup();
    let changed: Vec<String> = changed
        .iter()
        .map(|(e, how)| format!("{} ({how})", label(e)))
        .collect();
    eprintln!(
        "{} refusing to undo run {}: its objects were changed again since, and undoing it would throw those changes away:\n  {}{}\nnothing was undone\n  = hint: undo the newer runs first, or pass --force to undo this one anyway",
        style.error("error:"),
        run.id,
        changed.join("\n  "),
        if newer.is_empty() {
            String::new()
        } else {
            format!("\n  changed by the newer runs: {}", newer.join(", "))
        }
    );
    Err(ExitCode::PreFlight)
}

/// The environment the run was made in, as this machine's orion.toml has it.
fn environment_of(
    config: &Config,
    entries: &[Entry],
) -> (Option<String>, crate::guard::Environment) {
    let name = entries.iter().find_map(|e| e.environment.clone());
    let env = config.environment(name.as_deref()).unwrap_or_default();
    (name, env)
}

/// Undoes a run from this machine's journal (what it says is this
/// machine's own record, so it is undone as it is).
async fn from_journal(run: &PastRun, config: &Config, style: &Style) -> ExitCode {
    let entries = run.entries();
    let in_cluster = entries.iter().find(|e| !is_external(e));
    let cluster = match in_cluster {
        None => None,
        Some(e) => match connect(None, Some(&e.context), None).await {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("{} {}", style.error("error:"), e.message);
                return ExitCode::PreFlight;
            }
        },
    };
    let from = match &run.journal {
        Some((path, _)) => format!("journal {}", path.display()),
        None => String::new(),
    };
    eprintln!(
        "undoing run {}: {} changes{} ({from})",
        run.id,
        entries.len(),
        cluster
            .as_ref()
            .map(|c| format!(" in context {}", c.info.name))
            .unwrap_or_default()
    );
    let (name, env) = environment_of(config, entries);
    let gate = Gate::for_undo(name, &env, &run.id);
    if let Some(c) = &cluster {
        if let Err(code) = pass_gate(&gate, c, entries, style).await {
            return code;
        }
    }
    let undone = undo(
        cluster.as_ref(),
        entries,
        Duration::from_secs(300),
        &Default::default(),
        &config.programs,
    )
    .await;
    finish(run, cluster.as_ref(), &gate, undone, &from, None, style).await
}

/// Undoes a run from its summaries in the cluster: only what
/// `guard::untrusted` admits, after showing the plan and being approved.
async fn from_summaries(
    run: &PastRun,
    cluster: &Cluster,
    args: &RollbackArgs,
    config: &Config,
    style: &Style,
) -> ExitCode {
    if let Some(problem) = run.stored.iter().find_map(|s| s.problem.as_ref()) {
        eprintln!(
            "{} run {} cannot be undone from here: {problem}",
            style.error("error:"),
            run.id
        );
        return ExitCode::PreFlight;
    }
    let (mut allowed, mut refused): (Vec<Entry>, Vec<Undone>) = (vec![], vec![]);
    for s in &run.stored {
        for e in &s.entries {
            match admissible(e, &s.namespace) {
                Ok(()) => allowed.push(e.clone()),
                Err(why) => refused.push(Undone {
                    object: label(e),
                    outcome: Err(format!("left as it is: {why}")),
                }),
            }
        }
    }
    allowed.sort_by_key(|e| e.seq);
    let namespaces: Vec<String> = run.stored.iter().map(|s| s.namespace.clone()).collect();
    let from = format!(
        "summaries {}",
        namespaces
            .iter()
            .map(|ns| format!("{ns}/{}", summary::object_name(&run.id)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut shown = format!(
        "  run {} from its {from} in context {} — unverified: whoever may write ConfigMaps in {} could have written them\n",
        run.id,
        cluster.info.name,
        namespaces.join(", ")
    );
    for e in plan(&allowed) {
        shown.push_str(&format!("  {}: {}\n", label(e), becomes(e)));
    }
    for r in &refused {
        if let Err(why) = &r.outcome {
            shown.push_str(&format!("  {}: {why}\n", r.object));
        }
    }
    if args.yes || !at_terminal() {
        eprintln!("undoing run {} would change:\n{shown}", run.id);
    }
    let (name, env) = environment_of(config, &allowed);
    let asked_for = name.clone().unwrap_or_else(|| namespaces.join(","));
    let stdin = std::io::stdin();
    let approved = ask(
        &asked_for,
        shown.trim_end(),
        args.yes,
        args.approver.as_deref(),
        at_terminal(),
        &mut stdin.lock(),
        &mut std::io::stderr(),
    );
    let approved = match approved {
        Ok(a) => a,
        Err(denied) => {
            eprintln!("{} {}", style.error("error:"), denied.0);
            return ExitCode::Cancelled;
        }
    };
    eprintln!("approved by {} ({})", approved.by, approved.how);
    let gate = Gate::for_undo(name, &env, &run.id);
    if let Err(code) = pass_gate(&gate, cluster, &allowed, style).await {
        return code;
    }
    let mut undone = undo(
        Some(cluster),
        &allowed,
        Duration::from_secs(300),
        &Default::default(),
        &config.programs,
    )
    .await;
    undone.extend(refused);
    let by = format!("approved by {}", approved.by);
    finish(run, Some(cluster), &gate, undone, &from, Some(&by), style).await
}

/// The gate for every namespace the undo changes: context, protected
/// namespaces, the deploy lock. A refusal releases what was taken.
async fn pass_gate(
    gate: &Gate,
    cluster: &Cluster,
    entries: &[Entry],
    style: &Style,
) -> Result<(), ExitCode> {
    let mut namespaces: Vec<&str> = plan(entries)
        .iter()
        .filter(|e| !is_external(e))
        .map(|e| e.namespace.as_str())
        .collect();
    namespaces.sort();
    namespaces.dedup();
    for ns in namespaces {
        let say = |m: String| eprintln!("{m}");
        let why = match gate.check(cluster, ns, &say, false).await {
            Ok(()) => continue,
            Err(Refusal::Refused(why)) => why,
            Err(Refusal::Failed(e)) => e.message,
        };
        gate.release().await;
        eprintln!("{} {why}\nnothing was undone", style.error("error:"));
        return Err(ExitCode::PreFlight);
    }
    Ok(())
}

/// Releases the lock, reports each object, records the rollback (and who
/// approved it) in the run's summaries: exit 0, or 6 when something is left.
async fn finish(
    run: &PastRun,
    cluster: Option<&Cluster>,
    gate: &Gate,
    undone: Vec<Undone>,
    from: &str,
    approved: Option<&str>,
    style: &Style,
) -> ExitCode {
    for problem in gate.release().await {
        eprintln!("warning: could not release the deploy lock {problem}; it expires by itself");
    }
    let mut left = 0;
    for u in &undone {
        match &u.outcome {
            Ok(what) => eprintln!("  {} {} ({what})", style.ok("✓"), u.object),
            Err(why) => {
                left += 1;
                eprintln!("  {} {}: {why}", style.error("✗"), u.object);
            }
        }
    }
    let status = if left == 0 {
        "rolled back by orion rollback"
    } else {
        "orion rollback left changes (exit 6)"
    };
    let status = match approved {
        Some(by) => format!("{status}, {by}"),
        None => status.to_string(),
    };
    if let Some(cluster) = cluster {
        for s in &run.stored {
            if let Err(e) = summary::set_status(cluster, &s.namespace, &run.id, &status).await {
                eprintln!(
                    "warning: could not record the rollback in the run's summary {}: {}",
                    s.namespace, e.message
                );
            }
        }
    }
    if left > 0 {
        eprintln!(
            "{} {left} objects could not be undone; each one's state before the run is the `prior` of its first entry in the {from}",
            style.error("error:"),
        );
        return ExitCode::RollbackFailed;
    }
    eprintln!("{}", style.ok(&format!("run {} undone", run.id)));
    ExitCode::Success
}
