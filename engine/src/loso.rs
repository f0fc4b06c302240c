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
use crate::weights::Header;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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
    fn decimals(self) -> usize {
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
            let d: Vec<f64> = slices_a.iter().filter_map(|(i, va)| slices_b.get(i).map(|vb| va - vb)).collect();
            if !d.is_empty() {
                out.entry(*fold).or_default().push((seed_a.or(*seed_b), d));
            }
        }
    }
    out
}

fn mean(v: &[f64]) -> f64 {
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
/// 2× over zero-fill): the runs with three seeds until the skip rule decides, and its tie-break.
pub fn coord_default() -> Config {
    Config::new("coord", "bilinear", "10", "1-2")
}
pub fn conv_default() -> Config {
    Config::new("conv", "zerofill", "0", "2")
}

/// The columns of `loso_validation.csv`, in order.
pub const VALIDATION_COLUMNS: [&str; 9] = ["fold", "validation_subject", "seed", "method", "skip", "lambda", "train_scales", "best_step", "val_vif"];

/// A finished cross-subject run's best validation VIF, as its weights' header records it: the
/// skip rule's input, read without loading the model or any test scan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidationScore {
    pub fold: usize,
    pub validation_subject: String,
    pub seed: u64,
    pub config: Config,
    pub best_step: usize,
    pub val_vif: f64,
}

impl ValidationScore {
    /// From the header of a run trained on a fold's split ("loso-fold-K"); `source` names the
    /// file in errors.
    pub fn of(header: &Header, source: &str) -> Result<Self, String> {
        let meta = &header.meta;
        let split = meta.get("split");
        let name = split.and_then(|s| s.get("name")).and_then(|n| n.as_str()).unwrap_or("unknown");
        let fold = name
            .strip_prefix("loso-fold-")
            .and_then(|k| k.parse().ok())
            .ok_or_else(|| format!("{source}: trained on split '{name}', not on a cross-subject fold (loso-fold-K)"))?;
        let validation_subject = split.and_then(|s| s.get("validation")).and_then(|v| v.get(0)).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let seed = meta.get("seed").and_then(|s| s.as_u64()).ok_or_else(|| format!("{source}: its header records no seed"))?;
        let val_vif = meta.get("val_vif").and_then(|v| v.as_f64()).ok_or_else(|| format!("{source}: its header records no validation VIF"))?;
        let best_step = meta.get("best_step").and_then(|v| v.as_u64()).unwrap_or(0) as usize;
        let config = Config::new(header.method().key(), header.config.skip.name(), &fmt_num(header.lambda()), &header.train_scales());
        Ok(Self { fold, validation_subject, seed, config, best_step, val_vif })
    }
}

/// `loso_validation.csv`: one row per finished run, in fold, configuration and seed order.
pub fn to_validation_csv(scores: &[ValidationScore]) -> String {
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| (a.fold, &a.config, a.seed).cmp(&(b.fold, &b.config, b.seed)));
    let mut s = csv::line(&VALIDATION_COLUMNS) + "\n";
    for v in &sorted {
        let c = &v.config;
        let f = [v.fold.to_string(), v.validation_subject.clone(), v.seed.to_string(), c.method.clone(), c.skip.clone(), c.lambda.clone(), c.train_scales.clone(), v.best_step.to_string(), v.val_vif.to_string()];
        let _ = writeln!(s, "{}", csv::line(&f));
    }
    s
}

/// Read `loso_validation.csv`.
pub fn read_validation_csv(text: &str) -> Result<Vec<ValidationScore>, String> {
    let mut out = Vec::new();
    for r in csv::parse(text)? {
        let f = &r.fields;
        if f.iter().map(|x| x.trim()).eq(VALIDATION_COLUMNS) {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}: {:?}", r.line, csv::line(f));
        if f.len() != VALIDATION_COLUMNS.len() {
            return Err(bad("wrong number of fields"));
        }
        out.push(ValidationScore {
            fold: f[0].parse().map_err(|_| bad("not a fold"))?,
            validation_subject: f[1].clone(),
            seed: f[2].parse().map_err(|_| bad("not a seed"))?,
            config: Config::new(&f[3], &f[4], &f[5], &f[6]),
            best_step: f[7].parse().map_err(|_| bad("not a step"))?,
            val_vif: f[8].parse().map_err(|_| bad("not a number"))?,
        });
    }
    Ok(out)
}

