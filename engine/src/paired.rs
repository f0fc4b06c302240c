//! Paired differences between two methods scored on the same slices: the way to say whether one
//! method is ahead of another, and by how much, on a handful of test slices.
//!
//! Means of two methods over 10 slices can differ by less than the slices differ from each other,
//! yet one method can be ahead on every slice: the paired difference per slice removes what the
//! slices share. Each comparison reports the mean difference, a 95 % percentile-bootstrap interval
//! of that mean (resampling slices; 10 000 resamples, a fixed seed so the report re-runs to the same
//! digits) and the two-sided Wilcoxon signed-rank p ([`crate::study::stats::wilcoxon`], SciPy's
//! conventions). Slices of one scan are not independent samples of all brains: the interval says
//! how stable the margin is over this scan's anatomy, not over subjects.

use crate::data::Rng;
use crate::table::{Row, DEFAULT_COORD};
use crate::methods::fmt_num;
use crate::study::stats::{self, Wilcoxon};
use std::fmt::Write as _;

/// A method as rows name it: (method, λ, training scales), e.g. ("coord", "10", "1-2").
pub type Key<'a> = (&'a str, &'a str, &'a str);

/// The comparisons the results report: the default coord model ([`DEFAULT_COORD`], the viewer's)
/// against zero-fill (the matched linear reconstruction), against the default conv model and
/// against bicubic; the same with data consistency; conv against zero-fill; and the skip's
/// ablation: the default against its zero-fill-skip twin, and that twin against zero-fill.
pub const COMPARISONS: [(Key, Key); 7] = [
    (DEFAULT_COORD, ("zerofill", "", "")),
    (DEFAULT_COORD, ("conv", "0", "2")),
    (DEFAULT_COORD, ("bicubic", "", "")),
    (("coord-bilinear+dc", "10", "1-2"), ("zerofill", "", "")),
    (("conv", "0", "2"), ("zerofill", "", "")),
    (DEFAULT_COORD, ("coord", "10", "1-2")),
    (("coord", "10", "1-2"), ("zerofill", "", "")),
];

/// Which score a comparison is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Score {
    Vif,
    Psnr,
}

impl Score {
    fn of(&self, m: &crate::metrics::Metrics) -> f64 {
        match self {
            Score::Vif => m.vif,
            Score::Psnr => m.psnr,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Score::Vif => "VIF",
            Score::Psnr => "PSNR (dB)",
        }
    }
}

/// `a − b` on one dataset at one scale.
#[derive(Clone, Debug)]
pub struct Difference {
    pub dataset: String,
    pub scale: f64,
    pub n: usize,
    pub mean: f64,
    /// 95 % percentile-bootstrap interval of the mean.
    pub ci: (f64, f64),
    /// `None` when every difference is zero.
    pub wilcoxon: Option<Wilcoxon>,
}

/// Percentile-bootstrap interval (`level`, e.g. 0.95) of the mean of `d`, resampling its values.
pub fn bootstrap_mean_ci(d: &[f64], level: f64, resamples: usize, seed: u64) -> (f64, f64) {
    let n = d.len();
    let mut rng = Rng(seed);
    let mut means: Vec<f64> =
        (0..resamples).map(|_| (0..n).map(|_| d[rng.below(n)]).sum::<f64>() / n as f64).collect();
    means.sort_by(f64::total_cmp);
    let q = |p: f64| means[((p * (resamples - 1) as f64).round() as usize).min(resamples - 1)];
    let tail = (1.0 - level) / 2.0;
    (q(tail), q(1.0 - tail))
}

/// Per dataset and scale, `a − b` over the slices both were scored on (rows from
/// [`crate::eval::evaluate`], which keeps per-slice scores). Scales where either is missing (conv
/// away from 2×) are left out.
pub fn differences(rows: &[Row], a: Key, b: Key, score: Score) -> Vec<Difference> {
    let is = |r: &Row, k: Key| (r.method.as_str(), r.lambda.as_str(), r.train_scales.as_str()) == k;
    let mut out = Vec::new();
    for ra in rows.iter().filter(|r| is(r, a)) {
        let Some(rb) = rows.iter().find(|r| is(r, b) && r.dataset == ra.dataset && r.query_scale == ra.query_scale) else {
            continue;
        };
        if ra.per_slice.is_empty() || ra.per_slice.len() != rb.per_slice.len() {
            continue;
        }
        let d: Vec<f64> = ra.per_slice.iter().zip(&rb.per_slice).map(|(x, y)| score.of(x) - score.of(y)).collect();
        out.push(Difference {
            dataset: ra.dataset.clone(),
            scale: ra.query_scale,
            n: d.len(),
            mean: stats::mean(&d).unwrap_or(f64::NAN),
            ci: bootstrap_mean_ci(&d, 0.95, 10_000, 1),
            wilcoxon: stats::wilcoxon(&d),
        });
    }
    out
}

fn label(k: Key) -> String {
    crate::methods::label(k.0, k.1, k.2)
}

/// The comparisons for `rows`: [`COMPARISONS`], then every other trained model (ablations,
/// "+dc" rows) against zero-fill, so that no model in a report goes without its paired margin.
pub fn comparisons(rows: &[Row]) -> Vec<(Key<'_>, Key<'_>)> {
    const ZEROFILL: Key<'static> = ("zerofill", "", "");
    let mut list: Vec<(Key, Key)> = COMPARISONS.to_vec();
    for r in rows {
        let key: Key = (&r.method, &r.lambda, &r.train_scales);
        if !r.lambda.is_empty() && !list.contains(&(key, ZEROFILL)) {
            list.push((key, ZEROFILL));
        }
    }
    list
}

