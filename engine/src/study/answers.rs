//! What a reader answered, as the browser stores and exports it, in JSON or CSV.
//!
//! Each answer keeps the raw score as the reader gave it ("the right image is …") next to the
//! score converted to "first method relative to second". The raw score is the evidence and the
//! converted one is what gets analysed; keeping both lets a summary re-check the conversion
//! instead of trusting it.

use super::csv;
use super::def::{SCORE_RANGE, STUDY_SCHEMA, SchemaOnly, StudyDef};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Schema string of an answer export. Bumped whenever a field changes meaning, so that an old
/// analysis never silently misreads a new export (or the reverse).
pub const ANSWERS_SCHEMA: &str = "coordsr-study-answers/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub study: String,
    pub reader: String,
    pub case: String,
    /// Method shown on the left.
    pub left: String,
    pub right: String,
    /// As clicked: "compared to the left image, the right image is …", per question id.
    pub scores_right_vs_left: BTreeMap<String, i8>,
    /// The first method relative to the second, per question id: the raw score with its sign
    /// flipped where the first method was on the left.
    pub scores: BTreeMap<String, i8>,
    /// Time from showing the case to answering it; long times flag hard cases.
    pub millis: f64,
    /// The view when the reader answered, which may differ from the case's starting view
    /// because readers can pan, zoom and window.
    pub zoom: f64,
    pub center: [f64; 2],
    /// `[center, width]`.
    pub window: [f64; 2],
    /// ISO 8601, from the browser's clock.
    pub answered_at: String,
}

/// The view and time of an answer, gathered by the viewer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewing {
    pub millis: f64,
    pub zoom: f64,
    pub center: [f64; 2],
    pub window: [f64; 2],
}

/// Converts raw right-vs-left scores into first-vs-second method scores.
///
/// The one place the sign convention lives: the browser calls it when recording an answer and
/// the summary calls it again to verify every imported answer.
pub fn first_vs_second(methods: &[String; 2], left: &str, right: &str, raw: &BTreeMap<String, i8>) -> Result<BTreeMap<String, i8>, String> {
    let sign = if right == methods[0] && left == methods[1] {
        1
    } else if left == methods[0] && right == methods[1] {
        -1
    } else {
        return Err(format!(
            "shown {left} (left) vs {right} (right), but the study compares {} and {}",
            methods[0], methods[1]
        ));
    };
    raw.iter()
        .map(|(q, &s)| {
            if SCORE_RANGE.contains(&s) {
                Ok((q.clone(), sign * s))
            } else {
                Err(format!("score {s} for \"{q}\" is outside −2..2"))
            }
        })
        .collect()
}

impl Answer {
    /// Records an answer to `case_id` with the side assignment the study gave this reader, so
    /// that the browser cannot record a score against the wrong method.
    pub fn new(
        def: &StudyDef,
        reader: &str,
        case_id: &str,
        scores_right_vs_left: BTreeMap<String, i8>,
        viewing: Viewing,
        answered_at: &str,
    ) -> Result<Answer, String> {
        if def.case(case_id).is_none() {
            return Err(format!("study {} has no case \"{case_id}\"", def.id));
        }
        let asked: BTreeSet<&str> = def.questions.iter().map(|q| q.id.as_str()).collect();
        let given: BTreeSet<&str> = scores_right_vs_left.keys().map(|k| k.as_str()).collect();
        if asked != given {
            let missing: Vec<_> = asked.difference(&given).copied().collect();
            let extra: Vec<_> = given.difference(&asked).copied().collect();
            return Err(format!("case \"{case_id}\": unanswered questions {missing:?}, unknown questions {extra:?}"));
        }
        let [left, right] = def.sides(reader, case_id);
        let scores = first_vs_second(&def.methods, left, right, &scores_right_vs_left).map_err(|e| format!("case \"{case_id}\": {e}"))?;
        Ok(Answer {
            study: def.id.clone(),
            reader: reader.to_string(),
            case: case_id.to_string(),
            left: left.to_string(),
            right: right.to_string(),
            scores_right_vs_left,
            scores,
            millis: viewing.millis,
            zoom: viewing.zoom,
            center: viewing.center,
            window: viewing.window,
            answered_at: answered_at.to_string(),
        })
    }

