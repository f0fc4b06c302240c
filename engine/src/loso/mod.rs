//! The cross-subject evaluation (RESULTS.md, "Cross-subject protocol"; issue 30): every brain
//! subject tested once by the models of the fold that kept it out, several seeds, the subject as
//! the unit of the statistics.
//!
//! `coordsr eval --fold K` writes this fold's scores as `loso.csv` (means over slices) and
//! `loso_per_slice.csv` (the slices) — one row per (fold, test subject, seed, method, skip, λ,
//! training scales, query scale, dataset); concatenated over the folds they are
//! `results/loso*.csv`, and [`summarise`] turns the per-slice file into the cross-subject table
//! and the claims table. A margin of method A over B is paired per slice (same fold, dataset,
//! scale, slice; same seed where both have seeds, a classical method's one row otherwise). Across
//! folds: the mean ± SD of the per-subject margins, the spread over seeds, a hierarchical
//! bootstrap (subjects, then slices within each) for the 95 % interval, and the sign count over
//! folds × seeds.

use crate::csv;
use crate::data::Rng;
use crate::methods::fmt_num;
use crate::table::Row;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

mod round;
pub use round::*;

/// The columns of `loso_per_slice.csv`, in order.
pub const PER_SLICE_COLUMNS: [&str; 13] =
    ["fold", "test_subject", "seed", "method", "skip", "lambda", "train_scales", "query_scale", "dataset", "slice", "psnr", "ssim", "vif"];

/// The columns of `loso.csv`, in order.
pub const COLUMNS: [&str; 13] =
    ["fold", "test_subject", "seed", "method", "skip", "lambda", "train_scales", "query_scale", "dataset", "n_slices", "psnr", "ssim", "vif"];

/// A results row's method name split into the decoder (or classical method) and its skip:
/// "coord-bilinear" → ("coord", "bilinear"), "conv" → ("conv", "zerofill"), "bicubic" →
/// ("bicubic", "").
pub fn method_and_skip(name: &str) -> (String, String) {
    match name.strip_suffix("-bilinear") {
        Some(m) => (m.into(), "bilinear".into()),
        None if name == "coord" || name == "conv" => (name.into(), "zerofill".into()),
        None => (name.into(), String::new()),
    }
}

fn key_fields(r: &Row, fold: usize, test_subject: &str) -> Vec<String> {
    let (method, skip) = method_and_skip(&r.method);
    vec![
        fold.to_string(),
        test_subject.to_string(),
        r.seed.map_or(String::new(), |s| s.to_string()),
        method,
        skip,
        r.lambda.clone(),
        r.train_scales.clone(),
        fmt_num(r.query_scale),
        r.dataset.clone(),
    ]
}

/// `loso.csv` for one fold's rows: means over each row's slices.
pub fn to_csv(rows: &[Row], fold: usize, test_subject: &str) -> String {
    let mut s = csv::line(&COLUMNS) + "\n";
    for r in rows {
        let mut f = key_fields(r, fold, test_subject);
        f.extend([r.n_slices.to_string(), r.psnr.to_string(), r.ssim.to_string(), r.vif.to_string()]);
        let _ = writeln!(s, "{}", csv::line(&f));
    }
    s
}

/// `loso_per_slice.csv` for one fold's rows.
pub fn to_per_slice_csv(rows: &[Row], fold: usize, test_subject: &str) -> String {
    let mut s = csv::line(&PER_SLICE_COLUMNS) + "\n";
    for r in rows {
        for (i, m) in r.per_slice.iter().enumerate() {
            let mut f = key_fields(r, fold, test_subject);
            f.extend([i.to_string(), m.psnr.to_string(), m.ssim.to_string(), m.vif.to_string()]);
            let _ = writeln!(s, "{}", csv::line(&f));
        }
    }
    s
}

