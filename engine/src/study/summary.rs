//! From reader exports to the poster's table: per question, how the first method compared to
//! the second, whether that differs from "no different", and whether readers agreed.

use super::answers::Export;
use super::def::{StudyDef, default_questions};
use super::stats::{self, KappaWeights, Wilcoxon};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub study: String,
    /// The study's title, when its definition was given.
    pub title: Option<String>,
    /// First, second: positive scores favour the first.
    pub methods: [String; 2],
    pub readers: Vec<String>,
    /// Distinct cases answered by anyone.
    pub cases: usize,
    pub questions: Vec<QuestionSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuestionSummary {
    pub id: String,
    /// The prompt readers saw (the question id when no definition says otherwise).
    pub label: String,
    /// Readers who answered this question at least once.
    pub readers: usize,
    /// Ratings, pooled over readers and cases.
    pub n: usize,
    pub cases: usize,
    /// Over all ratings.
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    /// On the per-case means over readers, so that each case counts once: readers rating the
    /// same images are not independent, and pooling their ratings would overstate n.
    pub wilcoxon: Option<Wilcoxon>,
    /// `None` with fewer than two readers.
    pub kappa: Option<Agreement>,
    pub per_reader: Vec<ReaderSummary>,
}

/// Inter-reader agreement on one question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    /// Linear-weighted Cohen's kappa; with three or more readers, the mean over the reader
    /// pairs where it is defined.
    pub linear: Option<f64>,
    pub quadratic: Option<f64>,
    /// Reader pairs averaged into `linear` (pairs with no common case or an undefined kappa
    /// are left out).
    pub pairs: usize,
    /// All reader pairs.
    pub pairs_total: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReaderSummary {
    pub reader: String,
    pub n: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub wilcoxon: Option<Wilcoxon>,
}

/// Checks that `exports` can be summarised together; each is named (by file, in the CLI) so an
/// error says which one to drop or fix.
pub fn check_set(exports: &[(&str, &Export)], def: Option<&StudyDef>) -> Result<(), String> {
    let Some((first_name, first)) = exports.first() else {
        return Err("no answer exports to summarise".into());
    };
    let mut readers: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, e) in exports {
        if let Some(def) = def {
            e.check_against(def).map_err(|err| format!("{name}: {err}"))?;
        }
        if e.study != first.study {
            return Err(format!("{name}: answers are for study \"{}\", but {first_name} is for \"{}\"", e.study, first.study));
        }
        if e.methods != first.methods {
            return Err(format!("{name}: compares {:?}, but {first_name} compares {:?}", e.methods, first.methods));
        }
        if let Some(other) = readers.insert(&e.reader, name) {
            return Err(format!("{name}: reader \"{}\" is also in {other}; pass one export per reader", e.reader));
        }
    }
    Ok(())
}

/// Summarises one study's exports, one per reader. With `def`, questions follow its order and
/// prompts, and every answer is checked against it.
pub fn summarize(def: Option<&StudyDef>, exports: &[Export]) -> Result<Summary, String> {
    let names: Vec<String> = exports.iter().enumerate().map(|(i, e)| format!("export {} (reader {})", i + 1, e.reader)).collect();
    let named: Vec<(&str, &Export)> = names.iter().map(|n| n.as_str()).zip(exports).collect();
    check_set(&named, def)?;
    let first = &exports[0];

    let defaults = default_questions();
    let questions: Vec<(String, String)> = match def {
        Some(d) => d.questions.iter().map(|q| (q.id.clone(), q.prompt.clone())).collect(),
        None => {
            let used: BTreeSet<&str> = exports.iter().flat_map(|e| &e.answers).flat_map(|a| a.scores.keys()).map(|q| q.as_str()).collect();
            let known = defaults.iter().filter(|q| used.contains(q.id.as_str())).map(|q| (q.id.clone(), q.prompt.clone()));
            let rest = used.iter().filter(|id| !defaults.iter().any(|q| q.id == **id)).map(|id| (id.to_string(), id.to_string()));
            known.chain(rest).collect()
        }
    };

    let cases: BTreeSet<&str> = exports.iter().flat_map(|e| &e.answers).map(|a| a.case.as_str()).collect();
    let questions = questions
        .into_iter()
        .map(|(id, label)| {
            // Per reader: case → score.
            let by_reader: Vec<(&str, BTreeMap<&str, i8>)> = exports
                .iter()
                .map(|e| (e.reader.as_str(), e.answers.iter().filter_map(|a| Some((a.case.as_str(), *a.scores.get(&id)?))).collect()))
                .collect();
            let all: Vec<f64> = by_reader.iter().flat_map(|(_, s)| s.values()).map(|&v| v as f64).collect();
            let mut per_case: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for (_, scores) in &by_reader {
                for (&c, &s) in scores {
                    per_case.entry(c).or_default().push(s as f64);
                }
            }
            let case_means: Vec<f64> = per_case.values().map(|v| stats::mean(v).expect("non-empty")).collect();
            let answering: Vec<&(&str, BTreeMap<&str, i8>)> = by_reader.iter().filter(|(_, s)| !s.is_empty()).collect();
            let kappa = (answering.len() >= 2).then(|| agreement(&answering));
            let per_reader = by_reader
                .iter()
                .map(|(reader, scores)| {
                    let x: Vec<f64> = scores.values().map(|&v| v as f64).collect();
                    ReaderSummary {
                        reader: reader.to_string(),
                        n: x.len(),
                        mean: stats::mean(&x),
                        sd: stats::sample_sd(&x),
                        wilcoxon: stats::wilcoxon(&x),
                    }
                })
                .collect();
            QuestionSummary {
                id,
                label,
                readers: answering.len(),
                n: all.len(),
                cases: per_case.len(),
                mean: stats::mean(&all),
                sd: stats::sample_sd(&all),
                wilcoxon: stats::wilcoxon(&case_means),
                kappa,
                per_reader,
            }
        })
        .collect();

    Ok(Summary {
        study: first.study.clone(),
        title: def.map(|d| d.title.clone()),
        methods: first.methods.clone(),
        readers: exports.iter().map(|e| e.reader.clone()).collect(),
        cases: cases.len(),
        questions,
    })
}

