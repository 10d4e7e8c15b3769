//! `traffic::alb(#{listener, rule, region, profile | credentials,
//! endpoint_url})`: a router over the weighted target groups of an
//! application load balancer's forward action (a listener's default
//! actions, or one rule's). Backends are target groups, named by name or
//! ARN. A change passes the gate (freezes, windows, approval) and is
//! journaled with every target group's weight before it, so a failed run
//! and `orion rollback` put them back; --dry-run only says it. Weights are
//! read back after each change.

use super::router::Weights;
use crate::drivers::aws::alb::{Alb, Group, TargetHealth, MAX_WEIGHT};
use crate::drivers::aws::undo::{prior, ALB, DEFAULT_ACTIONS};
use crate::guard;
use crate::primitives::door;
use crate::primitives::error::{call_site, cancelled_at, error_at};
use crate::primitives::host::Host;
use crate::report::event::Level;
use rhai::{Array, Dynamic, EvalAltResult, Map, NativeCallContext};
use std::future::Future;
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// How often `wait_healthy` asks.
const POLL: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct AlbRouter {
    pub alb: Alb,
}

/// Runs a driver call; Ctrl-C interrupts it, its error is positioned at the call.
fn ask<T>(
    h: &Host,
    ctx: &NativeCallContext,
    fut: impl Future<Output = std::result::Result<T, String>>,
) -> Result<T> {
    h.block_on(fut)
        .map_err(|_| cancelled_at(ctx))?
        .map_err(|e| error_at(ctx, e))
}

fn listed(groups: &[Group]) -> String {
    groups
        .iter()
        .map(|g| format!("{} {}", g.name, g.weight))
        .collect::<Vec<_>>()
        .join(", ")
}

impl AlbRouter {
    pub fn weights(&self, h: &Host, ctx: &NativeCallContext) -> Result<Weights> {
        let groups = ask(h, ctx, self.alb.groups())?;
        Ok(groups.into_iter().map(|g| (g.name, g.weight)).collect())
    }