/// One slice's scores of one model (or classical method) of one fold.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceScore {
    pub fold: usize,
    pub test_subject: String,
    pub seed: Option<u64>,
    /// Decoder or classical method, skip, λ, training scales: which configuration.
    pub config: Config,
    pub query_scale: f64,
    pub dataset: String,
    pub slice: usize,
    pub psnr: f64,
    pub ssim: f64,
    pub vif: f64,
}

/// A configuration as the tables name it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Config {
    pub method: String,
    pub skip: String,
    pub lambda: String,
    pub train_scales: String,
}

impl Config {
    pub fn new(method: &str, skip: &str, lambda: &str, train_scales: &str) -> Self {
        Self { method: method.into(), skip: skip.into(), lambda: lambda.into(), train_scales: train_scales.into() }
    }

    /// "coord λ=10 1–2× bilinear", "bicubic".
    pub fn label(&self) -> String {
        if self.lambda.is_empty() {
            return self.method.clone();
        }
        format!("{} λ={} {}× {}", self.method, self.lambda, self.train_scales.replace('-', "–"), self.skip)
    }
}

/// Read `loso_per_slice.csv` (one fold's or all folds' concatenated, each with its header).
pub fn read_per_slice_csv(text: &str) -> Result<Vec<SliceScore>, String> {
    let mut out = Vec::new();
    for r in csv::parse(text)? {
        let f = &r.fields;
        if f.iter().map(|x| x.trim()).eq(PER_SLICE_COLUMNS) {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}: {:?}", r.line, csv::line(f));
        if f.len() != PER_SLICE_COLUMNS.len() {
            return Err(bad("wrong number of fields"));
        }
        let num = |s: &str| s.parse::<f64>().map_err(|_| bad("not a number"));
        out.push(SliceScore {
            fold: f[0].parse().map_err(|_| bad("not a fold"))?,
            test_subject: f[1].clone(),
            seed: if f[2].is_empty() { None } else { Some(f[2].parse().map_err(|_| bad("not a seed"))?) },
            config: Config::new(&f[3], &f[4], &f[5], &f[6]),
            query_scale: num(&f[7])?,
            dataset: f[8].clone(),
            slice: f[9].parse().map_err(|_| bad("not a slice index"))?,
            psnr: num(&f[10])?,
            ssim: num(&f[11])?,
            vif: num(&f[12])?,
        });
    }
    Ok(out)
}

/// Which score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    Psnr,
    Ssim,
    Vif,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Psnr, Metric::Ssim, Metric::Vif];

    fn of(self, s: &SliceScore) -> f64 {
        match self {
            Metric::Psnr => s.psnr,
            Metric::Ssim => s.ssim,
            Metric::Vif => s.vif,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Psnr => "PSNR",
            Metric::Ssim => "SSIM",
            Metric::Vif => "VIF",
        }
    }

    /// Decimals a margin of this metric is reported with.
    pub(crate) fn decimals(self) -> usize {
        match self {
            Metric::Psnr => 2,
            _ => 4,
        }
    }
}

/// The paired margins of A over B on one subject (one fold's test subject), per seed: each
/// seed's slice-by-slice differences, slices in order.
pub type SubjectMargins = Vec<(Option<u64>, Vec<f64>)>;

