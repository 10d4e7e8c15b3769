//! When a check trips: a breach must last `for` (zero: the first breach
//! trips). A reading that is fine again starts the window over.

use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Breach {
    since: Option<Instant>,
}

impl Breach {
    /// Records one reading at `now`; returns how long the breach has lasted
    /// when it has lasted at least `window` (the check trips), else None.
    pub fn update(&mut self, now: Instant, breached: bool, window: Duration) -> Option<Duration> {
        if !breached {
            self.since = None;
            return None;
        }
        let since = *self.since.get_or_insert(now);
        let lasted = now.duration_since(since);
        (lasted >= window).then_some(lasted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_window_trips_on_the_first_breach() {
        let mut b = Breach::default();
        let t = Instant::now();
        assert_eq!(b.update(t, false, Duration::ZERO), None);
        assert_eq!(b.update(t, true, Duration::ZERO), Some(Duration::ZERO));
    }

    #[test]
    fn a_breach_must_last_the_window_and_recovery_starts_it_over() {
        let mut b = Breach::default();
        let t = Instant::now();
        let w = Duration::from_secs(3);
        let s = Duration::from_secs;
        assert_eq!(b.update(t, true, w), None);
        assert_eq!(b.update(t + s(2), true, w), None);
        assert_eq!(b.update(t + s(3), false, w), None);
        assert_eq!(b.update(t + s(4), true, w), None);
        assert_eq!(b.update(t + s(6), true, w), None);
        assert_eq!(b.update(t + s(7), true, w), Some(s(3)));
    }
}
