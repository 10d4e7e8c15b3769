//! One notification's content, and the two bodies it is posted as: the
//! generic one (its fields as JSON) and the Slack-compatible one (`text`).

use crate::drivers::notify::kind::Kind;
use crate::drivers::notify::webhook::{Format, Webhook};
use serde::Serialize;
use serde_json::{json, Value};

/// What the run says about itself, already redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub event: Kind,
    /// The run's id (its journal's name), once the run has one.
    pub run: Option<String>,
    pub playbook: String,
    pub environment: Option<String>,
    pub namespace: Option<String>,
    /// Set when the run has ended (success, failure, the rollback's end).
    pub exit_code: Option<i32>,
    /// "running", "succeeded", "failed", "cancelled", "rolling back",
    /// "undone", "not fully undone".
    pub status: String,
    pub message: Option<String>,
    /// When it happened, RFC 3339 in UTC.
    pub at: String,
    pub dry_run: bool,
}

impl Notice {
    /// The body posted to `hook`.
    pub fn body(&self, hook: &Webhook) -> Value {
        match &hook.format {
            Format::Generic { .. } => serde_json::to_value(self).unwrap_or(Value::Null),
            Format::Slack { channel, username } => {
                let mut body = json!({ "text": self.text() });
                if let Some(c) = channel {
                    body["channel"] = json!(c);
                }
                if let Some(u) = username {
                    body["username"] = json!(u);
                }
                body
            }
        }
    }

    /// One line for people: "orion: deploy.rhai failed in production/shop (exit 2, run R): ...".
    pub fn text(&self) -> String {
        let dry = if self.dry_run { "(dry run) " } else { "" };
        let place = match (&self.environment, &self.namespace) {
            (Some(e), Some(n)) => format!(" in {e}/{n}"),
            (Some(e), None) => format!(" in {e}"),
            (None, Some(n)) => format!(" in namespace {n}"),
            (None, None) => String::new(),
        };
        let what = match (self.event, self.exit_code) {
            (Kind::Start, _) => "started".to_string(),
            (Kind::Message, _) => "says".to_string(),
            (Kind::Rollback, _) => format!("rollback: {}", self.status),
            (_, Some(code)) => format!("{} (exit {code})", self.status),
            (_, None) => self.status.clone(),
        };
        let run = self
            .run
            .as_deref()
            .map(|r| format!(" [run {r}]"))
            .unwrap_or_default();
        let message = self
            .message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        format!("{dry}orion: {}{place} {what}{run}{message}", self.playbook)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_has_every_field_and_slack_a_text() {
        let n = Notice {
            event: Kind::Failure,
            run: Some("R1".into()),
            playbook: "deploy.rhai".into(),
            environment: Some("production".into()),
            namespace: Some("shop".into()),
            exit_code: Some(2),
            status: "failed".into(),
            message: Some("rollout timed out".into()),
            at: "2026-11-23T00:00:00.000Z".into(),
            dry_run: false,
        };
        let generic = Webhook::new("http://h/x", Format::Generic { headers: vec![] }).unwrap();
        let b = n.body(&generic);
        assert_eq!(
            (b["event"].as_str(), b["exit_code"].as_i64()),
            (Some("failure"), Some(2))
        );
        assert_eq!(b["run"], "R1");
        let slack = Format::Slack {
            channel: Some("#deploys".into()),
            username: None,
        };
        let b = n.body(&Webhook::new("http://h/x", slack).unwrap());
        assert_eq!(
            b["text"],
            "orion: deploy.rhai in production/shop failed (exit 2) [run R1]: rollout timed out"
        );
        assert_eq!(b["channel"], "#deploys");
        assert!(b.get("username").is_none());
    }
}