/// A − B per slice on `dataset` at `scale`, by fold (subject): paired on fold, slice and seed (a
/// seedless side pairs with every seed of the other; two seeded sides pair on common seeds).
pub fn margins(scores: &[SliceScore], a: &Config, b: &Config, metric: Metric, scale: f64, dataset: impl Fn(&SliceScore) -> bool) -> BTreeMap<usize, SubjectMargins> {
    let pick = |c: &Config| -> BTreeMap<(usize, Option<u64>), BTreeMap<usize, f64>> {
        let mut m: BTreeMap<(usize, Option<u64>), BTreeMap<usize, f64>> = BTreeMap::new();
        for s in scores.iter().filter(|s| &s.config == c && s.query_scale == scale && dataset(s)) {
            m.entry((s.fold, s.seed)).or_default().insert(s.slice, metric.of(s));
        }
        m
    };
    let (sa, sb) = (pick(a), pick(b));
    let mut out: BTreeMap<usize, SubjectMargins> = BTreeMap::new();
    for ((fold, seed_a), slices_a) in &sa {
        for ((fold_b, seed_b), slices_b) in &sb {
            if fold_b != fold || (seed_a.is_some() && seed_b.is_some() && seed_a != seed_b) {
                continue;
            }
            // A non-finite score (a blank slice's VIF, identical images' PSNR) has no margin.
            let d: Vec<f64> = slices_a.iter().filter_map(|(i, va)| slices_b.get(i).map(|vb| va - vb)).filter(|d| d.is_finite()).collect();
            if !d.is_empty() {
                out.entry(*fold).or_default().push((seed_a.or(*seed_b), d));
            }
        }
    }
    out
}

pub(crate) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return f64::NAN;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// A margin summarised over subjects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Subjects (folds) with data.
    pub subjects: usize,
    /// Mean and SD over subjects of each subject's margin (its seeds' and slices' mean); no SD
    /// with one subject.
    pub mean: f64,
    pub sd: Option<f64>,
    /// Mean over subjects of the SD over seeds of the seed-level margins (None with one seed).
    pub seed_sd: Option<f64>,
    /// 95 % hierarchical bootstrap interval (subjects, then slices within each).
    pub interval: (f64, f64),
    /// Seed-level margins (fold × seed) above zero, of how many.
    pub positive: usize,
    pub runs: usize,
}

/// Summarise per-subject margins (see [`margins`]).
pub fn summarise(by_subject: &BTreeMap<usize, SubjectMargins>) -> Option<Summary> {
    if by_subject.is_empty() {
        return None;
    }
    // A subject's per-slice margin: the mean over its seeds of that slice's margin.
    let subject_slices: Vec<Vec<f64>> = by_subject
        .values()
        .map(|seeds| {
            let n = seeds.iter().map(|(_, d)| d.len()).min().unwrap_or(0);
            (0..n).map(|i| mean(&seeds.iter().map(|(_, d)| d[i]).collect::<Vec<_>>())).collect()
        })
        .collect();
    let subject_means: Vec<f64> = subject_slices.iter().map(|d| mean(d)).collect();
    let seed_means: Vec<Vec<f64>> = by_subject.values().map(|seeds| seeds.iter().map(|(_, d)| mean(d)).collect()).collect();
    let seed_sds: Vec<f64> = seed_means.iter().map(|m| sd(m)).filter(|x| x.is_finite()).collect();
    let all_runs: Vec<f64> = seed_means.iter().flatten().copied().collect();
    Some(Summary {
        subjects: by_subject.len(),
        mean: mean(&subject_means),
        sd: Some(sd(&subject_means)).filter(|x| x.is_finite()),
        seed_sd: (!seed_sds.is_empty()).then(|| mean(&seed_sds)),
        interval: hierarchical_bootstrap(&subject_slices, 0.95, 10_000, 30),
        positive: all_runs.iter().filter(|&&x| x > 0.0).count(),
        runs: all_runs.len(),
    })
}

