//! The `smoke` namespace: `smoke::test(name, #{service, tags, soft}, || ...)`
//! runs a closure as a test. A failing test is recorded with its reason and
//! the playbook goes on; at the end of the run any failed test (unless soft)
//! fails it with exit 4, listing every failure. `--service NAME` skips tests
//! of other services; tests tagged "comprehensive" run with --comprehensive.
//! Each result is an event (and a JUnit testcase with `--junit FILE`).

use crate::primitives::doc;
use crate::primitives::error::{error_at, innermost, is_refusal, message};
use crate::primitives::host::Host;
use crate::report::test_record::{TestRecord, TestStatus};
use rhai::{Engine, EvalAltResult, FnPtr, Map, Module, NativeCallContext};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a test says about itself.
#[derive(Default)]
struct About {
    service: Option<String>,
    tags: Vec<String>,
    soft: bool,
}

fn about(ctx: &NativeCallContext, opts: &Map) -> Result<About, Box<EvalAltResult>> {
    let mut a = About::default();
    for (key, value) in opts {
        match key.as_str() {
            "service" => {
                a.service = Some(value.clone().into_string().map_err(|_| {
                    error_at(ctx, "a test's service is a string: #{service: \"auth\"}")
                })?)
            }
            "tags" => {
                let tags = value.read_lock::<rhai::Array>().ok_or_else(|| {
                    error_at(ctx, "a test's tags are an array of strings: #{tags: [\"comprehensive\"]}")
                })?;
                a.tags = tags.iter().map(|t| t.to_string()).collect();
            }
            "soft" => {
                a.soft = value
                    .as_bool()
                    .map_err(|_| error_at(ctx, "soft is true or false"))?
            }
            other => {
                return Err(error_at(
                    ctx,
                    format!("a test has no option \"{other}\"\nhint: its options are service, tags and soft"),
                ))
            }
        }
    }
    Ok(a)
}

/// Why this run skips a test, if it does.
fn skip_reason(h: &Host, a: &About) -> Option<String> {
    let t = &h.target;
    if t.skip_tests {
        return Some("--skip-tests".into());
    }
    if a.tags.iter().any(|t| t == "comprehensive") && !t.comprehensive {
        return Some("comprehensive only (run with --comprehensive)".into());
    }
    match &a.service {
        Some(s) if !t.services.is_empty() && !t.services.contains(s) => Some(format!(
            "service {s} was not asked for (--service {})",
            t.services.join(",")
        )),
        _ => None,
    }
}

fn test(
    h: &Host,
    ctx: &NativeCallContext,
    name: &str,
    a: About,
    body: FnPtr,
) -> Result<bool, Box<EvalAltResult>> {
    if name.trim().is_empty() {
        return Err(error_at(
            ctx,
            "a test needs a name\nhint: smoke::test(\"auth is healthy\", || ...)",
        ));
    }
    let record = |status, duration, reason| TestRecord {
        name: name.to_string(),
        service: a.service.clone(),
        tags: a.tags.clone(),
        status,
        duration,
        reason,
        soft: a.soft,
    };
    if let Some(why) = skip_reason(h, &a) {
        h.record
            .add_test(record(TestStatus::Skipped, Duration::ZERO, Some(why)));
        return Ok(false);
    }
    let started = Instant::now();
    match body.call_within_context::<rhai::Dynamic>(ctx, ()) {
        Ok(_) => {
            h.record
                .add_test(record(TestStatus::Passed, started.elapsed(), None));
            Ok(true)
        }
        // Ctrl-C, a guard's refusal and exit() end the run, not the test.
        Err(e)
            if h.io.cancel.is_requested()
                || is_refusal(&e)
                || matches!(
                    innermost(&e),
                    EvalAltResult::Exit(..) | EvalAltResult::ErrorTerminated(..)
                ) =>
        {
            Err(e)
        }
        Err(e) => {
            h.record.add_test(record(
                TestStatus::Failed,
                started.elapsed(),
                Some(message(&e)),
            ));
            Ok(false)
        }
    }
}

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let mut module = Module::new();
    let h = host.clone();
    doc(
        "test",
        "Runs a closure as a smoke test: a failure is recorded and the playbook goes on; at the end any failed test fails the run (exit 4). Returns whether it passed.",
        &["name: &str", "body: FnPtr", "bool"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, name: &str, body: FnPtr| {
        test(&h, &ctx, name, About::default(), body)
    });
    let h = host.clone();
    doc(
        "test",
        "As test(name, body), with #{service: \"auth\" (--service picks by it), tags: [\"comprehensive\"] (run only with --comprehensive), soft: true (a failure is reported, the run goes on to succeed)}.",
        &["name: &str", "options: Map", "body: FnPtr", "bool"],
    )
    .set_into_module(&mut module, move |ctx: NativeCallContext, name: &str, opts: Map, body: FnPtr| {
        let a = about(&ctx, &opts)?;
        test(&h, &ctx, name, a, body)
    });
    let h = host.clone();
    doc(
        "skip",
        "Records a smoke test as skipped with the reason (say, a server this environment does not have); it neither passes nor fails the run.",
        &["name: &str", "reason: &str", "()"],
    )
    .set_into_module(&mut module, move |name: &str, reason: &str| {
        h.record.add_test(TestRecord {
            name: name.to_string(),
            service: None,
            tags: vec![],
            status: TestStatus::Skipped,
            duration: Duration::ZERO,
            reason: Some(reason.to_string()),
            soft: false,
        });
    });
    let h = host.clone();
    doc(
        "results",
        "The smoke tests so far: #{name, service, status: \"passed\" | \"failed\" | \"skipped\", duration_ms, reason}.",
        &["Array"],
    )
    .set_into_module(&mut module, move || -> rhai::Array {
        h.record.tests()
            .iter()
            .map(|t| rhai::serde::to_dynamic(t).unwrap_or_default())
            .collect()
    });
    engine.register_static_module("smoke", module.into());
}
