//! The Mann-Whitney U test (Wilcoxon rank-sum), one-sided: is the first
//! sample stochastically greater than the second? With average ranks for
//! ties, the tie-corrected variance and the normal approximation with a
//! continuity correction — as scipy's `mannwhitneyu(x, y,
//! alternative="greater", method="asymptotic")` and Kayenta compute it.

/// The test's statistic and p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample: how many (x, y) pairs have x > y (ties count ½).
    pub u: f64,
    /// The standardised U (0 when every value is tied).
    pub z: f64,
    /// The probability of a U this large if neither sample is greater.
    pub p_value: f64,
}

/// 1-based ranks of `values`, tied values getting the mean of their ranks;
/// also Σ(t³ − t) over the groups of t ties.
fn ranks(values: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    (ranks, ties)
}

/// The normal distribution's upper tail, P(Z > z).
fn upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' `erfcc`,
/// fractional error below 1.2e-7).
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * (-x * x + poly).exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Tests whether `x` tends to be greater than `y`. `None` when either is
/// empty. NaN values must be dropped first. When every value is tied there
/// is no evidence either way: p is 1.
pub fn greater(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let n = n1 + n2;
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let (ranks, ties) = ranks(&all);
    let r1: f64 = ranks[..x.len()].iter().sum();
    let u = r1 - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let variance = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    if variance <= 0.0 {
        return Some(MannWhitney {
            u,
            z: 0.0,
            p_value: 1.0,
        });
    }
    let z = (u - mean - 0.5) / variance.sqrt();
    Some(MannWhitney {
        u,
        z,
        p_value: upper_tail(z),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64) {
        assert!(
            (got - want).abs() <= 1e-6 * want.abs().max(1e-3),
            "got {got}, want {want}"
        );
    }

    #[test]
    fn matches_scipy_on_its_documented_example() {
        // scipy.stats.mannwhitneyu(males, females, method="asymptotic") gives
        // U = 17 and a two-sided p of 0.11134688653314041; one-sided is half.
        let males = [19.0, 22.0, 16.0, 29.0, 24.0];
        let females = [20.0, 11.0, 17.0, 12.0];
        let r = greater(&males, &females).unwrap();
        assert_eq!(r.u, 17.0);
        close(r.z, 1.592_168_332_809_065_7);
        close(r.p_value, 0.111_346_886_533_140_41 / 2.0);
    }

    #[test]
    fn ties_use_mean_ranks_and_the_corrected_variance() {
        // Reference values from the same formulas in Python (math.erfc).
        let r = greater(
            &[1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0],
            &[1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0],
        )
        .unwrap();
        assert_eq!(r.u, 40.0);
        close(r.z, 1.386_448_113_739_934_7);
        close(r.p_value, 0.082_805_056_726_719_62);
        let (ranks, ties) = ranks(&[3.0, 1.0, 3.0, 2.0]);
        assert_eq!(ranks, vec![3.5, 1.0, 3.5, 2.0]);
        assert_eq!(ties, 6.0);
    }

    #[test]
    fn a_clearly_greater_sample_is_significant_and_a_smaller_one_is_not() {
        let canary = [0.05, 0.06, 0.05, 0.07, 0.08, 0.06, 0.05, 0.06, 0.07, 0.05];
        let baseline = [0.01, 0.0, 0.01, 0.02, 0.0, 0.01, 0.01, 0.0, 0.02, 0.01];
        let r = greater(&canary, &baseline).unwrap();
        assert_eq!(r.u, 100.0);
        close(r.p_value, 7.251_798_115_363_174e-5);
        let r = greater(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
        assert_eq!(r.u, 0.0);
        close(r.p_value, 0.985_451_834_129_373_9);
        let same = greater(&[1.0, 1.0], &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(same.p_value, 1.0);
        assert_eq!(greater(&[], &[1.0]), None);
    }
}
