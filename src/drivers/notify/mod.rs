//! The notification driver: JSON posted to Slack-compatible and generic
//! webhooks, in the background, each post bounded by its timeout. A webhook's
//! path, query and header values are secrets: only its scheme and host are
//! ever shown. No Rhai here; `primitives/notify` is the playbook side.

pub mod kind;
pub mod notice;
pub mod notifier;
pub mod post;
pub mod redact;
pub mod secrets;
pub mod webhook;

pub use kind::Kind;
pub use notice::Notice;
pub use notifier::Notifier;
pub use webhook::{Format, Webhook};
