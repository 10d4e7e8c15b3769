//! A sustained-breach window, as Prometheus alerting rules' `for`: a check
//! fails only when its condition has been breached at every evaluation for
//! the whole window, and passes at the first evaluation where it holds.

use std::time::{Duration, Instant};

/// Where a check stands after an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The condition holds: the check passes now.
    Holds,
    /// Breached, for this long so far (shorter than the window): evaluate again.
    Breached(Duration),
    /// Breached at every evaluation for this long (the window or more): fail.
    Sustained(Duration),
}

/// Follows the evaluations of one check.
#[derive(Debug, Clone)]
pub struct Window {
    length: Duration,
    breached_since: Option<Instant>,
}

impl Window {
    /// A window of `length`; zero fails at the first breach.
    pub fn new(length: Duration) -> Window {
        Window {
            length,
            breached_since: None,
        }
    }

    /// Records an evaluation at `now` where the condition `holds` or not.
    pub fn observe(&mut self, now: Instant, holds: bool) -> Standing {
        if holds {
            self.breached_since = None;
            return Standing::Holds;
        }
        let since = *self.breached_since.get_or_insert(now);
        let breached = now.saturating_duration_since(since);
        if breached >= self.length {
            Standing::Sustained(breached)
        } else {
            Standing::Breached(breached)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breach_fails_only_when_it_lasts_the_window() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut w = Window::new(s(30));
        assert_eq!(w.observe(t0, false), Standing::Breached(s(0)));
        assert_eq!(w.observe(t0 + s(20), false), Standing::Breached(s(20)));
        assert_eq!(w.observe(t0 + s(25), true), Standing::Holds);
        // A new breach starts the window again.
        assert_eq!(w.observe(t0 + s(30), false), Standing::Breached(s(0)));
        assert_eq!(w.observe(t0 + s(60), false), Standing::Sustained(s(30)));
        let mut now = Window::new(Duration::ZERO);
        assert_eq!(now.observe(t0, false), Standing::Sustained(s(0)));
    }
}
