//! An application load balancer's weighted target groups (ELBv2): the
//! forward action of a listener's default actions, or of one rule, read
//! and rewritten with new weights. Everything else in the actions is kept
//! as it is — the stickiness settings, other actions, an OIDC action's
//! client secret (which AWS never returns: it is kept by saying so).

use super::error::explain;
use super::Connection;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, TargetGroupTuple,
};
use aws_sdk_elasticloadbalancingv2::Client;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// ALB weights are 0 to 999.
pub const MAX_WEIGHT: i64 = 999;

/// One target group of a forward action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub arn: String,
    pub name: String,
    pub weight: i64,
}

/// One target's health, as DescribeTargetHealth tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    pub id: String,
    pub port: Option<i32>,
    /// "healthy", "unhealthy", "initial", "draining", "unused", "unavailable".
    pub state: String,
    pub reason: String,
    pub description: String,
}

/// Where the listener answers: its load balancer's DNS name, port and protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Front {
    pub dns_name: String,
    pub port: i32,
    pub protocol: String,
}

/// A listener's default actions, or one of its rules.
#[derive(Debug, Clone)]
pub struct Alb {
    pub connection: Arc<Connection>,
    pub listener: String,
    pub rule: Option<String>,
}

/// Whether `arn` is an ARN of `kind` ("listener", "listener-rule",
/// "targetgroup"): printable, no spaces, of elasticloadbalancing.
pub fn check_arn(kind: &str, arn: &str) -> Result<(), String> {
    let ok = arn.len() <= 512
        && arn.starts_with("arn:")
        && arn.split(':').nth(2) == Some("elasticloadbalancing")
        && arn
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with(&format!("{kind}/")))
        && arn.chars().all(|c| c.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a {kind} ARN\nhint: arn:aws:elasticloadbalancing:REGION:ACCOUNT:{kind}/...",
            arn.escape_debug()
        ))
    }
}

impl Alb {
    /// "listener .../app/web/.../abc" or "rule ...": for messages.
    pub fn describe(&self) -> String {
        match &self.rule {
            Some(r) => format!("ALB rule {r}"),
            None => format!("ALB listener {}", self.listener),
        }
    }

    async fn client(&self) -> Result<Client, String> {
        Ok(Client::new(self.connection.config().await?))
    }

    fn explain<E, R>(
        &self,
        what: &str,
        e: &aws_sdk_elasticloadbalancingv2::error::SdkError<E, R>,
    ) -> String
    where
        E: aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata
            + std::error::Error
            + 'static,
        R: std::fmt::Debug + 'static,
    {
        explain(what, &self.connection.account, e)
    }

    /// The actions the forward action is among.
    async fn actions(&self, client: &Client) -> Result<Vec<Action>, String> {
        match &self.rule {
            Some(rule) => {
                let out = client
                    .describe_rules()
                    .rule_arns(rule)
                    .send()
                    .await
                    .map_err(|e| self.explain(&format!("reading rule {rule}"), &e))?;
                let found = out
                    .rules()
                    .first()
                    .ok_or_else(|| format!("no rule {rule}"))?;
                Ok(found.actions().to_vec())
            }
            None => {
                let out = client
                    .describe_listeners()
                    .listener_arns(&self.listener)
                    .send()
                    .await
                    .map_err(|e| {
                        self.explain(&format!("reading listener {}", self.listener), &e)
                    })?;
                let found = out
                    .listeners()
                    .first()
                    .ok_or_else(|| format!("no listener {}", self.listener))?;
                Ok(found.default_actions().to_vec())
            }
        }
    }