/// Percentile interval at `level` of the mean margin when both the subjects and, within each
/// drawn subject, its slices are resampled with replacement (the two levels of variation: which
/// subjects were scanned, which slices of them were scored). A fixed seed: reports re-run to the
/// same interval.
pub fn hierarchical_bootstrap(subjects: &[Vec<f64>], level: f64, resamples: usize, seed: u64) -> (f64, f64) {
    let subjects: Vec<&Vec<f64>> = subjects.iter().filter(|s| !s.is_empty()).collect();
    if subjects.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut rng = Rng(seed);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| {
            let total: f64 = (0..subjects.len())
                .map(|_| {
                    let s = subjects[rng.below(subjects.len())];
                    (0..s.len()).map(|_| s[rng.below(s.len())]).sum::<f64>() / s.len() as f64
                })
                .sum();
            total / subjects.len() as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let q = |p: f64| means[((resamples - 1) as f64 * p).round() as usize];
    (q((1.0 - level) / 2.0), q((1.0 + level) / 2.0))
}

/// How a claim came out (the protocol's rule): reproduced when the interval excludes 0 in the
/// claimed direction, reversed when it excludes 0 in the other, not reproduced otherwise.
pub fn verdict(s: &Summary, claimed_positive: bool) -> &'static str {
    let (lo, hi) = s.interval;
    let (lo, hi) = if claimed_positive { (lo, hi) } else { (-hi, -lo) };
    if lo > 0.0 {
        "reproduced"
    } else if hi < 0.0 {
        "reversed"
    } else {
        "not reproduced"
    }
}

