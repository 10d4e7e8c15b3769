//! One evaluation of a monitor's check.

/// What a check saw this time.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reading {
    /// The check is outside what it allows.
    pub breached: bool,
    /// The measured value, when the check measures one.
    pub value: Option<f64>,
    /// What the check allows, in words ("< 0.05").
    pub threshold: String,
    /// What was seen, in words.
    pub detail: String,
}