    /// Consistency of one answer with the export that holds it.
    fn validate(&self, export: &Export) -> Result<(), String> {
        let at = |e: String| format!("case \"{}\": {e}", self.case);
        if self.case.trim().is_empty() {
            return Err("an answer has an empty case id".into());
        }
        if self.study != export.study || self.reader != export.reader {
            return Err(at(format!(
                "answer is for study {} by {}, but the export is study {} by {}",
                self.study, self.reader, export.study, export.reader
            )));
        }
        if self.scores_right_vs_left.is_empty() {
            return Err(at("no scores".into()));
        }
        for (q, s) in self.scores_right_vs_left.iter().chain(&self.scores) {
            if !SCORE_RANGE.contains(s) {
                return Err(at(format!("score {s} for \"{q}\" is outside −2..2")));
            }
        }
        let expect = first_vs_second(&export.methods, &self.left, &self.right, &self.scores_right_vs_left).map_err(at)?;
        if expect != self.scores {
            return Err(at(format!(
                "scores {:?} do not follow from the right-vs-left scores {:?} with {} on the left (expected {:?})",
                self.scores, self.scores_right_vs_left, self.left, expect
            )));
        }
        if !(self.zoom.is_finite() && self.zoom > 0.0) {
            return Err(at(format!("zoom must be positive, got {}", self.zoom)));
        }
        if !(self.millis.is_finite() && self.millis >= 0.0) {
            return Err(at(format!("millis must be a non-negative time, got {}", self.millis)));
        }
        if !self.center.iter().chain(&self.window).all(|v| v.is_finite()) {
            return Err(at("center and window must be finite".into()));
        }
        Ok(())
    }
}

/// One reader's answers to one study: the file a reader sends back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub schema: String,
    pub study: String,
    pub reader: String,
    /// The study's methods, first then second: what the sign of `Answer::scores` refers to,
    /// so an export can be summarised without its study file.
    pub methods: [String; 2],
    pub exported_at: String,
    pub answers: Vec<Answer>,
}

/// CSV columns, one row per answer and question. Export-level fields repeat on every row so
/// that any subset of rows (a filtered spreadsheet) is still self-describing.
const COLUMNS: [&str; 19] = [
    "schema",
    "study",
    "reader",
    "exported_at",
    "first_method",
    "second_method",
    "case",
    "question",
    "left",
    "right",
    "score_right_vs_left",
    "score",
    "millis",
    "zoom",
    "center_x",
    "center_y",
    "window_center",
    "window_width",
    "answered_at",
];

impl Export {
    pub fn new(def: &StudyDef, reader: &str, exported_at: &str, answers: Vec<Answer>) -> Export {
        Export {
            schema: ANSWERS_SCHEMA.into(),
            study: def.id.clone(),
            reader: reader.to_string(),
            methods: def.methods.clone(),
            exported_at: exported_at.to_string(),
            answers,
        }
    }

