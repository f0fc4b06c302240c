//! The statistics a reader study reports, written to agree with SciPy and scikit-learn so that
//! a reviewer can re-run the numbers in Python and get the same digits.
//!
//! Everything undefined (too few values, no spread) is `None` rather than NaN, because NaN
//! would travel silently into tables and JSON.

use serde::Serialize;

pub fn mean(x: &[f64]) -> Option<f64> {
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// Sample standard deviation (n − 1 denominator, as `numpy.std(ddof=1)`); `None` below two values.
pub fn sample_sd(x: &[f64]) -> Option<f64> {
    let m = mean(x)?;
    (x.len() >= 2).then(|| (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt())
}

/// How the p-value of a signed-rank test was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WilcoxonMethod {
    /// The exact null distribution of W+ (no zeros, no tied |d|, at most 50 values).
    Exact,
    /// All 2ⁿ sign flips of the observed ranks: exact, conditional on the ties (at most 13 values).
    Permutation,
    /// Normal approximation with the tie correction of the variance, no continuity correction.
    Asymptotic,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Wilcoxon {
    /// min(W+, W−), as `scipy.stats.wilcoxon` reports for a two-sided test.
    pub statistic: f64,
    /// Two-sided.
    pub p: f64,
    /// Non-zero differences, the ones ranked.
    pub n: usize,
    /// Zeros dropped before ranking.
    pub zeros: usize,
    pub method: WilcoxonMethod,
}

/// One-sample Wilcoxon signed-rank test of `x` against 0, two-sided, matching
/// `scipy.stats.wilcoxon(x)` with its defaults as of SciPy 1.17 (`zero_method="wilcox"`,
/// `correction=False`, `method="auto"`):
///
/// - zeros are dropped before ranking, and |d| ties get average ranks;
/// - more than 50 values (zeros included): normal approximation;
/// - otherwise, no zeros and no ties: the exact distribution;
/// - otherwise, at most 13 values: SciPy runs a permutation test over all 2ⁿ sign flips, which
///   for n ≤ 13 is complete and so deterministic; computed here exactly by counting;
/// - otherwise: normal approximation, with the variance corrected for ties.
///
/// Likert scores are tied and often zero, so a study of 14–50 cases takes the normal
/// approximation and a smaller one the permutation test; the exact table applies only to
/// continuous data such as per-case means that happen to be all distinct.
///
/// `None` when every difference is zero: SciPy then says p = 1 (n ≤ 13) or NaN, and neither is
/// a test. Non-finite values are not allowed (scores are validated before they get here).
pub fn wilcoxon(x: &[f64]) -> Option<Wilcoxon> {
    assert!(x.iter().all(|v| v.is_finite()), "wilcoxon of non-finite data");
    let mut d: Vec<f64> = x.iter().copied().filter(|&v| v != 0.0).collect();
    let (n, zeros) = (d.len(), x.len() - d.len());
    if n == 0 {
        return None;
    }
    d.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    // Doubled average ranks are integers (rank i..=j averages to (i + j) / 2), which lets the
    // null distribution be counted exactly.
    let mut rank2 = vec![0u64; n];
    let mut tie_term = 0.0;
    let mut ties = false;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && d[j + 1].abs() == d[i].abs() {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        ties |= j > i;
        rank2[i..=j].fill((i + 1 + j + 1) as u64);
        i = j + 1;
    }
    let w_plus2: u64 = d.iter().zip(&rank2).filter(|(v, _)| **v > 0.0).map(|(_, r)| r).sum();
    let total2: u64 = rank2.iter().sum();
    let (w_plus, w_minus) = (w_plus2 as f64 / 2.0, (total2 - w_plus2) as f64 / 2.0);
    let method = if x.len() > 50 {
        WilcoxonMethod::Asymptotic
    } else if !ties && zeros == 0 {
        WilcoxonMethod::Exact
    } else if x.len() <= 13 {
        WilcoxonMethod::Permutation
    } else {
        WilcoxonMethod::Asymptotic
    };
    let p = match method {
        WilcoxonMethod::Exact | WilcoxonMethod::Permutation => {
            let counts = sign_flip_counts(&rank2);
            let all: f64 = counts.iter().sum();
            let le: f64 = counts[..=w_plus2 as usize].iter().sum();
            let ge: f64 = counts[w_plus2 as usize..].iter().sum();
            (2.0 * le.min(ge) / all).min(1.0)
        }
        WilcoxonMethod::Asymptotic => {
            let nf = n as f64;
            let mean = nf * (nf + 1.0) / 4.0;
            let sd = ((nf * (nf + 1.0) * (2.0 * nf + 1.0) - tie_term / 2.0) / 24.0).sqrt();
            let z = (w_plus - mean) / sd;
            erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
        }
    };
    Some(Wilcoxon { statistic: w_plus.min(w_minus), p, n, zeros, method })
}

/// `counts[s]`: how many of the 2ⁿ sign assignments give doubled W+ = s. Under the null each
/// assignment is equally likely, with or without ties, so this is both the exact table and
/// the complete permutation distribution. Counts stay below 2⁵⁰ (n ≤ 50) and so are exact
/// in f64.
fn sign_flip_counts(rank2: &[u64]) -> Vec<f64> {
    let total: usize = rank2.iter().sum::<u64>() as usize;
    let mut counts = vec![0.0; total + 1];
    counts[0] = 1.0;
    let mut reach = 0;
    for &r in rank2 {
        let r = r as usize;
        reach += r;
        for s in (r..=reach).rev() {
            counts[s] += counts[s - r];
        }
    }
    counts
}

/// Complementary error function, for normal tail probabilities (std has none): within 3e-15
/// relative of `scipy.special.erfc` on 0..10. A positive-term series for erf below 1, where
/// 1 − erf loses at most one digit; Lentz's continued fraction from 1, where it converges in
/// under 200 steps.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    let two_over_sqrt_pi = std::f64::consts::FRAC_2_SQRT_PI;
    if x < 1.0 {
        // erf x = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))
        let x2 = x * x;
        let (mut term, mut sum) = (x, x);
        for n in 1..500 {
            term *= 2.0 * x2 / (2 * n + 1) as f64;
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
        }
        1.0 - two_over_sqrt_pi * (-x2).exp() * sum
    } else {
        // erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
        let tiny = 1e-300;
        let (mut f, mut c, mut d) = (x, x, 0.0);
        for k in 1..5000 {
            let a = k as f64 / 2.0;
            d = x + a * d;
            if d == 0.0 {
                d = tiny;
            }
            c = x + a / c;
            if c == 0.0 {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        two_over_sqrt_pi / 2.0 * (-x * x).exp() / f
    }
}

/// Disagreement weights of a weighted kappa, by distance on the scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KappaWeights {
    /// Every disagreement counts the same (Cohen's original kappa).
    Unweighted,
    /// |i − j|: "much better" vs "slightly better" is half as bad as vs "no different".
    Linear,
    /// (i − j)²: tolerant of near misses, close to the intraclass correlation.
    Quadratic,
}

/// Cohen's weighted kappa of two readers' scores on the −2..+2 scale, `pairs[k]` being both
/// readers' scores for the same case, as `sklearn.metrics.cohen_kappa_score(a, b, weights=…,
/// labels=[-2, -1, 0, 1, 2])`.
///
/// The labels are fixed to the whole scale: without them scikit-learn weights by position among
/// the labels that happen to occur, so that when nobody answered 0 the distance from −1 to +1
/// would count as 1 instead of 2.
///
/// `None` when undefined: no pairs, a score off the scale, or no disagreement expected by chance
/// (both readers always gave the same single score), where kappa is 0/0.
pub fn weighted_kappa(pairs: &[(i8, i8)], weights: KappaWeights) -> Option<f64> {
    const K: usize = 5;
    let idx = |s: i8| (-2..=2).contains(&s).then(|| (s + 2) as usize);
    let mut observed = [[0.0f64; K]; K];
    for &(a, b) in pairs {
        observed[idx(a)?][idx(b)?] += 1.0;
    }
    let n = pairs.len() as f64;
    if n == 0.0 {
        return None;
    }
    let rows: Vec<f64> = (0..K).map(|i| observed[i].iter().sum()).collect();
    let cols: Vec<f64> = (0..K).map(|j| (0..K).map(|i| observed[i][j]).sum()).collect();
    let w = |i: usize, j: usize| {
        let d = i.abs_diff(j) as f64;
        match weights {
            KappaWeights::Unweighted => (i != j) as u8 as f64,
            KappaWeights::Linear => d,
            KappaWeights::Quadratic => d * d,
        }
    };
    let (mut obs, mut exp) = (0.0, 0.0);
    for i in 0..K {
        for j in 0..K {
            obs += w(i, j) * observed[i][j];
            exp += w(i, j) * rows[i] * cols[j] / n;
        }
    }
    (exp > 0.0).then(|| 1.0 - obs / exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from SciPy 1.17.1 / scikit-learn 1.9.1:
    //   scipy.stats.wilcoxon(x)  →  statistic, pvalue
    //   sklearn.metrics.cohen_kappa_score(a, b, weights=w, labels=[-2, -1, 0, 1, 2])

    fn close(got: f64, want: f64, rel: f64) {
        assert!((got - want).abs() <= rel * want.abs().max(1e-300), "got {got:e}, want {want:e}");
    }

    fn check(x: &[f64], stat: f64, p: f64, method: WilcoxonMethod) {
        let w = wilcoxon(x).unwrap();
        assert_eq!(w.statistic, stat, "{x:?}");
        assert_eq!(w.method, method, "{x:?}");
        close(w.p, p, 1e-12);
    }

    #[test]
    fn mean_and_sd() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, sd = √(32/7).
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&x), Some(5.0));
        close(sample_sd(&x).unwrap(), (32.0f64 / 7.0).sqrt(), 1e-15);
        assert_eq!(mean(&[]), None);
        assert_eq!(sample_sd(&[3.0]), None);
    }

    #[test]
    fn wilcoxon_exact_without_ties() {
        check(&[1.5, -0.5, 2.25, 3.0, -1.25, 4.0, 0.75, 5.5, 2.75, -3.5], 12.0, 0.130859375, WilcoxonMethod::Exact);
        // By hand: three positive values, W− = 0, and W+ = 6 is the largest of the 2³ equally
        // likely sign patterns, so p = 2 · 1/8.
        check(&[1.0, 2.0, 3.0], 0.0, 0.25, WilcoxonMethod::Exact);
        // Tied, all at rank 2 and all positive: W+ = 6 is again 1 sign pattern in 8. SciPy takes
        // its permutation path here because of the ties.
        check(&[1.0, 1.0, 1.0], 0.0, 0.25, WilcoxonMethod::Permutation);
    }

    #[test]
    fn wilcoxon_permutation_with_ties_or_zeros() {
        let likert = [2.0, 1.0, 1.0, 0.0, -1.0, 2.0, 1.0, 1.0, 0.0, 1.0, 2.0, -2.0];
        check(&likert, 12.0, 0.13671875, WilcoxonMethod::Permutation);
        // A zero alone (no ties among the rest) already leaves the exact table.
        check(&[0.0, 1.0, -2.0, 3.0, 4.0], 2.0, 0.375, WilcoxonMethod::Permutation);
        let w = wilcoxon(&likert).unwrap();
        assert_eq!((w.n, w.zeros), (10, 2));
    }

    #[test]
    fn wilcoxon_asymptotic_with_ties() {
        let x = [2., 1., 1., 0., -1., 2., 1., 1., 0., 1., 2., -2., 1., 0., 1., -1., 2., 1., 0., 1.];
        check(&x, 26.0, 0.023544102412552784, WilcoxonMethod::Asymptotic);
        let means = [0.5, 1., 1.5, -0.5, 0., 1., 2., 0.5, 1.5, 1., -1., 0.5, 1., 1.5];
        check(&means, 9.5, 0.011009145802517498, WilcoxonMethod::Asymptotic);
        let neg = [
            -1., -2., -1., -1., 0., -2., -1., -2., -1., -1., -2., -1., -1., -2., -2., -1., -1., 0., -1., -2., -1., -1., -2., -1., -1.,
        ];
        check(&neg, 0.0, 1.2837744618433384e-05, WilcoxonMethod::Asymptotic);
    }

    #[test]
    fn wilcoxon_asymptotic_above_fifty_even_without_ties() {
        let x = [
            0.30123, 0.598746, 0.025862, -0.590592, -0.154671, -0.691647, 0.360144, 1.640215, -0.192207, -0.320475, 0.789842,
            0.656887, 0.405414, -0.630468, 0.270748, 0.995303, -1.044215, -0.157616, -1.601223, -0.989538, -1.541735, 0.064909,
            -0.967446, 0.571264, 0.456751, 0.113069, -2.21676, -0.238693, 0.251499, 0.413309, -1.230136, -0.177753, -0.678519,
            -0.508837, 1.360899, -0.507535, 0.267478, 1.18439, -0.2836, 0.188298, 0.410464, 0.363782, -0.925056, 0.37614, 1.658823,
            -1.247145, 1.159383, 0.419354, -0.34147, 2.300417, 1.06226, -0.899289, 0.374516, 0.87669, 0.111218, 0.98291, 0.233483,
            0.967248, 1.738523, -0.375662,
        ];
        check(&x, 795.0, 0.3770243171062413, WilcoxonMethod::Asymptotic);
    }

    #[test]
    fn wilcoxon_undefined_without_nonzero_differences() {
        assert_eq!(wilcoxon(&[]), None);
        assert_eq!(wilcoxon(&[0.0; 20]), None);
    }

    #[test]
    fn erfc_matches_scipy_special() {
        for (x, want) in [
            (0.0, 1.0),
            (0.1, 0.8875370839817152),
            (0.5, 0.4795001221869535),
            (1.0, 0.15729920705028516),
            (2.0, 0.004677734981047266),
            (0.9999, 0.1573407219512406),
            (2.4999, 0.0004071699003334512),
            (2.5, 0.00040695201744495886),
            (3.0, 2.2090496998585445e-05),
            (5.0, 1.5374597944280347e-12),
            (8.0, 1.1224297172982928e-29),
            (-1.0, 1.8427007929497148),
        ] {
            close(erfc(x), want, 1e-14);
        }
    }

    #[test]
    fn kappa_matches_sklearn() {
        let a = [2, 1, 1, 0, -1, 2, 1, 1, 0, 1, 2, -2];
        let b = [1, 1, 2, 0, 0, 2, 1, 0, -1, 1, 2, -1];
        let pairs: Vec<(i8, i8)> = a.into_iter().zip(b).collect();
        close(weighted_kappa(&pairs, KappaWeights::Unweighted).unwrap(), 0.3271028037383177, 1e-14);
        close(weighted_kappa(&pairs, KappaWeights::Linear).unwrap(), 0.5862068965517242, 1e-14);
        close(weighted_kappa(&pairs, KappaWeights::Quadratic).unwrap(), 0.7954545454545454, 1e-14);
        // With a gap in the used scores (no 0 or 1), distance is measured on the scale:
        // 0.7727… here, where scikit-learn without `labels` gives 0.5.
        let gap = [(-2, -1), (-1, -1), (2, 2), (2, 2), (-1, -2)];
        close(weighted_kappa(&gap, KappaWeights::Linear).unwrap(), 0.7727272727272727, 1e-14);
    }

    #[test]
    fn kappa_by_hand_and_degenerate() {
        // Perfect agreement with some spread: observed disagreement 0, so κ = 1.
        assert_eq!(weighted_kappa(&[(1, 1), (-1, -1), (0, 0)], KappaWeights::Linear), Some(1.0));
        // One reader always 1, the other always 0: observed = expected disagreement, κ = 0.
        assert_eq!(weighted_kappa(&[(1, 0), (1, 0), (1, 0)], KappaWeights::Linear), Some(0.0));
        // Both always 1: no disagreement is possible by chance, κ = 0/0.
        assert_eq!(weighted_kappa(&[(1, 1), (1, 1)], KappaWeights::Linear), None);
        assert_eq!(weighted_kappa(&[], KappaWeights::Linear), None);
        assert_eq!(weighted_kappa(&[(3, 1)], KappaWeights::Linear), None);
    }
}