/// One skip of one decoder under the skip rule: seed 1's best validation VIF on folds 1–4 (None
/// while that run is unfinished) and their mean once all four are in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkipCandidate {
    pub config: Config,
    pub folds: Vec<Option<f64>>,
    pub mean: Option<f64>,
}

/// The skip rule for one decoder: its two skips, and the one chosen (None while pending).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkipChoice {
    pub candidates: Vec<SkipCandidate>,
    pub chosen: Option<Config>,
}

/// The protocol's skip rule: each decoder's default skip is the one with the higher mean
/// best-validation VIF over the four folds (seed 1), decided on validation alone before any test
/// number of the round exists; a tie keeps the protocol's named default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkipRule {
    pub coord: SkipChoice,
    pub conv: SkipChoice,
}

impl SkipRule {
    pub fn decide(scores: &[ValidationScore]) -> Self {
        let choice = |named: Config| {
            let other = Config { skip: if named.skip == "bilinear" { "zerofill" } else { "bilinear" }.into(), ..named.clone() };
            let candidates: Vec<SkipCandidate> = [named, other]
                .into_iter()
                .map(|config| {
                    let folds: Vec<Option<f64>> = (1..=crate::data::FOLDS)
                        .map(|k| scores.iter().find(|v| v.fold == k && v.seed == 1 && v.config == config).map(|v| v.val_vif))
                        .collect();
                    let mean = folds.iter().copied().collect::<Option<Vec<f64>>>().map(|v| mean(&v));
                    SkipCandidate { config, folds, mean }
                })
                .collect();
            let chosen = match (candidates[0].mean, candidates[1].mean) {
                (Some(a), Some(b)) => Some(if b > a { candidates[1].config.clone() } else { candidates[0].config.clone() }),
                _ => None,
            };
            SkipChoice { candidates, chosen }
        };
        Self { coord: choice(coord_default()), conv: choice(conv_default()) }
    }

    /// The decided defaults (coord's, conv's), or what is still missing.
    pub fn defaults(&self) -> Result<(Config, Config), String> {
        match (&self.coord.chosen, &self.conv.chosen) {
            (Some(a), Some(b)) => Ok((a.clone(), b.clone())),
            _ => {
                let missing = self.missing();
                let which = if missing.len() <= 4 { format!("missing {}", missing.join(", ")) } else { format!("{} of its 16 runs unfinished", missing.len()) };
                Err(format!("the skip rule is pending: it needs seed 1 of every fold for both skips of both decoders; {which}"))
            }
        }
    }

    /// The unfinished seed-1 runs the rule waits for ("fold 2 conv λ=0 2× bilinear").
    pub fn missing(&self) -> Vec<String> {
        [&self.coord, &self.conv]
            .iter()
            .flat_map(|c| &c.candidates)
            .flat_map(|c| c.folds.iter().enumerate().filter(|(_, v)| v.is_none()).map(move |(k, _)| format!("fold {} {}", k + 1, c.config.label())))
            .collect()
    }
}

/// One configuration's margin over a baseline at one scale and metric, across subjects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarginRow {
    pub config: Config,
    pub scale: f64,
    pub metric: Metric,
    pub summary: Summary,
}

/// Every configuration's margins over one baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarginTable {
    pub against: Config,
    pub rows: Vec<MarginRow>,
}

/// One of the poster's claims as the cross-subject intervals judge it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimRow {
    pub claim: String,
    /// What is subtracted from what ("coord λ=10 1–2× bilinear − bicubic"), or why it is untested.
    pub comparison: String,
    pub scale: String,
    pub metric: Option<Metric>,
    /// None: no runs of one side yet, or not among this round's configurations.
    pub summary: Option<Summary>,
    /// "reproduced", "not reproduced", "reversed" or "not tested".
    pub verdict: String,
}

/// The round as it stands: the finished runs' validation scores, the skip rule, and — once test
/// scores exist — the cross-subject tables and the claims. `coordsr eval --loso-summary` writes it
/// as `loso.json` (the site's results page draws it) and `loso.md` (RESULTS.md quotes it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossSubject {
    pub runs: Vec<ValidationScore>,
    pub rule: SkipRule,
    pub folds_scored: Vec<usize>,
    pub tables: Vec<MarginTable>,
    pub claims: Vec<ClaimRow>,
}

