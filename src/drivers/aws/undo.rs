//! Putting an ALB's weights back from the journal. The entry's namespace
//! is the listener's ARN, its name the rule's ARN or "default", and its
//! prior `{"account": {region, profile, endpoint_url}, "groups": [{arn,
//! name, weight}]}` — never keys: the run's own undo signs with the keys
//! its playbook gave, an undo in another process (`orion rollback`) with
//! the credentials found the usual way.

use super::alb::{Alb, Group};
use super::{Account, Connection};
use crate::guard::journal::Entry;
use serde_json::{json, Value};
use std::sync::Arc;

/// The api_version of an ALB forward action's entry.
pub const ALB: &str = "orion.dev/alb";

/// The journal's name for a listener's default actions.
pub const DEFAULT_ACTIONS: &str = "default";

/// What an entry keeps: where, and the target groups with their weights.
pub fn prior(account: &Account, groups: &[Group]) -> Value {
    json!({"account": account, "groups": groups})
}

/// Puts the target groups and weights of `e`'s forward action back.
pub async fn undo(e: &Entry) -> Result<&'static str, String> {
    let prior = e.prior.clone().ok_or("the journal entry has no prior")?;
    let account: Account = serde_json::from_value(prior["account"].clone())
        .map_err(|x| format!("the journal entry's account is not readable: {x}"))?;
    let groups: Vec<Group> = serde_json::from_value(prior["groups"].clone())
        .map_err(|x| format!("the journal entry's target groups are not readable: {x}"))?;
    super::alb::check_arn("listener", &e.namespace)?;
    let rule = (e.name != DEFAULT_ACTIONS).then(|| e.name.clone());
    if let Some(r) = &rule {
        super::alb::check_arn("listener-rule", r)?;
    }
    let alb = Alb {
        connection: Arc::new(Connection::new(account.with_known_keys())),
        listener: e.namespace.clone(),
        rule,
    };
    let now = alb.groups().await?;
    let same = now.len() == groups.len()
        && groups
            .iter()
            .all(|g| now.iter().any(|n| n.arn == g.arn && n.weight == g.weight));
    if same {
        return Ok("unchanged");
    }
    alb.restore(&groups).await.map(|_| "restored")
}
