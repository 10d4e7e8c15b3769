//! What a notification is about: a run starting, succeeding, failing, being
//! rolled back, or a free text from the playbook.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Start,
    Success,
    Failure,
    Rollback,
    /// `notify::send`: goes to every subscriber.
    Message,
}

impl Kind {
    /// The events a webhook can subscribe to (`on`), the default being all.
    pub const SUBSCRIBABLE: [Kind; 4] = [Kind::Start, Kind::Success, Kind::Failure, Kind::Rollback];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Start => "start",
            Kind::Success => "success",
            Kind::Failure => "failure",
            Kind::Rollback => "rollback",
            Kind::Message => "message",
        }
    }

    /// A subscribable event by name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::SUBSCRIBABLE.into_iter().find(|k| k.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn names_round_trip_and_message_is_not_subscribable() {
        for k in Kind::SUBSCRIBABLE {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("message"), None);
        assert_eq!(Kind::parse("finish"), None);
    }
}