/// The configurations the protocol names as the defaults (coord λ=10 1–2× over bilinear, conv λ=0
/// 2× over zero-fill): the skip rule's tie-break, and what the claims name while it is pending.
/// The round's defaults are the rule's ([`SkipRule::defaults`]).
pub fn coord_default() -> Config {
    Config::new("coord", "bilinear", "10", "1-2")
}
pub fn conv_default() -> Config {
    Config::new("conv", "zerofill", "0", "2")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    fn row(method: &str, lambda: &str, ts: &str, seed: Option<u64>, scale: f64, dataset: &str, vifs: &[f64]) -> Row {
        Row {
            method: method.into(),
            lambda: lambda.into(),
            train_scales: ts.into(),
            query_scale: scale,
            vif: vifs.iter().sum::<f64>() / vifs.len() as f64,
            psnr: 30.0,
            ssim: 0.9,
            n_slices: vifs.len(),
            dataset: dataset.into(),
            seed,
            per_slice: vifs.iter().map(|&v| Metrics { vif: v, psnr: 30.0 + 10.0 * v, ssim: 0.9 }).collect(),
        }
    }

    #[test]
    fn the_csvs_carry_fold_seed_and_skip_and_read_back() {
        let rows = vec![
            row("bicubic", "", "", None, 2.0, "d", &[0.5, 0.6]),
            row("coord-bilinear", "10", "1-2", Some(3), 2.0, "d", &[0.55, 0.66]),
            row("conv", "0", "2", Some(1), 2.0, "knee", &[0.4, 0.45]),
        ];
        let means = to_csv(&rows, 2, "d");
        assert!(means.starts_with("fold,test_subject,seed,method,skip,lambda,train_scales,query_scale,dataset,n_slices,psnr,ssim,vif\n"));
        assert!(means.contains("\n2,d,3,coord,bilinear,10,1-2,2,d,2,"), "{means}");
        assert!(means.contains("\n2,d,1,conv,zerofill,0,2,2,knee,2,"), "{means}");
        assert!(means.contains("\n2,d,,bicubic,,,,2,d,2,"), "{means}");
        let text = to_per_slice_csv(&rows, 2, "d");
        // Two folds concatenated, each with its header.
        let both = format!("{text}{}", to_per_slice_csv(&rows, 3, "e"));
        let back = read_per_slice_csv(&both).unwrap();
        assert_eq!(back.len(), 12);
        assert_eq!(back[2].config, coord_default());
        assert_eq!((back[2].seed, back[2].slice, back[2].vif), (Some(3), 0, 0.55));
        assert_eq!(back[6].fold, 3);
        assert!(read_per_slice_csv("fold,test_subject\n1,2\n").is_err());
    }

    /// Scores of a coord model `gain` above bicubic on every slice of each subject.
    fn scores(gains: &[(usize, u64, f64)]) -> Vec<SliceScore> {
        let mut out = Vec::new();
        let subject = |f: usize| format!("s{f}");
        for f in gains.iter().map(|g| g.0).collect::<std::collections::BTreeSet<_>>() {
            for i in 0..10 {
                let base = 0.5 + 0.01 * i as f64;
                out.push(SliceScore { fold: f, test_subject: subject(f), seed: None, config: Config::new("bicubic", "", "", ""), query_scale: 2.0, dataset: subject(f), slice: i, psnr: 30.0, ssim: 0.9, vif: base });
            }
        }
        for &(f, seed, gain) in gains {
            for i in 0..10 {
                let base = 0.5 + 0.01 * i as f64;
                let noise = if i % 2 == 0 { 0.001 } else { -0.001 };
                out.push(SliceScore { fold: f, test_subject: subject(f), seed: Some(seed), config: coord_default(), query_scale: 2.0, dataset: subject(f), slice: i, psnr: 30.0, ssim: 0.9, vif: base + gain + noise });
            }
        }
        out
    }

    #[test]
    fn margins_pair_slices_and_seeds_and_the_subject_is_the_unit() {
        let s = scores(&[(1, 1, 0.02), (1, 2, 0.04), (2, 1, 0.01), (3, 1, 0.03), (4, 1, -0.01)]);
        let bicubic = Config::new("bicubic", "", "", "");
        let m = margins(&s, &coord_default(), &bicubic, Metric::Vif, 2.0, |x| x.dataset == x.test_subject);
        assert_eq!(m.len(), 4);
        assert_eq!(m[&1].len(), 2, "two seeds of fold 1, each against the one bicubic");
        let sum = summarise(&m).unwrap();
        // Subject margins 0.03 (mean of seeds), 0.01, 0.03, −0.01.
        assert!((sum.mean - 0.015).abs() < 1e-12, "{sum:?}");
        assert_eq!((sum.subjects, sum.positive, sum.runs), (4, 4, 5));
        assert!((sum.seed_sd.unwrap() - (0.02f64 * 0.02 / 2.0).sqrt()).abs() < 1e-12);
        // Four subjects, one of them negative: the interval straddles less than the SD suggests
        // but must contain the mean and stay within the subject margins' range.
        assert!(sum.interval.0 <= sum.mean && sum.mean <= sum.interval.1, "{sum:?}");
        assert!(sum.interval.0 >= -0.0111 && sum.interval.1 <= 0.0311, "{sum:?}");
        assert_eq!(verdict(&Summary { interval: (0.001, 0.02), ..sum.clone() }, true), "reproduced");
        assert_eq!(verdict(&Summary { interval: (0.001, 0.02), ..sum.clone() }, false), "reversed");
        assert_eq!(verdict(&Summary { interval: (-0.001, 0.02), ..sum.clone() }, true), "not reproduced");
    }

    #[test]
    fn the_bootstrap_is_exact_when_nothing_varies_and_widens_with_subjects_that_disagree() {
        let (lo, hi) = hierarchical_bootstrap(&[vec![0.2; 5], vec![0.2; 7]], 0.95, 500, 1);
        assert!((lo - 0.2).abs() < 1e-12 && (hi - 0.2).abs() < 1e-12, "{lo} {hi}");
        let (lo, hi) = hierarchical_bootstrap(&[vec![0.1; 10], vec![0.3; 10], vec![0.2; 10]], 0.95, 2000, 1);
        assert!(lo < 0.2 && hi > 0.2 && lo >= 0.1 - 1e-12 && hi <= 0.3 + 1e-12, "{lo} {hi}");
    }

    /// Seed-1 validation scores of the four skip-rule configurations on `folds`, coord over
    /// zero-fill `edge` ahead of its bilinear twin, conv over bilinear `edge` behind its twin.
    fn validation(folds: &[usize], edge: f64) -> Vec<ValidationScore> {
        let mut out = Vec::new();
        for &k in folds {
            for (config, vif) in [
                (coord_default(), 0.64),
                (Config { skip: "zerofill".into(), ..coord_default() }, 0.64 + edge),
                (conv_default(), 0.60),
                (Config { skip: "bilinear".into(), ..conv_default() }, 0.60 - edge),
            ] {
                out.push(ValidationScore { fold: k, validation_subject: format!("v{k}"), seed: 1, config, best_step: 4000, val_vif: vif + 0.001 * k as f64 });
            }
        }
        out
    }

    #[test]
    fn the_skip_rule_waits_for_every_fold_then_takes_the_higher_mean_and_keeps_the_named_default_on_a_tie() {
        let pending = SkipRule::decide(&validation(&[1, 2, 3], 0.01));
        assert_eq!(pending.coord.chosen, None);
        let missing = pending.missing();
        assert_eq!(missing.len(), 4, "{missing:?}");
        assert!(missing.contains(&"fold 4 conv λ=0 2× bilinear".to_string()), "{missing:?}");
        assert!(pending.defaults().unwrap_err().contains("fold 4 coord λ=10 1–2× zerofill"));
        // A seed-2 run or a λ = 0 ablation does not count toward the rule.
        let mut more = validation(&[1, 2, 3], 0.01);
        more.push(ValidationScore { seed: 2, ..validation(&[4], 0.01)[0].clone() });
        more.push(ValidationScore { config: Config::new("coord", "bilinear", "0", "1-2"), ..validation(&[4], 0.01)[1].clone() });
        assert!(SkipRule::decide(&more).defaults().is_err());
        let rule = SkipRule::decide(&validation(&[1, 2, 3, 4], 0.01));
        let (coord, conv) = rule.defaults().unwrap();
        assert_eq!(coord, Config { skip: "zerofill".into(), ..coord_default() }, "the higher mean wins, named or not");
        assert_eq!(conv, conv_default());
        assert!((rule.coord.candidates[1].mean.unwrap() - (0.65 + 0.0025)).abs() < 1e-12);
        let tie = SkipRule::decide(&validation(&[1, 2, 3, 4], 0.0)).defaults().unwrap();
        assert_eq!(tie, (coord_default(), conv_default()));
    }

    #[test]
    fn validation_scores_come_from_the_weights_header_and_round_trip_through_the_csv() {
        let header = |split: &str| crate::weights::Header {
            config: crate::model::ModelConfig::conv(),
            meta: serde_json::json!({"lambda": 0.0, "train_scales": [2.0, 2.0], "seed": 3, "val_vif": 0.6123, "best_step": 3100,
                "split": {"name": split, "validation": ["brain-t1-uih"]}}),
            tensors: vec![],
        };
        let v = ValidationScore::of(&header("loso-fold-2"), "x.csrw").unwrap();
        assert_eq!((v.fold, v.seed, v.best_step, v.val_vif, v.validation_subject.as_str()), (2, 3, 3100, 0.6123, "brain-t1-uih"));
        assert_eq!(v.config, Config::new("conv", crate::model::ModelConfig::conv().skip.name(), "0", "2"));
        let e = ValidationScore::of(&header("brain-by-subject-v1"), "x.csrw").unwrap_err();
        assert!(e.contains("x.csrw") && e.contains("brain-by-subject-v1"), "{e}");
        let all = validation(&[2, 1], 0.01);
        let back = read_validation_csv(&to_validation_csv(&all)).unwrap();
        assert_eq!(back.len(), all.len());
        assert_eq!(back[0].fold, 1, "sorted by fold");
        assert!(all.contains(&back[5]));
        assert!(read_validation_csv("fold\n1\n").is_err());
    }

    #[test]
    fn test_scores_are_refused_until_the_skip_rule_is_decided() {
        let e = cross_subject(&scores(&[(1, 1, 0.02)]), &validation(&[1, 2, 3], 0.01)).unwrap_err();
        assert!(e.contains("test scores exist") && e.contains("fold 4"), "{e}");
        // Before any test score the round is still reported: the runs and the pending rule.
        let round = cross_subject(&[], &validation(&[1, 2], 0.01)).unwrap();
        assert!(round.tables.iter().all(|t| t.rows.is_empty()));
        assert!(round.claims.iter().all(|c| c.verdict == "not tested"));
        let md = round.markdown();
        assert!(md.contains("Runs finished: 8 of 36. The skip rule is pending"), "{md}");
        assert!(md.contains("| coord λ=10 1–2× zerofill | 0.6510 | 0.6520 | … | … | … | pending |"), "{md}");
    }

    #[test]
    fn scans_no_fold_trained_on_are_summarised_over_folds_apart_from_the_subjects() {
        let mut s = scores(&[(1, 1, 0.02), (2, 1, 0.03)]);
        // The knee, scored by both folds' models: coord 0.01 and −0.03 over bicubic.
        for (fold, gain) in [(1, 0.01), (2, -0.03)] {
            for i in 0..4 {
                let at = |config: Config, seed, vif| SliceScore { fold, test_subject: format!("s{fold}"), seed, config, query_scale: 2.0, dataset: "knee".into(), slice: i, psnr: 30.0, ssim: 0.9, vif };
                s.push(at(Config::new("bicubic", "", "", ""), None, 0.4));
                s.push(at(coord_default(), Some(1), 0.4 + gain));
            }
        }
        let round = cross_subject(&s, &validation(&[1, 2, 3, 4], -0.01)).unwrap();
        assert_eq!(round.ood.len(), 1, "{:?}", round.ood);
        let knee = &round.ood[0];
        assert_eq!((knee.dataset.as_str(), &knee.config, knee.scale), ("knee", &coord_default(), 2.0));
        let b = knee.over_bicubic.as_ref().unwrap();
        assert!((b.mean + 0.01).abs() < 1e-12 && (b.positive, b.runs) == (1, 2), "{b:?}");
        assert!(knee.over_zerofill.is_none());
        // The knee stays out of the test subjects' tables.
        let vif_rows = round.tables[0].rows.iter().filter(|r| r.metric == Metric::Vif).count();
        assert_eq!(vif_rows, 1);
        assert!((round.tables[0].rows.iter().find(|r| r.metric == Metric::Vif).unwrap().summary.mean - 0.025).abs() < 1e-12);
        let md = round.markdown();
        assert!(md.contains("| knee | coord λ=10 1–2× bilinear | 2 | -0.0100 ± 0.0283 (1/2) | – |"), "{md}");
    }

    #[test]
    fn the_summary_reports_every_claim_tested_or_not() {
        let round = cross_subject(&scores(&[(1, 1, 0.02), (2, 1, 0.03)]), &validation(&[1, 2, 3, 4], -0.01)).unwrap();
        let md = round.markdown();
        assert!(md.contains("Folds scored on test: 2 of 4 (1, 2)"), "{md}");
        assert!(md.contains("coord's default is coord λ=10 1–2× bilinear, conv's is conv λ=0 2× bilinear"), "{md}");
        assert!(md.contains("| coord λ=10 1–2× bilinear | 2 | VIF | +0.0250 ± 0.0071 | – |"), "{md}");
        assert!(md.contains("| coord beats bicubic | coord λ=10 1–2× bilinear − bicubic | 2 | VIF |"), "{md}");
        assert!(md.contains("| coord beats conv at 2× (each over its default skip) | coord λ=10 1–2× bilinear − conv λ=0 2× bilinear | 2 | VIF | no runs yet |  | not tested |"), "{md}");
        assert!(md.contains("| 1–2× training ≈ 2× only | not among this round's configurations |  |  |  |  | not tested |"), "{md}");
        // The site draws the same round from loso.json (serde_json's floats may move in the last
        // bit, never in a reported digit).
        let back: CrossSubject = serde_json::from_str(&serde_json::to_string(&round).unwrap()).unwrap();
        assert_eq!(back.markdown(), md);
        assert_eq!(back.claims.len(), round.claims.len());
    }
}