/// The [`comparisons`] present in `rows`, as Markdown: one table per comparison and score, a row
/// per dataset and scale.
pub fn to_markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    for (a, b) in comparisons(rows) {
        for score in [Score::Vif, Score::Psnr] {
            let diffs = differences(rows, a, b, score);
            if diffs.is_empty() {
                continue;
            }
            let digits = if score == Score::Vif { 4 } else { 2 };
            let _ = writeln!(out, "### {} − {}: {}\n", label(a), label(b), score.name());
            let _ = writeln!(out, "| dataset | scale | slices | mean difference | 95 % bootstrap interval | Wilcoxon p |");
            let _ = writeln!(out, "|---|---|---|---|---|---|");
            for d in diffs {
                let p = d.wilcoxon.map_or("– (all equal)".to_string(), |w| format!("{:.3}", w.p));
                let _ = writeln!(
                    out,
                    "| {} | {}× | {} | {:+.digits$} | [{:+.digits$}, {:+.digits$}] | {p} |",
                    d.dataset,
                    fmt_num(d.scale),
                    d.n,
                    d.mean,
                    d.ci.0,
                    d.ci.1
                );
            }
            let _ = writeln!(out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    fn row(method: &str, lambda: &str, ts: &str, scale: f64, vifs: &[f64]) -> Row {
        Row {
            method: method.into(),
            lambda: lambda.into(),
            train_scales: ts.into(),
            query_scale: scale,
            vif: vifs.iter().sum::<f64>() / vifs.len() as f64,
            psnr: 30.0,
            ssim: 0.9,
            n_slices: vifs.len(),
            dataset: "test-scan".into(),
            per_slice: vifs.iter().map(|&v| Metrics { vif: v, psnr: 30.0 + v, ssim: 0.9 }).collect(),
            seed: None,
        }
    }

    #[test]
    fn a_small_margin_on_every_slice_is_told_apart_from_noise() {
        // Slices differ by 0.1 from each other; coord is ahead by 0.01 on every one of them.
        let base = [0.40, 0.50, 0.30, 0.60, 0.45, 0.35, 0.55, 0.42, 0.38, 0.52];
        let ahead: Vec<f64> = base.iter().map(|v| v + 0.01).collect();
        let noisy: Vec<f64> = base.iter().enumerate().map(|(i, v)| v + if i % 2 == 0 { 0.02 } else { -0.02 }).collect();
        let rows = vec![
            row("zerofill", "", "", 2.0, &base),
            row("coord", "10", "1-2", 2.0, &ahead),
            row("coord", "10", "1-2", 3.0, &noisy),
            row("zerofill", "", "", 3.0, &base),
            row("conv", "0", "2", 2.0, &base),
        ];
        let d = differences(&rows, ("coord", "10", "1-2"), ("zerofill", "", ""), Score::Vif);
        assert_eq!(d.len(), 2);
        let (two, three) = (&d[0], &d[1]);
        assert!((two.mean - 0.01).abs() < 1e-12 && two.ci.0 > 0.0099 && two.ci.1 < 0.0101, "{two:?}");
        // All ten ahead, no ties: exact p = 2 / 2¹⁰.
        assert!((two.wilcoxon.unwrap().p - 2.0 / 1024.0).abs() < 1e-12, "{two:?}");
        assert!(three.mean.abs() < 1e-12 && three.ci.0 < 0.0 && three.ci.1 > 0.0, "{three:?}");
        assert!(three.wilcoxon.unwrap().p > 0.5, "{three:?}");
        // Conv exists only at 2×; PSNR differences come from the same slices.
        assert_eq!(differences(&rows, ("coord", "10", "1-2"), ("conv", "0", "2"), Score::Vif).len(), 1);
        let md = to_markdown(&rows);
        assert!(md.contains("### coord λ=10 1-2× − zerofill: VIF") && md.contains("| test-scan | 2× | 10 | +0.0100 |"), "{md}");
        assert!(!md.contains("coord+dc"), "comparisons without rows are left out");
        // An ablation row gets its margin over zero-fill too, once.
        let mut rows = rows.clone();
        rows.push(row("coord", "0", "1-2", 2.0, &ahead));
        let md = to_markdown(&rows);
        assert_eq!(md.matches("### coord λ=0 1-2× − zerofill: VIF").count(), 1, "{md}");
        assert_eq!(md.matches("### coord λ=10 1-2× − zerofill: VIF").count(), 1, "{md}");
    }

    #[test]
    fn bootstrap_interval_covers_the_mean_and_shrinks_with_agreement() {
        let d = [0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0.0, 0.15];
        let (lo, hi) = bootstrap_mean_ci(&d, 0.95, 10_000, 1);
        let m = d.iter().sum::<f64>() / d.len() as f64;
        assert!(lo < m && m < hi && lo > -0.2 && hi < 0.3, "{lo} {hi}");
        assert_eq!(bootstrap_mean_ci(&d, 0.95, 10_000, 1), (lo, hi), "deterministic");
        let (lo2, hi2) = bootstrap_mean_ci(&d.map(|v| v / 10.0), 0.95, 10_000, 1);
        assert!(hi2 - lo2 < (hi - lo) / 5.0);
    }
}
