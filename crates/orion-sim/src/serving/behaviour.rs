//! How a container answers an ordinary request at a given moment: the image's
//! fields with the latest phase begun laid over them (phases do not stack).

use super::rng::Rng;
use crate::scenario::{ImageBehaviour, Latency};
use std::time::Duration;

pub const DEFAULT_ERROR_STATUS: u16 = 500;
pub const DEFAULT_UNHEALTHY_STATUS: u16 = 503;
/// The extra wait of a request at the very start of a slow start.
pub const SLOW_START_MAX: Duration = Duration::from_secs(1);
/// The standard normal's 99th percentile.
const Z99: f64 = 2.3263;
/// No sampled latency is longer.
const LATENCY_CAP_SECS: f64 = 3600.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub error_rate: f64,
    pub error_status: u16,
    pub latency: Option<Latency>,
    pub unhealthy: bool,
    pub unhealthy_status: u16,
    /// Slow start's extra wait for a request now.
    pub slow_start: Duration,
}

impl Effective {
    /// The behaviour `elapsed` after the container started (None: a
    /// well-behaved image).
    pub fn at(image: Option<&ImageBehaviour>, elapsed: Duration) -> Effective {
        let plain;
        let b = match image {
            Some(b) => b,
            None => {
                plain = ImageBehaviour::default();
                &plain
            }
        };
        let phase = b
            .phases
            .iter()
            .filter(|p| p.after <= elapsed)
            .max_by_key(|p| p.after);
        let slow_start = b
            .slow_start
            .map_or(Duration::ZERO, |window| slow_start_extra(window, elapsed));
        Effective {
            error_rate: phase.and_then(|p| p.error_rate).unwrap_or(b.error_rate),
            error_status: phase
                .and_then(|p| p.error_status)
                .or(b.error_status)
                .unwrap_or(DEFAULT_ERROR_STATUS),
            latency: phase.and_then(|p| p.latency).or(b.latency),
            unhealthy: phase.and_then(|p| p.unhealthy).unwrap_or(b.unhealthy),
            unhealthy_status: b.unhealthy_status.unwrap_or(DEFAULT_UNHEALTHY_STATUS),
            slow_start,
        }
    }

    /// How long this request waits before it is answered.
    pub fn delay(&self, rng: &mut Rng) -> Duration {
        self.latency.map_or(Duration::ZERO, |l| sample(&l, rng)) + self.slow_start
    }

    /// The status this request is answered with: 200 or the error status.
    pub fn status(&self, rng: &mut Rng) -> u16 {
        if rng.chance(self.error_rate) {
            self.error_status
        } else {
            200
        }
    }
}

/// Falls linearly from [`SLOW_START_MAX`] at the start to 0 at `window`.
pub fn slow_start_extra(window: Duration, elapsed: Duration) -> Duration {
    if elapsed >= window {
        return Duration::ZERO;
    }
    SLOW_START_MAX.mul_f64(1.0 - elapsed.as_secs_f64() / window.as_secs_f64())
}

/// One draw of `latency`.
pub fn sample(latency: &Latency, rng: &mut Rng) -> Duration {
    let secs = match *latency {
        Latency::Fixed(d) => return d,
        Latency::Uniform { min, max } => min.as_secs_f64() + (max - min).as_secs_f64() * rng.unit(),
        Latency::LogNormal { p50, p99 } => {
            let mu = p50.as_secs_f64().ln();
            let sigma = (p99.as_secs_f64().ln() - mu) / Z99;
            (mu + sigma * rng.normal()).exp()
        }
    };
    Duration::try_from_secs_f64(secs.clamp(0.0, LATENCY_CAP_SECS)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Phase;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn error_draws_match_the_rate() {
        let b = ImageBehaviour {
            error_rate: 0.05,
            error_status: Some(503),
            ..Default::default()
        };
        let e = Effective::at(Some(&b), Duration::ZERO);
        let mut rng = Rng::seeded(1);
        let errors = (0..10_000).filter(|_| e.status(&mut rng) == 503).count();
        assert!((400..=600).contains(&errors), "{errors}");
    }

    #[test]
    fn log_normal_has_the_asked_median_and_p99() {
        let latency = Latency::LogNormal {
            p50: ms(20),
            p99: ms(200),
        };
        let mut rng = Rng::seeded(2);
        let mut draws: Vec<Duration> = (0..50_000).map(|_| sample(&latency, &mut rng)).collect();
        draws.sort();
        let at = |q: f64| draws[(q * draws.len() as f64) as usize].as_secs_f64();
        assert!((at(0.5) / 0.020 - 1.0).abs() < 0.1, "p50 {}", at(0.5));
        assert!((at(0.99) / 0.200 - 1.0).abs() < 0.1, "p99 {}", at(0.99));
    }

    #[test]
    fn fixed_and_uniform_stay_in_range() {
        let mut rng = Rng::seeded(3);
        assert_eq!(sample(&Latency::Fixed(ms(30)), &mut rng), ms(30));
        let uniform = Latency::Uniform {
            min: ms(10),
            max: ms(50),
        };
        let draws: Vec<Duration> = (0..1000).map(|_| sample(&uniform, &mut rng)).collect();
        assert!(draws.iter().all(|d| (ms(10)..=ms(50)).contains(d)));
        assert!(draws.iter().any(|d| *d < ms(20)) && draws.iter().any(|d| *d > ms(40)));
    }

    #[test]
    fn the_latest_phase_begun_applies() {
        let b = ImageBehaviour {
            error_status: Some(502),
            latency: Some(Latency::Fixed(ms(5))),
            phases: vec![
                Phase {
                    after: Duration::from_secs(40),
                    unhealthy: Some(true),
                    ..Default::default()
                },
                Phase {
                    after: Duration::from_secs(20),
                    error_rate: Some(0.1),
                    latency: Some(Latency::Fixed(ms(50))),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let at = |secs: f64| Effective::at(Some(&b), Duration::from_secs_f64(secs));
        let before = at(19.999);
        assert_eq!(
            (before.error_rate, before.latency),
            (0.0, Some(Latency::Fixed(ms(5))))
        );
        let first = at(20.0);
        assert_eq!(first.error_rate, 0.1);
        assert_eq!(first.error_status, 502);
        assert_eq!(first.latency, Some(Latency::Fixed(ms(50))));
        assert!(!first.unhealthy);
        let second = at(40.0);
        assert!(second.unhealthy);
        assert_eq!(second.unhealthy_status, DEFAULT_UNHEALTHY_STATUS);
        assert_eq!(second.error_rate, 0.0);
    }

    #[test]
    fn slow_start_falls_linearly() {
        let window = Duration::from_secs(10);
        assert_eq!(slow_start_extra(window, Duration::ZERO), SLOW_START_MAX);
        assert_eq!(slow_start_extra(window, Duration::from_secs(5)), ms(500));
        assert_eq!(slow_start_extra(window, window), Duration::ZERO);
        let plain = Effective::at(None, Duration::ZERO);
        assert_eq!(plain.slow_start, Duration::ZERO);
        assert_eq!(plain.delay(&mut Rng::seeded(4)), Duration::ZERO);
        assert_eq!(plain.error_status, DEFAULT_ERROR_STATUS);
    }
}