    /// The forward action's index among `actions` and its target groups
    /// with their weights (a single-group forward is that group at 1).
    fn forward(&self, actions: &[Action]) -> Result<(usize, Vec<(String, i64)>), String> {
        let (at, forward) = actions
            .iter()
            .enumerate()
            .find(|(_, a)| a.r#type() == Some(&ActionTypeEnum::Forward))
            .ok_or_else(|| {
                format!(
                    "{} has no forward action (its actions: {})\nhint: weights live in a forward action to target groups",
                    self.describe(),
                    actions
                        .iter()
                        .filter_map(|a| a.r#type().map(|t| t.as_str().to_string()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        let tuples: Vec<(String, i64)> = forward
            .forward_config()
            .map(|f| {
                f.target_groups()
                    .iter()
                    .filter_map(|t| {
                        Some((
                            t.target_group_arn()?.to_string(),
                            i64::from(t.weight().unwrap_or(1)),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !tuples.is_empty() {
            return Ok((at, tuples));
        }
        match forward.target_group_arn() {
            Some(arn) => Ok((at, vec![(arn.to_string(), 1)])),
            None => Err(format!(
                "{}'s forward action names no target group",
                self.describe()
            )),
        }
    }

    /// Target group names by ARN, and ARNs by name, for `arns` and `names`.
    async fn target_groups(
        &self,
        client: &Client,
        arns: &[String],
        names: &[String],
    ) -> Result<Vec<(String, String)>, String> {
        let mut found = vec![];
        for chunk in arns.chunks(20) {
            let out = client
                .describe_target_groups()
                .set_target_group_arns(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| self.explain("reading target groups", &e))?;
            found.extend(out.target_groups().iter().filter_map(|t| {
                Some((
                    t.target_group_arn()?.to_string(),
                    t.target_group_name()?.to_string(),
                ))
            }));
        }
        for chunk in names.chunks(20) {
            let out = client
                .describe_target_groups()
                .set_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| {
                    self.explain(&format!("finding target group {}", chunk.join(", ")), &e)
                })?;
            found.extend(out.target_groups().iter().filter_map(|t| {
                Some((
                    t.target_group_arn()?.to_string(),
                    t.target_group_name()?.to_string(),
                ))
            }));
        }
        Ok(found)
    }

    /// The forward action's target groups, named, with their weights.
    pub async fn groups(&self) -> Result<Vec<Group>, String> {
        let client = self.client().await?;
        let actions = self.actions(&client).await?;
        let (_, tuples) = self.forward(&actions)?;
        self.named(&client, tuples).await
    }

    async fn named(
        &self,
        client: &Client,
        tuples: Vec<(String, i64)>,
    ) -> Result<Vec<Group>, String> {
        let arns: Vec<String> = tuples.iter().map(|(a, _)| a.clone()).collect();
        let names = self.target_groups(client, &arns, &[]).await?;
        Ok(tuples
            .into_iter()
            .map(|(arn, weight)| Group {
                name: names
                    .iter()
                    .find(|(a, _)| *a == arn)
                    .map_or_else(|| arn.clone(), |(_, n)| n.clone()),
                arn,
                weight,
            })
            .collect())
    }

    /// The ARN of a target group named by name or ARN: one of the forward
    /// action's, or any of the account's (which the change then adds).
    pub async fn resolve(&self, groups: &[Group], backend: &str) -> Result<Group, String> {
        if let Some(g) = groups
            .iter()
            .find(|g| g.name == backend || g.arn == backend)
        {
            return Ok(g.clone());
        }
        let client = self.client().await?;
        let found = if backend.starts_with("arn:") {
            check_arn("targetgroup", backend)?;
            self.target_groups(&client, &[backend.to_string()], &[])
                .await
        } else {
            check_name(backend)?;
            self.target_groups(&client, &[], &[backend.to_string()])
                .await
        };
        let known: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        match found {
            Ok(f) if !f.is_empty() => Ok(Group {
                arn: f[0].0.clone(),
                name: f[0].1.clone(),
                weight: 0,
            }),
            Ok(_) | Err(_) => Err(format!(
                "no target group {backend} in {} or the account\nhint: its target groups are {}",
                self.describe(),
                known.join(", ")
            )),
        }
    }

    /// Writes `weights` (ARN → weight) into the forward action, every other
    /// target group keeping its own, the rest of the actions as they are.
    pub async fn write(&self, weights: &[(String, i64)]) -> Result<(), String> {
        self.modify(|tuples| {
            for (arn, w) in weights {
                match tuples.iter_mut().find(|(a, _)| a == arn) {
                    Some(t) => t.1 = *w,
                    None => tuples.push((arn.clone(), *w)),
                }
            }
        })
        .await
    }

    /// Puts the forward action's target groups back to exactly `groups`
    /// (the rest of the actions as they are now).
    pub async fn restore(&self, groups: &[Group]) -> Result<(), String> {
        self.modify(|tuples| {
            *tuples = groups.iter().map(|g| (g.arn.clone(), g.weight)).collect();
        })
        .await
    }

    async fn modify(&self, change: impl FnOnce(&mut Vec<(String, i64)>)) -> Result<(), String> {
        let client = self.client().await?;
        let actions = self.actions(&client).await?;
        let (at, mut tuples) = self.forward(&actions)?;
        change(&mut tuples);
        let actions = rewritten(actions, at, &tuples);
        match &self.rule {
            Some(rule) => client
                .modify_rule()
                .rule_arn(rule)
                .set_actions(Some(actions))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| self.explain(&format!("setting the weights of rule {rule}"), &e)),
            None => client
                .modify_listener()
                .listener_arn(&self.listener)
                .set_default_actions(Some(actions))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    self.explain(
                        &format!("setting the weights of listener {}", self.listener),
                        &e,
                    )
                }),
        }
    }

    /// Each registered target of `group` (an ARN) and its health.
    pub async fn health(&self, group: &str) -> Result<Vec<TargetHealth>, String> {
        let client = self.client().await?;
        let out = client
            .describe_target_health()
            .target_group_arn(group)
            .send()
            .await
            .map_err(|e| self.explain(&format!("reading the health of {group}"), &e))?;
        Ok(out
            .target_health_descriptions()
            .iter()
            .map(|d| {
                let health = d.target_health();
                TargetHealth {
                    id: d
                        .target()
                        .and_then(|t| t.id())
                        .unwrap_or_default()
                        .to_string(),
                    port: d.target().and_then(|t| t.port()),
                    state: health
                        .and_then(|h| h.state())
                        .map_or("unknown", |s| s.as_str())
                        .to_string(),
                    reason: health
                        .and_then(|h| h.reason())
                        .map_or("", |r| r.as_str())
                        .to_string(),
                    description: health
                        .and_then(|h| h.description())
                        .unwrap_or_default()
                        .to_string(),
                }
            })
            .collect())
    }

    /// The listener's load balancer's DNS name, with the listener's port and protocol.
    pub async fn front(&self) -> Result<Front, String> {
        let client = self.client().await?;
        let out = client
            .describe_listeners()
            .listener_arns(&self.listener)
            .send()
            .await
            .map_err(|e| self.explain(&format!("reading listener {}", self.listener), &e))?;
        let l = out
            .listeners()
            .first()
            .ok_or_else(|| format!("no listener {}", self.listener))?;
        let lb = l.load_balancer_arn().unwrap_or_default().to_string();
        let out = client
            .describe_load_balancers()
            .load_balancer_arns(&lb)
            .send()
            .await
            .map_err(|e| self.explain(&format!("reading load balancer {lb}"), &e))?;
        let dns_name = out
            .load_balancers()
            .first()
            .and_then(|b| b.dns_name())
            .ok_or_else(|| format!("load balancer {lb} has no DNS name"))?
            .to_string();
        Ok(Front {
            dns_name,
            port: l.port().unwrap_or(80),
            protocol: l.protocol().map_or("HTTP", |p| p.as_str()).to_string(),
        })
    }
}

/// A target group's name: letters, digits and '-', up to 32.
fn check_name(name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(())
    } else {
        Err(format!(
            "{} is not a target group's name or ARN\nhint: letters, digits and '-', up to 32",
            name.escape_debug()
        ))
    }
}

/// `actions` with the forward action at `at` sending to `tuples` (its
/// stickiness kept), and an OIDC action told to keep its secret.
fn rewritten(actions: Vec<Action>, at: usize, tuples: &[(String, i64)]) -> Vec<Action> {
    actions
        .into_iter()
        .enumerate()
        .map(|(i, mut a)| {
            if let Some(oidc) = a.authenticate_oidc_config.as_mut() {
                oidc.client_secret = None;
                oidc.use_existing_client_secret = Some(true);
            }
            if i == at {
                let stickiness = a
                    .forward_config()
                    .and_then(|f| f.target_group_stickiness_config())
                    .cloned();
                let groups = tuples
                    .iter()
                    .map(|(arn, w)| {
                        TargetGroupTuple::builder()
                            .target_group_arn(arn)
                            .weight(*w as i32)
                            .build()
                    })
                    .collect();
                a.target_group_arn = None;
                a.forward_config = Some(
                    ForwardActionConfig::builder()
                        .set_target_groups(Some(groups))
                        .set_target_group_stickiness_config(stickiness)
                        .build(),
                );
            }
            a
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_of_the_kind_asked_for() {
        let l = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2";
        assert!(check_arn("listener", l).is_ok());
        assert!(check_arn("listener-rule", l).is_err());
        assert!(check_arn("listener", "arn:aws:s3:::bucket").is_err());
        assert!(check_arn("listener", &format!("{l} x")).is_err());
        assert!(check_name("blue-1").is_ok());
        assert!(check_name("blue/../x").is_err());
    }
}