    /// Sets `want` (by target group name or ARN; the others keep theirs)
    /// in one change; returns the weights as read back.
    pub fn set(&self, h: &Host, ctx: &NativeCallContext, want: &Weights) -> Result<Weights> {
        let before = ask(h, ctx, self.alb.groups())?;
        let mut changes: Vec<(Group, i64)> = vec![];
        for (backend, weight) in want {
            if !(0..=MAX_WEIGHT).contains(weight) {
                return Err(error_at(
                    ctx,
                    format!("ALB weights are 0 to {MAX_WEIGHT}, not {weight} (for {backend})"),
                ));
            }
            let group = ask(h, ctx, self.alb.resolve(&before, backend))?;
            if group.weight != *weight || !before.iter().any(|g| g.arn == group.arn) {
                changes.push((group, *weight));
            }
        }
        if changes.is_empty() {
            return Ok(before.into_iter().map(|g| (g.name, g.weight)).collect());
        }
        let what = format!(
            "set weights {}",
            changes
                .iter()
                .map(|(g, w)| format!("{} {w}", g.name))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let account = &self.alb.connection.account;
        let change = guard::Change {
            context: "aws".into(),
            api_version: ALB.into(),
            kind: if self.alb.rule.is_some() {
                "ListenerRule"
            } else {
                "Listener"
            }
            .into(),
            namespace: self.alb.listener.clone(),
            name: self
                .alb
                .rule
                .clone()
                .unwrap_or_else(|| DEFAULT_ACTIONS.into()),
            summary: what.clone(),
            said: format!("{}: {what} (was {})", self.alb.describe(), listed(&before)),
            shown: format!(
                "  {} at {}\n  first change: {what}",
                self.alb.describe(),
                account.describe()
            ),
            in_cluster: false,
            secret: None,
        };
        let journaled = prior(account, &before);
        let writes: Vec<(String, i64)> = changes.iter().map(|(g, w)| (g.arn.clone(), *w)).collect();
        let dry_run = h.target.dry_run;
        let make = async {
            if dry_run {
                return Ok(());
            }
            self.alb.write(&writes).await
        };
        door::pass(
            h,
            ctx,
            None,
            change,
            async { Ok(Some(journaled)) },
            make,
            |e| error_at(ctx, e),
        )?;
        self.weights(h, ctx)
    }

    /// The target group named `backend` (name or ARN).
    fn group(&self, h: &Host, ctx: &NativeCallContext, backend: &str) -> Result<Group> {
        let groups = ask(h, ctx, self.alb.groups())?;
        ask(h, ctx, self.alb.resolve(&groups, backend))
    }

    /// `router.target_group(tg)`: #{name, arn, weight, dimension,
    /// load_balancer} — the last two as CloudWatch's ApplicationELB
    /// metrics name them ("targetgroup/web/0f3c...", "app/web/50dc...").
    pub fn target_group(&self, h: &Host, ctx: &NativeCallContext, backend: &str) -> Result<Map> {
        let g = self.group(h, ctx, backend)?;
        let resource = |arn: &str| arn.splitn(6, ':').nth(5).unwrap_or_default().to_string();
        let listener = resource(&self.alb.listener);
        // listener/app/NAME/LB-ID/LISTENER-ID → app/NAME/LB-ID
        let parts: Vec<&str> = listener.split('/').collect();
        let load_balancer = parts.get(1..4).map(|p| p.join("/")).unwrap_or_default();
        let mut m = Map::new();
        m.insert("name".into(), g.name.clone().into());
        m.insert("arn".into(), g.arn.clone().into());
        m.insert("weight".into(), g.weight.into());
        m.insert("dimension".into(), resource(&g.arn).into());
        m.insert("load_balancer".into(), load_balancer.into());
        Ok(m)
    }

    /// `router.health(tg)`: [#{id, port, state, reason, description}].
    pub fn health(&self, h: &Host, ctx: &NativeCallContext, backend: &str) -> Result<Array> {
        let group = self.group(h, ctx, backend)?;
        let targets = ask(h, ctx, self.alb.health(&group.arn))?;
        Ok(targets.iter().map(target).collect())
    }

    /// `router.wait_healthy(tg, timeout)`: until every registered target of
    /// the group is healthy (a group without targets is not).
    pub fn wait_healthy(
        &self,
        h: &Host,
        ctx: &NativeCallContext,
        backend: &str,
        timeout: Duration,
    ) -> Result<()> {
        let group = self.group(h, ctx, backend)?;
        let started = Instant::now();
        let mut said = false;
        loop {
            let targets = ask(h, ctx, self.alb.health(&group.arn))?;
            let unhealthy: Vec<&TargetHealth> =
                targets.iter().filter(|t| t.state != "healthy").collect();
            if !targets.is_empty() && unhealthy.is_empty() {
                h.log(
                    Level::Info,
                    format!(
                        "target group {}: all {} targets healthy",
                        group.name,
                        targets.len()
                    ),
                    call_site(ctx),
                );
                return Ok(());
            }
            let why = if targets.is_empty() {
                "no targets registered".to_string()
            } else {
                unhealthy
                    .iter()
                    .map(|t| shown(t))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            if started.elapsed() >= timeout {
                return Err(error_at(
                    ctx,
                    format!(
                        "target group {} is not healthy after {}: {why}",
                        group.name,
                        crate::duration::format(timeout)
                    ),
                ));
            }
            if !said {
                said = true;
                h.log(
                    Level::Info,
                    format!(
                        "waiting for target group {} to be healthy: {why}",
                        group.name
                    ),
                    call_site(ctx),
                );
            }
            h.block_on(async move { tokio::time::sleep(POLL.min(timeout)).await })
                .map_err(|_| cancelled_at(ctx))?;
        }
    }
}

/// "i-0abc:80 unused (Target.InvalidState: Target is in the stopped state)".
fn shown(t: &TargetHealth) -> String {
    let port = t.port.map(|p| format!(":{p}")).unwrap_or_default();
    let why = match (t.reason.as_str(), t.description.as_str()) {
        ("", "") => String::new(),
        (r, "") => format!(" ({r})"),
        ("", d) => format!(" ({d})"),
        (r, d) => format!(" ({r}: {d})"),
    };
    crate::report::printable::printable(&format!("{}{port} {}{why}", t.id, t.state))
}

fn target(t: &TargetHealth) -> Dynamic {
    let mut m = Map::new();
    m.insert("id".into(), t.id.clone().into());
    m.insert(
        "port".into(),
        t.port
            .map_or(Dynamic::UNIT, |p| Dynamic::from(i64::from(p))),
    );
    m.insert("state".into(), t.state.clone().into());
    m.insert("reason".into(), t.reason.clone().into());
    m.insert("description".into(), t.description.clone().into());
    m.into()
}