    /// Adds `answer`, replacing an earlier answer to the same case in place: a reader who goes
    /// back and changes their mind leaves one answer, in the original order.
    pub fn record(&mut self, answer: Answer) {
        match self.answers.iter_mut().find(|a| a.case == answer.case) {
            Some(a) => *a = answer,
            None => self.answers.push(answer),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("answers serialise")
    }

    pub fn to_csv(&self) -> String {
        let mut out = csv::record(&COLUMNS);
        for a in &self.answers {
            for (q, raw) in &a.scores_right_vs_left {
                let score = a.scores.get(q).map(|s| s.to_string()).unwrap_or_default();
                out += &csv::record(&[
                    self.schema.clone(),
                    self.study.clone(),
                    self.reader.clone(),
                    self.exported_at.clone(),
                    self.methods[0].clone(),
                    self.methods[1].clone(),
                    a.case.clone(),
                    q.clone(),
                    a.left.clone(),
                    a.right.clone(),
                    raw.to_string(),
                    score,
                    a.millis.to_string(),
                    a.zoom.to_string(),
                    a.center[0].to_string(),
                    a.center[1].to_string(),
                    a.window[0].to_string(),
                    a.window[1].to_string(),
                    a.answered_at.clone(),
                ]);
            }
        }
        out
    }

    /// Reads an export in either format (JSON if it starts with `{`, CSV otherwise) and checks
    /// it; every error starts with `name`.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Export, String> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        let export = if matches!(first, Some(b'{') | Some(b'[')) {
            Self::parse_json(bytes)
        } else {
            let text = std::str::from_utf8(bytes).map_err(|_| format!("{name}: neither JSON nor CSV text (not UTF-8)"))?;
            Self::parse_csv(text)
        };
        let export = export.map_err(|e| format!("{name}: {e}"))?;
        export.validate().map_err(|e| format!("{name}: {e}"))?;
        Ok(export)
    }

    fn parse_json(bytes: &[u8]) -> Result<Export, String> {
        let head: SchemaOnly = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        match head.schema.as_deref() {
            Some(ANSWERS_SCHEMA) => {}
            Some(STUDY_SCHEMA) => return Err("this is a study definition, not an answer export".into()),
            Some(other) => return Err(format!("schema is \"{other}\", expected \"{ANSWERS_SCHEMA}\"")),
            None => return Err(format!("no \"schema\" field (expected \"{ANSWERS_SCHEMA}\")")),
        }
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }

    fn parse_csv(text: &str) -> Result<Export, String> {
        let records = csv::parse(text)?;
        let Some((header, rows)) = records.split_first() else {
            return Err("empty file".into());
        };
        let col: BTreeMap<&str, usize> = header.fields.iter().enumerate().map(|(i, h)| (h.trim(), i)).collect();
        let missing: Vec<&str> = COLUMNS.iter().copied().filter(|c| !col.contains_key(c)).collect();
        if !missing.is_empty() {
            return Err(format!("not an answer export: missing column{} {}", if missing.len() > 1 { "s" } else { "" }, missing.join(", ")));
        }
        if rows.is_empty() {
            return Err("no answers (only a header row)".into());
        }
        let mut export: Option<Export> = None;
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for r in rows {
            let at = |e: String| format!("line {}: {e}", r.line);
            if r.fields.len() != header.fields.len() {
                return Err(at(format!("{} fields, but the header has {}", r.fields.len(), header.fields.len())));
            }
            let get = |c: &str| r.fields[col[c]].as_str();
            let num = |c: &str| get(c).trim().parse::<f64>().map_err(|_| at(format!("{c} \"{}\" is not a number", get(c))));
            let score = |c: &str| match get(c).trim().parse::<i64>() {
                Ok(s) if (-2..=2).contains(&s) => Ok(s as i8),
                Ok(s) => Err(at(format!("{c} {s} is outside −2..2"))),
                Err(_) => Err(at(format!("{c} \"{}\" is not an integer score", get(c)))),
            };
            if get("schema") != ANSWERS_SCHEMA {
                return Err(at(format!("schema is \"{}\", expected \"{ANSWERS_SCHEMA}\"", get("schema"))));
            }
            let head = Export {
                schema: get("schema").into(),
                study: get("study").into(),
                reader: get("reader").into(),
                methods: [get("first_method").into(), get("second_method").into()],
                exported_at: get("exported_at").into(),
                answers: Vec::new(),
            };
            let export = export.get_or_insert_with(|| head.clone());
            if (&export.study, &export.reader, &export.methods, &export.exported_at)
                != (&head.study, &head.reader, &head.methods, &head.exported_at)
            {
                return Err(at("study, reader, methods and exported_at must be the same on every row (one export per reader)".into()));
            }
            let answer = Answer {
                study: head.study.clone(),
                reader: head.reader.clone(),
                case: get("case").into(),
                left: get("left").into(),
                right: get("right").into(),
                scores_right_vs_left: BTreeMap::new(),
                scores: BTreeMap::new(),
                millis: num("millis")?,
                zoom: num("zoom")?,
                center: [num("center_x")?, num("center_y")?],
                window: [num("window_center")?, num("window_width")?],
                answered_at: get("answered_at").into(),
            };
            let q = get("question").to_string();
            if q.trim().is_empty() {
                return Err(at("empty question id".into()));
            }
            let (raw, conv) = (score("score_right_vs_left")?, score("score")?);
            let i = *index.entry(answer.case.clone()).or_insert_with(|| {
                export.answers.push(answer.clone());
                export.answers.len() - 1
            });
            let a = &mut export.answers[i];
            let mut same = a.clone();
            same.scores_right_vs_left.clear();
            same.scores.clear();
            if same != answer {
                return Err(at(format!("case \"{}\": the sides, view or time differ from its earlier rows", answer.case)));
            }
            if a.scores_right_vs_left.insert(q.clone(), raw).is_some() {
                return Err(at(format!("case \"{}\" answers question \"{q}\" twice", answer.case)));
            }
            a.scores.insert(q, conv);
        }
        Ok(export.expect("at least one row"))
    }

    /// The checks serde cannot express, shared by both formats.
    pub fn validate(&self) -> Result<(), String> {
        if self.schema != ANSWERS_SCHEMA {
            return Err(format!("schema is \"{}\", expected \"{ANSWERS_SCHEMA}\"", self.schema));
        }
        if self.study.trim().is_empty() || self.reader.trim().is_empty() {
            return Err("empty study or reader id".into());
        }
        if self.methods[0] == self.methods[1] || self.methods.iter().any(|m| m.trim().is_empty()) {
            return Err(format!("methods must be two different names, got {:?}", self.methods));
        }
        let mut cases = BTreeSet::new();
        for a in &self.answers {
            a.validate(self)?;
            if !cases.insert(a.case.as_str()) {
                return Err(format!("case \"{}\" is answered twice", a.case));
            }
        }
        Ok(())
    }

    /// Whether these answers belong to `def`: same study and methods, known cases and
    /// questions, and each case shown with the sides the study assigns to this reader.
    pub fn check_against(&self, def: &StudyDef) -> Result<(), String> {
        if self.study != def.id {
            return Err(format!("answers are for study \"{}\", not \"{}\"", self.study, def.id));
        }
        if self.methods != def.methods {
            return Err(format!("answers compare {:?}, the study {:?}", self.methods, def.methods));
        }
        for a in &self.answers {
            if def.case(&a.case).is_none() {
                return Err(format!("study {} has no case \"{}\"", def.id, a.case));
            }
            if let Some(q) = a.scores.keys().find(|q| def.question(q).is_none()) {
                return Err(format!("case \"{}\": study {} has no question \"{q}\"", a.case, def.id));
            }
            let [left, right] = def.sides(&self.reader, &a.case);
            if (a.left.as_str(), a.right.as_str()) != (left, right) {
                return Err(format!(
                    "case \"{}\": shown {} left and {} right, but the study assigns {left} left for reader {}",
                    a.case, a.left, a.right, self.reader
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::def::{Case, default_questions};

    fn def() -> StudyDef {
        StudyDef {
            schema: STUDY_SCHEMA.into(),
            id: "demo".into(),
            title: "Demo".into(),
            methods: ["coord".into(), "conv".into()],
            allow_back: true,
            questions: default_questions(),
            cases: (0..8)
                .map(|i| Case { id: format!("c{i}"), scan: "s.nii.gz".into(), slice: None, zoom: 2.0, center: None, window: None })
                .collect(),
        }
    }

    fn raw(n: i8, s: i8, c: i8) -> BTreeMap<String, i8> {
        [("noise", n), ("sharpness", s), ("confidence", c)].into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    const VIEW: Viewing = Viewing { millis: 1234.5, zoom: 2.0, center: [255.5, 100.25], window: [0.4, 0.8] };

    fn export(reader: &str) -> Export {
        let d = def();
        let answers = (0..8)
            .map(|i| {
                let s = (i % 5) as i8 - 2;
                Answer::new(&d, reader, &format!("c{i}"), raw(s, -s, 0), VIEW, "2025-01-02T03:04:05.678Z").unwrap()
            })
            .collect();
        Export::new(&d, reader, "2025-01-02T04:00:00Z", answers)
    }

    #[test]
    fn conversion_flips_the_sign_when_the_first_method_is_left() {
        let m = ["coord".to_string(), "conv".to_string()];
        let r = raw(2, -1, 0);
        // coord on the right: "right is better" means coord is better.
        assert_eq!(first_vs_second(&m, "conv", "coord", &r).unwrap(), raw(2, -1, 0));
        // coord on the left: "right (conv) is much better" means coord is much worse.
        assert_eq!(first_vs_second(&m, "coord", "conv", &r).unwrap(), raw(-2, 1, 0));
        assert!(first_vs_second(&m, "coord", "bicubic", &r).unwrap_err().contains("compares coord and conv"));
        assert!(first_vs_second(&m, "coord", "conv", &raw(3, 0, 0)).unwrap_err().contains("outside −2..2"));
    }

    #[test]
    fn answers_follow_the_study_sides() {
        let d = def();
        for c in &d.cases {
            let a = Answer::new(&d, "alice", &c.id, raw(1, 1, 1), VIEW, "t").unwrap();
            let coord_right = d.right_is_first_method("alice", &c.id);
            assert_eq!(a.right == "coord", coord_right);
            assert_eq!(a.scores["noise"], if coord_right { 1 } else { -1 });
        }
        assert!(Answer::new(&d, "alice", "nope", raw(0, 0, 0), VIEW, "t").unwrap_err().contains("no case \"nope\""));
        let mut partial = raw(0, 0, 0);
        partial.remove("noise");
        assert!(Answer::new(&d, "alice", "c0", partial, VIEW, "t").unwrap_err().contains("unanswered questions [\"noise\"]"));
    }

    #[test]
    fn record_replaces_an_earlier_answer_to_the_same_case() {
        let d = def();
        let mut e = Export::new(&d, "alice", "t", vec![]);
        e.record(Answer::new(&d, "alice", "c1", raw(0, 0, 0), VIEW, "t1").unwrap());
        e.record(Answer::new(&d, "alice", "c2", raw(0, 0, 0), VIEW, "t2").unwrap());
        e.record(Answer::new(&d, "alice", "c1", raw(2, 2, 2), VIEW, "t3").unwrap());
        assert_eq!(e.answers.iter().map(|a| a.answered_at.as_str()).collect::<Vec<_>>(), ["t3", "t2"]);
    }

    #[test]
    fn json_and_csv_round_trip() {
        let e = export("alice");
        assert_eq!(Export::parse("a.json", e.to_json().as_bytes()).unwrap(), e);
        let csv = e.to_csv();
        assert!(csv.starts_with("schema,study,reader,exported_at,first_method,second_method,case,question,left,right,"));
        assert_eq!(csv.lines().count(), 1 + 8 * 3);
        assert_eq!(Export::parse("a.csv", csv.as_bytes()).unwrap(), e);
        // Spreadsheets add a byte-order mark and may quote everything.
        let quoted: String = csv::parse(&csv)
            .unwrap()
            .iter()
            .map(|r| r.fields.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(",") + "\n")
            .collect();
        assert_eq!(Export::parse("a.csv", format!("\u{feff}{quoted}").as_bytes()).unwrap(), e);
        // Fields that need quoting survive.
        let mut odd = export("o'brien, \"jr\"");
        odd.exported_at = "line\nbreak".into();
        assert_eq!(Export::parse("o.csv", odd.to_csv().as_bytes()).unwrap(), odd);
    }

    fn csv_err(edit: impl Fn(&mut Vec<Vec<String>>)) -> String {
        let mut rows: Vec<Vec<String>> = csv::parse(&export("alice").to_csv()).unwrap().into_iter().map(|r| r.fields).collect();
        edit(&mut rows);
        let text: String = rows.iter().map(|r| csv::record(r)).collect();
        Export::parse("answers.csv", text.as_bytes()).unwrap_err()
    }

    fn json_err(edit: impl Fn(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(&export("alice").to_json()).unwrap();
        edit(&mut v);
        Export::parse("answers.json", v.to_string().as_bytes()).unwrap_err()
    }

    fn check(e: String, file: &str, want: &str) {
        assert!(e.starts_with(&format!("{file}: ")), "{e}");
        assert!(e.contains(want), "{e}\nwanted: {want}");
    }

    #[test]
    fn csv_errors_name_the_file_line_and_problem() {
        let col = |c: &str| COLUMNS.iter().position(|x| *x == c).unwrap();
        check(csv_err(|r| r[2][col("score")] = "3".into()), "answers.csv", "line 3: score 3 is outside −2..2");
        check(csv_err(|r| r[2][col("score_right_vs_left")] = "-5".into()), "answers.csv", "line 3: score_right_vs_left -5 is outside");
        check(csv_err(|r| r[4][col("score")] = "x".into()), "answers.csv", "line 5: score \"x\" is not an integer");
        let v2 = "coordsr-study-answers/2";
        check(csv_err(|r| r[1][col("schema")] = v2.into()), "answers.csv", "line 2: schema is \"coordsr-study-answers/2\"");
        check(
            csv_err(|r| {
                for row in r.iter_mut() {
                    row.remove(col("zoom"));
                    row.remove(col("score"));
                }
            }),
            "answers.csv",
            "missing columns score, zoom",
        );
        check(csv_err(|r| r.truncate(1)), "answers.csv", "only a header row");
        check(csv_err(|r| r[3][col("reader")] = "bob".into()), "answers.csv", "line 4: study, reader");
        check(csv_err(|r| r[2][col("zoom")] = "3".into()), "answers.csv", "line 3: case \"c0\": the sides, view or time differ");
        check(csv_err(|r| r[1][col("question")] = "noise".into()), "answers.csv", "line 3: case \"c0\" answers question \"noise\" twice");
        check(csv_err(|r| {
            r[2].pop();
        }), "answers.csv", "line 3: 18 fields, but the header has 19");
        // A converted score that contradicts the raw score and sides.
        check(
            csv_err(|r| {
                let s: i8 = r[1][col("score")].parse().unwrap();
                r[1][col("score")] = if s == 0 { "1".into() } else { (-s).to_string() };
            }),
            "answers.csv",
            "do not follow from the right-vs-left scores",
        );
        check(Export::parse("x.csv", b"\xff\xfe\x00").unwrap_err(), "x.csv", "not UTF-8");
        check(Export::parse("x.csv", b"").unwrap_err(), "x.csv", "empty file");
    }

    #[test]
    fn json_errors_name_the_file_and_problem() {
        check(json_err(|v| v["schema"] = "coordsr-study-answers/0".into()), "answers.json", "schema is \"coordsr-study-answers/0\"");
        check(json_err(|v| v["schema"] = STUDY_SCHEMA.into()), "answers.json", "study definition, not an answer export");
        check(json_err(|v| v["answers"][1]["scores"]["noise"] = 7.into()), "answers.json", "score 7 for \"noise\" is outside −2..2");
        check(json_err(|v| v["answers"][1]["scores"]["noise"] = 300.into()), "answers.json", "line 1");
        check(json_err(|v| v["answers"][1]["reader"] = "bob".into()), "answers.json", "but the export is study demo by alice");
        check(json_err(|v| v["answers"][1]["left"] = "bicubic".into()), "answers.json", "the study compares coord and conv");
        check(json_err(|v| v["answers"][1]["case"] = "c0".into()), "answers.json", "case \"c0\" is answered twice");
        check(json_err(|v| v["answers"][1]["zoom"] = 0.into()), "answers.json", "zoom must be positive");
        check(json_err(|v| v["methods"] = serde_json::json!(["coord", "coord"])), "answers.json", "two different names");
        check(json_err(|v| {
            v.as_object_mut().unwrap().remove("reader");
        }), "answers.json", "missing field `reader`");
        check(Export::parse("answers.json", b"{\"schema\": ").unwrap_err(), "answers.json", "invalid JSON");
    }

    #[test]
    fn check_against_the_study() {
        let d = def();
        let e = export("alice");
        e.check_against(&d).unwrap();
        let mut other = d.clone();
        other.id = "other".into();
        assert!(e.check_against(&other).unwrap_err().contains("study \"demo\", not \"other\""));
        let mut fewer = d.clone();
        fewer.cases.truncate(3);
        assert!(e.check_against(&fewer).unwrap_err().contains("no case \"c3\""));
        let mut swapped = e.clone();
        let a = &mut swapped.answers[0];
        std::mem::swap(&mut a.left, &mut a.right);
        a.scores.values_mut().for_each(|s| *s = -*s);
        swapped.validate().unwrap();
        assert!(swapped.check_against(&d).unwrap_err().contains("but the study assigns"));
    }
}
