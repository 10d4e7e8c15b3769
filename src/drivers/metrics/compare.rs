//! Judging a canary against its baseline, as Kayenta does: the canary fails
//! when it is significantly greater (one-sided Mann-Whitney U at the given
//! confidence) AND its median is more than `max_increase` (relative) above
//! the baseline's. Fewer than `min_samples` values on either side is
//! inconclusive. Metrics where lower is better (errors, latency) are meant.

use crate::drivers::metrics::mann_whitney;
use crate::drivers::metrics::verdict::Verdict;

/// How strict the comparison is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// 0.95: fail only at p < 0.05.
    pub confidence: f64,
    /// 0.1: a canary median up to 10% above the baseline's still passes.
    pub max_increase: f64,
    /// Values needed on each side to judge at all.
    pub min_samples: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            confidence: 0.95,
            max_increase: 0.1,
            min_samples: 10,
        }
    }
}

/// The judgement and what it was based on.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub verdict: Verdict,
    /// Mann-Whitney's one-sided p (None when not enough samples).
    pub p_value: Option<f64>,
    pub canary_median: Option<f64>,
    pub baseline_median: Option<f64>,
    /// (canary − baseline) / baseline of the medians; infinite when the
    /// baseline's is 0 and the canary's is above it.
    pub increase: Option<f64>,
    pub canary_samples: usize,
    pub baseline_samples: usize,
    /// Why, in a sentence.
    pub reason: String,
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

fn increase(canary: f64, baseline: f64) -> f64 {
    if baseline == 0.0 {
        if canary > 0.0 {
            f64::INFINITY
        } else if canary < 0.0 {
            f64::NEG_INFINITY
        } else {
            0.0
        }
    } else {
        (canary - baseline) / baseline.abs()
    }
}

/// Judges `canary` against `baseline` (NaN values are left out).
pub fn judge(canary: &[f64], baseline: &[f64], s: &Settings) -> Comparison {
    let canary: Vec<f64> = canary.iter().copied().filter(|v| !v.is_nan()).collect();
    let baseline: Vec<f64> = baseline.iter().copied().filter(|v| !v.is_nan()).collect();
    let (cm, bm) = (median(&canary), median(&baseline));
    let mut c = Comparison {
        verdict: Verdict::Inconclusive,
        p_value: None,
        canary_median: cm,
        baseline_median: bm,
        increase: cm.zip(bm).map(|(c, b)| increase(c, b)),
        canary_samples: canary.len(),
        baseline_samples: baseline.len(),
        reason: String::new(),
    };
    if canary.len() < s.min_samples || baseline.len() < s.min_samples {
        c.reason = format!(
            "too few samples to judge: canary {}, baseline {}, at least {} each needed (a longer window or a shorter step gives more)",
            canary.len(),
            baseline.len(),
            s.min_samples
        );
        return c;
    }
    let test = mann_whitney::greater(&canary, &baseline).expect("both sides have samples");
    c.p_value = Some(test.p_value);
    let alpha = 1.0 - s.confidence;
    let significant = test.p_value < alpha;
    let rise = c.increase.unwrap_or(0.0);
    let too_much = rise > s.max_increase;
    c.verdict = if significant && too_much {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    c.reason = match (significant, too_much) {
        (true, true) => format!("the canary is significantly higher (p = {:.4} < {alpha:.4}) and its median {:.1}% above the baseline's (more than {:.1}%)", test.p_value, rise * 100.0, s.max_increase * 100.0),
        (true, false) => format!("the canary is significantly higher (p = {:.4}) but its median only {:.1}% above the baseline's (at most {:.1}% allowed)", test.p_value, rise * 100.0, s.max_increase * 100.0),
        (false, _) => format!("the canary is not significantly higher than the baseline (p = {:.4}, {alpha:.4} needed)", test.p_value),
    };
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worse_canary_fails_a_similar_one_passes_and_few_samples_are_inconclusive() {
        let s = Settings::default();
        let baseline = [0.01, 0.0, 0.01, 0.02, 0.0, 0.01, 0.01, 0.0, 0.02, 0.01];
        let canary = [0.05, 0.06, 0.05, 0.07, 0.08, 0.06, 0.05, 0.06, 0.07, 0.05];
        let bad = judge(&canary, &baseline, &s);
        assert_eq!(bad.verdict, Verdict::Fail, "{}", bad.reason);
        assert_eq!(bad.canary_median, Some(0.06));
        assert_eq!(bad.baseline_median, Some(0.01));
        assert!((bad.increase.unwrap() - 5.0).abs() < 1e-9);
        let good = judge(&baseline, &baseline, &s);
        assert_eq!(good.verdict, Verdict::Pass, "{}", good.reason);
        assert_eq!(good.increase, Some(0.0));
        let few = judge(&canary[..3], &baseline, &s);
        assert_eq!(few.verdict, Verdict::Inconclusive);
        assert!(
            few.reason.contains("canary 3, baseline 10"),
            "{}",
            few.reason
        );
        assert_eq!(few.p_value, None);
    }

    #[test]
    fn a_significant_but_small_rise_passes() {
        let baseline: Vec<f64> = (0..20).map(|i| 100.0 + i as f64 * 0.01).collect();
        let canary: Vec<f64> = baseline.iter().map(|v| v + 1.0).collect();
        let c = judge(&canary, &baseline, &Settings::default());
        assert!(c.p_value.unwrap() < 0.05);
        assert_eq!(c.verdict, Verdict::Pass, "{}", c.reason);
        assert!(c.reason.contains("only 1.0% above"), "{}", c.reason);
        assert_eq!(median(&[3.0, 1.0, 2.0, f64::NAN][..3]), Some(2.0));
        assert_eq!(increase(1.0, 0.0), f64::INFINITY);
    }
}
