//! `step(name, || { ... })`: a named, timed part of a playbook, listed in the summary.

use crate::primitives::doc;
use crate::primitives::error::{error_at, innermost, is_refusal, message};
use crate::primitives::host::Host;
use crate::primitives::phase::Phase;
use crate::report::event::Level;
use crate::report::step::{StepRecord, StepStatus};
use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, Map, NativeCallContext};
use std::sync::Arc;
use std::time::Instant;

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let h = host.clone();
    doc(
        "step",
        "Runs a closure as a named step: timed, logged, and listed in the final summary. Returns the closure's value; an error fails the step and the run. A step named \"pre-flight\", \"verify\" or \"smoke\" is in that phase: failing it exits 1, 3 or 4 instead of 2.",
        &["name: &str", "body: FnPtr", "?"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, name: &str, body: FnPtr| -> Result<Dynamic, Box<EvalAltResult>> {
            run_step(&h, &ctx, name, Phase::of_step(name), body)
        },
    );
    let h = host.clone();
    doc(
        "step",
        "As step(name, body), with #{phase: \"pre-flight\" | \"deploy\" | \"verify\" | \"smoke\"}: the phase sets the exit code if the step fails (1, 2, 3, 4).",
        &["name: &str", "options: Map", "body: FnPtr", "?"],
    )
    .register_into_engine(
        engine,
        move |ctx: NativeCallContext, name: &str, options: Map, body: FnPtr| -> Result<Dynamic, Box<EvalAltResult>> {
            let mut phase = Phase::of_step(name);
            for (key, value) in &options {
                match key.as_str() {
                    "phase" => {
                        let text = value.clone().into_string().map_err(|t| {
                            error_at(&ctx, format!("a step's phase is a string, not {t}\nhint: #{{phase: \"verify\"}}"))
                        })?;
                        phase = Some(Phase::parse(&text).map_err(|e| error_at(&ctx, e))?);
                    }
                    other => {
                        return Err(error_at(
                            &ctx,
                            format!("a step has no option \"{other}\"\nhint: the one option is phase: #{{phase: \"verify\"}}"),
                        ))
                    }
                }
            }
            run_step(&h, &ctx, name, phase, body)
        },
    );
}

fn run_step(
    h: &Host,
    ctx: &NativeCallContext,
    name: &str,
    phase: Option<Phase>,
    body: FnPtr,
) -> Result<Dynamic, Box<EvalAltResult>> {
    if name.trim().is_empty() {
        return Err(error_at(
            ctx,
            "a step needs a name\nhint: step(\"deploy\", || { ... })",
        ));
    }
    let (slot, depth) = h.record.enter_step(name);
    let started = Instant::now();
    if h.target.dry_run && matches!(phase, Some(Phase::Verify | Phase::Smoke)) {
        h.record.log(
            Level::Info,
            format!("(dry run) step {name} skipped: it checks what the run deployed, and a dry run deploys nothing"),
            None,
        );
        h.record.leave_step(
            slot,
            StepRecord {
                name: name.to_string(),
                depth,
                status: StepStatus::Skipped,
                duration: started.elapsed(),
                error: None,
            },
        );
        return Ok(Dynamic::UNIT);
    }
    let failing = || {
        h.record
            .tests()
            .iter()
            .filter(|t| t.fails_the_run())
            .count()
    };
    let failing_before = failing();
    let result = body.call_within_context::<Dynamic>(ctx, ());
    // Smoke tests record their failures and go on: a step whose tests
    // failed has failed, even though nothing was thrown.
    let failed_tests = failing() - failing_before;
    let (status, error) = match &result {
        Ok(_) if failed_tests > 0 => (
            StepStatus::Failed,
            Some(format!(
                "{failed_tests} smoke test{} failed",
                if failed_tests == 1 { "" } else { "s" }
            )),
        ),
        // exit(): the playbook ends here on purpose.
        Ok(_) => (StepStatus::Ok, None),
        Err(e) if matches!(innermost(e), EvalAltResult::Exit(..)) => (StepStatus::Ok, None),
        // A guard's refusal (a lock not free in time, a protected namespace)
        // is a failure, not the operator cancelling.
        Err(e) if is_refusal(e) && !h.io.cancel.is_requested() => {
            if let Some(p) = phase {
                h.record.phase_failed(p, &message(e));
            }
            (StepStatus::Failed, Some(message(e)))
        }
        Err(e)
            if h.io.cancel.is_requested()
                || matches!(innermost(e), EvalAltResult::ErrorTerminated(..)) =>
        {
            // A monitor that tripped fails the step in its phase.
            match (h.monitors.tripped(), phase) {
                (Some(trigger), Some(p)) => {
                    h.record.phase_failed(p, &trigger);
                    (StepStatus::Failed, Some(trigger))
                }
                (Some(trigger), None) => (StepStatus::Failed, Some(trigger)),
                _ => (StepStatus::Cancelled, Some(message(e))),
            }
        }
        Err(e) => {
            if let Some(p) = phase {
                h.record.phase_failed(p, &message(e));
            }
            (StepStatus::Failed, Some(message(e)))
        }
    };
    h.record.leave_step(
        slot,
        StepRecord {
            name: name.to_string(),
            depth,
            status,
            duration: started.elapsed(),
            error,
        },
    );
    result
}
