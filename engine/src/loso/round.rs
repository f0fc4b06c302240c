//! The round as a whole: each finished run's best validation VIF (read from its weights'
//! header), the protocol's skip rule over them, and [`CrossSubject`] — the skip rule, the
//! cross-subject tables and the poster's claims — which `coordsr eval --loso-summary` writes as
//! `loso.md` and `loso.json` and the site's results page draws.

use super::{conv_default, coord_default, margins, mean, summarise, verdict, Config, Metric, SliceScore, SubjectMargins, Summary};
use crate::csv;
use crate::methods::fmt_num;
use crate::weights::Header;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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
        // The fold's own split, not only its name: the rule compares runs validated alike.
        let expected = crate::data::DataSplit::fold(fold).map_err(|e| format!("{source}: {e}"))?;
        if [validation_subject.as_str()] != expected.validation.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            return Err(format!("{source}: split '{name}' validated on '{validation_subject}', not on fold {fold}'s {}", expected.validation.join(", ")));
        }
        Ok(Self { fold, validation_subject, seed, config, best_step, val_vif })
    }
}

/// The runs, refused when two are the same run (fold, configuration, seed): the rule reads one
/// score per run, and a second copy would be ignored without a word.
pub fn check_distinct(runs: &[ValidationScore]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for v in runs {
        if !seen.insert((v.fold, v.config.clone(), v.seed)) {
            return Err(format!("two finished runs of fold {} {} seed {}", v.fold, v.config.label(), v.seed));
        }
    }
    Ok(())
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
    /// The knee and the shoulder, scored by every fold's models.
    pub ood: Vec<OodRow>,
}

/// One configuration on a scan no fold trained on (the knee, the shoulder): its VIF margins
/// over bicubic and zero-fill. Every fold's models score the same scan, so the spread is over
/// folds (models), not subjects; no interval is claimed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OodRow {
    pub dataset: String,
    pub config: Config,
    pub scale: f64,
    pub over_bicubic: Option<Summary>,
    pub over_zerofill: Option<Summary>,
}

/// "+0.0123 ± 0.0045 (4/4)": mean ± SD over folds of an out-of-distribution margin, runs above 0.
pub fn fmt_ood(s: Option<&Summary>) -> String {
    s.map_or("–".into(), |s| format!("{} ({}/{})", fmt_mean_sd(s, Metric::Vif), s.positive, s.runs))
}

/// The round from its validation scores and its test scores (`loso_per_slice.csv`, all folds;
/// empty before the test runs). Test scores before the skip rule is decided are refused: the
/// protocol computes no test number until the rule is fixed on validation.
pub fn cross_subject(scores: &[SliceScore], runs: &[ValidationScore]) -> Result<CrossSubject, String> {
    check_distinct(runs)?;
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
    let mut ood_sets: Vec<String> = scores.iter().filter(|s| s.dataset != s.test_subject).map(|s| s.dataset.clone()).collect();
    ood_sets.sort();
    ood_sets.dedup();
    let zerofill = Config::new("zerofill", "", "", "");
    let mut ood = Vec::new();
    for d in &ood_sets {
        for c in &configs {
            for &scale in &scales {
                let over = |b: &Config| summarise(&margins(scores, c, b, Metric::Vif, scale, |s| &s.dataset == d));
                let (over_bicubic, over_zerofill) = (over(&bicubic), over(&zerofill));
                if over_bicubic.is_some() || over_zerofill.is_some() {
                    ood.push(OodRow { dataset: d.clone(), config: c.clone(), scale, over_bicubic, over_zerofill });
                }
            }
        }
    }
    let folds_scored: std::collections::BTreeSet<usize> = scores.iter().map(|s| s.fold).collect();
    Ok(CrossSubject { runs: runs.to_vec(), rule, folds_scored: folds_scored.into_iter().collect(), tables, claims, ood })
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
        if !self.ood.is_empty() {
            md.push_str("### Out of distribution: VIF margins on scans no fold trained on\n\nEvery fold's models score the same scan: mean ± SD over folds (models), and how many fold × seed margins are above 0.\n\n| dataset | configuration | scale | − bicubic | − zerofill |\n|---|---|---|---|---|\n");
            for r in &self.ood {
                let _ = writeln!(md, "| {} | {} | {} | {} | {} |", r.dataset, r.config.label(), fmt_num(r.scale), fmt_ood(r.over_bicubic.as_ref()), fmt_ood(r.over_zerofill.as_ref()));
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