/// The round from its validation scores and its test scores (`loso_per_slice.csv`, all folds;
/// empty before the test runs). Test scores before the skip rule is decided are refused: the
/// protocol computes no test number until the rule is fixed on validation.
pub fn cross_subject(scores: &[SliceScore], runs: &[ValidationScore]) -> Result<CrossSubject, String> {
    let rule = SkipRule::decide(runs);
    let (coord, conv) = match rule.defaults() {
        Ok(d) => d,
        Err(e) if !scores.is_empty() => return Err(format!("test scores exist but {e}")),
        Err(_) => (coord_default(), conv_default()),
    };
    let test = |s: &SliceScore| s.dataset == s.test_subject;
    let mut configs: Vec<Config> = scores.iter().filter(|s| !s.config.lambda.is_empty()).map(|s| s.config.clone()).collect();
    configs.sort();
    configs.dedup();
    let mut scales: Vec<f64> = scores.iter().map(|s| s.query_scale).collect();
    scales.sort_by(f64::total_cmp);
    scales.dedup();
    let bicubic = Config::new("bicubic", "", "", "");
    let tables = [bicubic.clone(), Config::new("zerofill", "", "", "")]
        .into_iter()
        .map(|against| {
            let mut rows = Vec::new();
            for c in &configs {
                for &scale in &scales {
                    for metric in Metric::ALL {
                        if let Some(summary) = summarise(&margins(scores, c, &against, metric, scale, test)) {
                            rows.push(MarginRow { config: c.clone(), scale, metric, summary });
                        }
                    }
                }
            }
            MarginTable { against, rows }
        })
        .collect();
    let claim = |claim: &str, a: &Config, b: &Config, scale: f64, metric: Metric, positive: bool| {
        let summary = summarise(&margins(scores, a, b, metric, scale, test));
        ClaimRow {
            claim: claim.into(),
            comparison: format!("{} − {}", a.label(), b.label()),
            scale: fmt_num(scale),
            metric: Some(metric),
            verdict: summary.as_ref().map_or("not tested", |s| verdict(s, positive)).into(),
            summary,
        }
    };
    let mut claims: Vec<ClaimRow> = [1.5, 2.0, 3.0, 4.0].iter().map(|&s| claim("coord beats bicubic", &coord, &bicubic, s, Metric::Vif, true)).collect();
    // "More so at larger scales": the margin over bicubic at 4× minus that at 1.5×, per slice.
    let growth = {
        let at = |scale| margins(scores, &coord, &bicubic, Metric::Vif, scale, test);
        let (hi, lo) = (at(4.0), at(1.5));
        let mut d: BTreeMap<usize, SubjectMargins> = BTreeMap::new();
        for (fold, seeds) in &hi {
            for (seed, m4) in seeds {
                if let Some((_, m15)) = lo.get(fold).and_then(|s| s.iter().find(|(x, _)| x == seed)) {
                    d.entry(*fold).or_default().push((*seed, m4.iter().zip(m15).map(|(a, b)| a - b).collect()));
                }
            }
        }
        summarise(&d)
    };
    claims.push(ClaimRow {
        claim: "coord's margin over bicubic grows with scale".into(),
        comparison: format!("({} − bicubic at 4×) − (at 1.5×)", coord.label()),
        scale: "4 vs 1.5".into(),
        metric: Some(Metric::Vif),
        verdict: growth.as_ref().map_or("not tested", |s| verdict(s, true)).into(),
        summary: growth,
    });
    claims.push(claim("coord beats conv at 2× (each over its default skip)", &coord, &conv, 2.0, Metric::Vif, true));
    for skip in ["zerofill", "bilinear"] {
        let (a, b) = (Config { skip: skip.into(), ..coord_default() }, Config { skip: skip.into(), ..conv_default() });
        claims.push(claim(&format!("coord beats conv at 2×, like for like ({skip} skip)"), &a, &b, 2.0, Metric::Vif, true));
    }
    claims.push(claim("coord holds at unseen 3× (over bicubic)", &coord, &bicubic, 3.0, Metric::Vif, true));
    // λ = 10 against the λ = 0 ablation, both over bilinear (the ablation's skip): PSNR below.
    let (l10, l0) = (Config { skip: "bilinear".into(), ..coord_default() }, Config::new("coord", "bilinear", "0", "1-2"));
    claims.push(claim("λ = 10 trades PSNR for less noise (PSNR below λ = 0)", &l10, &l0, 2.0, Metric::Psnr, false));
    claims.push(ClaimRow {
        claim: "1–2× training ≈ 2× only".into(),
        comparison: "not among this round's configurations".into(),
        scale: String::new(),
        metric: None,
        summary: None,
        verdict: "not tested".into(),
    });
    let folds_scored: std::collections::BTreeSet<usize> = scores.iter().map(|s| s.fold).collect();
    Ok(CrossSubject { runs: runs.to_vec(), rule, folds_scored: folds_scored.into_iter().collect(), tables, claims })
}