/// Cohen's kappa per reader pair over the cases both answered, averaged over pairs: the usual
/// summary for more than two readers when each pair's kappa is meaningful on its own (Light's
/// kappa, here with weights).
fn agreement(readers: &[&(&str, BTreeMap<&str, i8>)]) -> Agreement {
    let (mut lin, mut quad, mut total) = (Vec::new(), Vec::new(), 0);
    for (i, (_, a)) in readers.iter().enumerate() {
        for (_, b) in &readers[i + 1..] {
            total += 1;
            let pairs: Vec<(i8, i8)> = a.iter().filter_map(|(c, &x)| Some((x, *b.get(c)?))).collect();
            lin.extend(stats::weighted_kappa(&pairs, KappaWeights::Linear));
            quad.extend(stats::weighted_kappa(&pairs, KappaWeights::Quadratic));
        }
    }
    Agreement { linear: stats::mean(&lin), quadratic: stats::mean(&quad), pairs: lin.len(), pairs_total: total }
}

/// "+0.50 ± 0.71", as the tables print it (the app's summary too).
pub fn mean_sd(mean: Option<f64>, sd: Option<f64>) -> String {
    match (mean, sd) {
        (Some(m), Some(s)) => format!("{m:+.2} ± {s:.2}"),
        (Some(m), None) => format!("{m:+.2}"),
        _ => "—".into(),
    }
}

/// Three decimals, and "< 0.001" below, as journals print p.
pub fn p_value(w: &Option<Wilcoxon>) -> String {
    match w {
        Some(w) if w.p < 0.001 => "< 0.001".into(),
        Some(w) => format!("{:.3}", w.p),
        None => "—".into(),
    }
}

/// Two decimals or a dash.
pub fn opt2(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.2}"))
}

impl Summary {
    /// The poster's layout: one row per question, then the same per reader.
    pub fn to_markdown(&self) -> String {
        let [first, second] = &self.methods;
        let mut s = format!("## Compared to {second}, {first} is …\n\n");
        let study = match &self.title {
            Some(t) => format!("{t} (study `{}`)", self.study),
            None => format!("Study `{}`", self.study),
        };
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        s += &format!(
            "{study}: {}, {}. Scores from −2 (much worse) to +2 (much better); positive favours {first}.\n\n",
            plural(self.readers.len(), "reader", "readers"),
            plural(self.cases, "case", "cases"),
        );
        s += "| | readers | n | mean ± SD | Wilcoxon p | weighted κ |\n|---|--:|--:|:-:|--:|--:|\n";
        for q in &self.questions {
            let kappa = q.kappa.as_ref().map_or("—".into(), |k| opt2(k.linear));
            s += &format!("| {} | {} | {} | {} | {} | {} |\n", q.label, q.readers, q.n, mean_sd(q.mean, q.sd), p_value(&q.wilcoxon), kappa);
        }
        let pairs = self.questions.iter().filter_map(|q| q.kappa.as_ref()).map(|k| k.pairs_total).max().unwrap_or(0);
        s += "\nn: ratings over all readers and cases; mean ± SD over those ratings. Wilcoxon: two-sided \
              signed-rank test against 0 of the per-case means over readers, so that each case counts once \
              (as `scipy.stats.wilcoxon`). ";
        s += &match pairs {
            0 => "κ needs two readers.\n".to_string(),
            1 => "κ: Cohen's kappa with linear weights on the −2..+2 scale, over the cases both readers answered.\n".to_string(),
            p => format!(
                "κ: Cohen's kappa with linear weights on the −2..+2 scale, over the cases each pair of readers \
                 answered, averaged over the {p} reader pairs.\n"
            ),
        };
        s += "\n### Per reader\n\n| reader | question | n | mean ± SD | W | Wilcoxon p | test |\n|---|---|--:|:-:|--:|--:|---|\n";
        for r in &self.readers {
            for q in &self.questions {
                let Some(rs) = q.per_reader.iter().find(|x| &x.reader == r) else { continue };
                let (w, test) = match &rs.wilcoxon {
                    Some(w) => (format!("{}", w.statistic), serde_json::to_value(w.method).unwrap().as_str().unwrap_or("").to_string()),
                    None => ("—".into(), "—".into()),
                };
                let (n, ms, p) = (rs.n, mean_sd(rs.mean, rs.sd), p_value(&rs.wilcoxon));
                s += &format!("| {r} | {} | {n} | {ms} | {w} | {p} | {test} |\n", q.label);
            }
        }
        s
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("summary serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::answers::{Answer, Viewing};
    use crate::study::def::{Case, STUDY_SCHEMA};

    fn def(cases: usize) -> StudyDef {
        StudyDef {
            schema: STUDY_SCHEMA.into(),
            id: "demo".into(),
            title: "Demo study".into(),
            methods: ["coord".into(), "conv".into()],
            allow_back: true,
            questions: default_questions(),
            cases: (0..cases)
                .map(|i| Case { id: format!("c{i}"), scan: "s.nii.gz".into(), slice: None, zoom: 2.0, center: None, window: None })
                .collect(),
        }
    }

    /// An export whose first-vs-second scores are `noise[i]` etc. for case i, whichever side
    /// the study put each method on.
    fn export(d: &StudyDef, reader: &str, noise: &[i8], sharp: &[i8], conf: &[i8]) -> Export {
        let view = Viewing { millis: 1000.0, zoom: 2.0, center: [0.0, 0.0], window: [0.5, 1.0] };
        let answers = (0..noise.len())
            .map(|i| {
                let case = format!("c{i}");
                let flip = if d.right_is_first_method(reader, &case) { 1 } else { -1 };
                let raw = [("noise", noise[i]), ("sharpness", sharp[i]), ("confidence", conf[i])]
                    .into_iter()
                    .map(|(q, s)| (q.to_string(), flip * s))
                    .collect();
                Answer::new(d, reader, &case, raw, view, "t").unwrap()
            })
            .collect();
        Export::new(d, reader, "t", answers)
    }

    const A: [i8; 12] = [2, 1, 1, 0, -1, 2, 1, 1, 0, 1, 2, -2];
    const B: [i8; 12] = [1, 1, 2, 0, 0, 2, 1, 0, -1, 1, 2, -1];

    #[test]
    fn two_readers_against_scipy_and_sklearn() {
        let d = def(12);
        let ea = export(&d, "alice", &A, &[0; 12], &A);
        let eb = export(&d, "bob", &B, &[0; 12], &B);
        for e in [&ea, &eb] {
            assert!(e.answers.iter().any(|a| a.left == "coord") && e.answers.iter().any(|a| a.right == "coord"), "both sides used");
        }
        let s = summarize(Some(&d), &[ea, eb]).unwrap();
        assert_eq!((s.cases, s.readers.len()), (12, 2));
        let noise = &s.questions[0];
        assert_eq!((noise.id.as_str(), noise.label.as_str(), noise.n, noise.cases, noise.readers), ("noise", "Noise", 24, 12, 2));
        // numpy: mean(A + B) = 16/24, std(A + B, ddof=1) = 1.1293194051465598
        assert!((noise.mean.unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert!((noise.sd.unwrap() - 1.1293194051465598).abs() < 1e-14);
        // scipy.stats.wilcoxon((A + B) / 2) = (12.0, 0.0654296875): 12 case means with ties and
        // a zero → permutation.
        let w = noise.wilcoxon.unwrap();
        assert_eq!((w.statistic, w.n, w.method), (12.0, 11, stats::WilcoxonMethod::Permutation));
        assert!((w.p - 0.0654296875).abs() < 1e-15, "{}", w.p);
        // sklearn cohen_kappa_score(A, B, labels=[-2..2], weights="linear") = 0.5862068965517242
        let k = noise.kappa.as_ref().unwrap();
        assert!((k.linear.unwrap() - 0.5862068965517242).abs() < 1e-14);
        assert!((k.quadratic.unwrap() - 0.7954545454545454).abs() < 1e-14);
        assert_eq!((k.pairs, k.pairs_total), (1, 1));
        // Per reader, alice alone: scipy.stats.wilcoxon(A) = (12.0, 0.13671875).
        let alice = &noise.per_reader[0];
        assert_eq!((alice.reader.as_str(), alice.n, alice.wilcoxon.unwrap().statistic), ("alice", 12, 12.0));
        assert!((alice.wilcoxon.unwrap().p - 0.13671875).abs() < 1e-15);
        // Everyone said "no different" on sharpness: nothing to test, kappa undefined.
        let sharp = &s.questions[1];
        assert_eq!((sharp.mean, sharp.sd, sharp.wilcoxon), (Some(0.0), Some(0.0), None));
        assert_eq!(sharp.kappa.as_ref().unwrap().linear, None);

        let md = s.to_markdown();
        assert!(md.starts_with("## Compared to conv, coord is …\n"), "{md}");
        assert!(md.contains("| Noise | 2 | 24 | +0.67 ± 1.13 | 0.065 | 0.59 |"), "{md}");
        assert!(md.contains("| Sharpness | 2 | 24 | +0.00 ± 0.00 | — | — |"), "{md}");
        assert!(md.contains("| alice | Noise | 12 | +0.67 ± 1.23 | 12 | 0.137 | permutation |"), "{md}");
        let json: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(json["questions"][0]["wilcoxon"]["method"], "permutation");
        assert_eq!(json["questions"][1]["kappa"]["linear"], serde_json::Value::Null);
    }

    #[test]
    fn three_readers_average_pairwise_kappa_over_shared_cases() {
        let d = def(12);
        let c: [i8; 12] = [2, 2, 1, 0, -1, 1, 1, 1, 0, 0, 2, -2];
        // Carol answered only the first 8 cases.
        let exports = [export(&d, "alice", &A, &A, &A), export(&d, "bob", &B, &B, &B), export(&d, "carol", &c[..8], &c[..8], &c[..8])];
        let s = summarize(Some(&d), &exports).unwrap();
        let k = s.questions[0].kappa.as_ref().unwrap();
        // sklearn, linear, labels [-2..2]: mean of κ(A, B), κ(A[:8], C[:8]), κ(B[:8], C[:8]).
        assert!((k.linear.unwrap() - 0.5093807934742306).abs() < 1e-14, "{:?}", k.linear);
        assert_eq!((k.pairs, k.pairs_total), (3, 3));
        assert_eq!((s.questions[0].n, s.questions[0].cases), (32, 12));
        assert!(s.to_markdown().contains("averaged over the 3 reader pairs"));
    }

    #[test]
    fn without_a_definition_questions_and_methods_come_from_the_exports() {
        let d = def(4);
        let mut e = export(&d, "alice", &[1, 1, 2, 1], &[0, -1, 0, 0], &[1, 0, 1, 1]);
        e.methods = ["conv".into(), "coord".into()];
        for a in &mut e.answers {
            a.scores.values_mut().for_each(|s| *s = -*s);
        }
        e.validate().unwrap();
        let s = summarize(None, &[e]).unwrap();
        assert!(s.to_markdown().starts_with("## Compared to coord, conv is …"));
        assert_eq!(s.questions.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(), ["noise", "sharpness", "confidence"]);
        assert_eq!(s.questions[0].mean, Some(-1.25));
        assert!(s.questions[0].kappa.is_none());
        assert!(s.to_markdown().contains("κ needs two readers"));
    }

    #[test]
    fn sets_that_do_not_belong_together_are_refused() {
        let d = def(3);
        let a = export(&d, "alice", &[1, 1, 1], &[1, 1, 1], &[1, 1, 1]);
        assert!(summarize(None, &[]).unwrap_err().contains("no answer exports"));
        let err = summarize(None, &[a.clone(), a.clone()]).unwrap_err();
        assert!(err.contains("reader \"alice\" is also in export 1"), "{err}");
        let mut other = export(&d, "bob", &[1, 1, 1], &[1, 1, 1], &[1, 1, 1]);
        other.study = "other".into();
        other.answers.iter_mut().for_each(|x| x.study = "other".into());
        let err = check_set(&[("a.json", &a), ("b.csv", &other)], None).unwrap_err();
        assert!(err.starts_with("b.csv: answers are for study \"other\", but a.json"), "{err}");
        let err = check_set(&[("a.json", &a)], Some(&def(2))).unwrap_err();
        assert!(err.starts_with("a.json: study demo has no case \"c2\""), "{err}");
    }
}