/// "+0.0123 ± 0.0045" (the SD left out with one subject).
pub fn fmt_mean_sd(s: &Summary, metric: Metric) -> String {
    let d = metric.decimals();
    match s.sd {
        Some(sd) => format!("{:+.d$} ± {sd:.d$}", s.mean),
        None => format!("{:+.d$}", s.mean),
    }
}

/// "[+0.0012, +0.0234]".
pub fn fmt_interval(s: &Summary, metric: Metric) -> String {
    let d = metric.decimals();
    format!("[{:+.d$}, {:+.d$}]", s.interval.0, s.interval.1)
}

/// The seed SD, "–" with one seed.
pub fn fmt_seed_sd(s: &Summary, metric: Metric) -> String {
    let d = metric.decimals();
    s.seed_sd.map_or("–".into(), |x| format!("{x:.d$}"))
}

impl CrossSubject {
    /// The skip rule's state in one sentence.
    pub fn rule_line(&self) -> String {
        match self.rule.defaults() {
            Ok((coord, conv)) => format!("Skip rule (validation, seed 1, four folds): coord's default is {}, conv's is {}.", coord.label(), conv.label()),
            Err(e) => format!("{}{}.", e[..1].to_uppercase(), &e[1..]),
        }
    }

    pub fn markdown(&self) -> String {
        let mut md = format!("Runs finished: {} of 36. {}\n\n", self.runs.len(), self.rule_line());
        md.push_str("### The skip rule (best validation VIF, seed 1)\n\n| configuration | fold 1 | fold 2 | fold 3 | fold 4 | mean | default |\n|---|---|---|---|---|---|---|\n");
        for choice in [&self.rule.coord, &self.rule.conv] {
            for c in &choice.candidates {
                let cells: Vec<String> = c.folds.iter().map(|v| v.map_or("…".into(), |x| format!("{x:.4}"))).collect();
                let chosen = match &choice.chosen {
                    Some(x) if x == &c.config => "yes",
                    Some(_) => "",
                    None => "pending",
                };
                let _ = writeln!(md, "| {} | {} | {} | {chosen} |", c.config.label(), cells.join(" | "), c.mean.map_or("…".into(), |m| format!("{m:.4}")));
            }
        }
        let _ = write!(
            md,
            "\nFolds scored on test: {} of 4{}. Margins are paired per slice on each fold's test subject; mean ± SD over subjects, the mean SD over seeds, the 95 % hierarchical bootstrap interval (subjects, then slices), and how many fold × seed margins are above 0.\n\n",
            self.folds_scored.len(),
            if self.folds_scored.is_empty() { String::new() } else { format!(" ({})", self.folds_scored.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(", ")) }
        );
        for t in &self.tables {
            let _ = writeln!(md, "### Against {}\n\n| configuration | scale | metric | mean ± SD over subjects | seed SD | 95 % interval | above 0 |\n|---|---|---|---|---|---|---|", t.against.method);
            for r in &t.rows {
                let s = &r.summary;
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {}/{} |",
                    r.config.label(),
                    fmt_num(r.scale),
                    r.metric.name(),
                    fmt_mean_sd(s, r.metric),
                    fmt_seed_sd(s, r.metric),
                    fmt_interval(s, r.metric),
                    s.positive,
                    s.runs
                );
            }
            if t.rows.is_empty() {
                md.push_str("| no test scores yet | | | | | | |\n");
            }
            md.push('\n');
        }
        md.push_str("### The poster's claims\n\n| claim | comparison | scale | metric | mean ± SD | 95 % interval | verdict |\n|---|---|---|---|---|---|---|\n");
        for c in &self.claims {
            let metric = c.metric.map_or("", |m| m.name());
            let (mean, interval) = match (&c.summary, c.metric) {
                (Some(s), Some(m)) => (fmt_mean_sd(s, m), fmt_interval(s, m)),
                _ if c.metric.is_some() => ("no runs yet".into(), String::new()),
                _ => (String::new(), String::new()),
            };
            let _ = writeln!(md, "| {} | {} | {} | {metric} | {mean} | {interval} | {} |", c.claim, c.comparison, c.scale, c.verdict);
        }
        md
    }
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
        let header = |split: &str| Header {
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
