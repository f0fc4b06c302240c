//! The study definition: which views readers compare, what they are asked, and in which order.
//!
//! The web app shows the study and the CLI summarises its answers; both read this one file
//! format, so a typo in a study is caught once, with the file's name, before any reader starts.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Schema string of a study definition; a reader of an older or newer layout refuses the file
/// instead of misreading it.
pub const STUDY_SCHEMA: &str = "coordsr-study/1";

/// The five-point comparison scale, from −2 to +2. Labels are what the reader clicks, so
/// exports and summaries can quote them verbatim.
pub const LIKERT: [(i8, &str); 5] =
    [(-2, "much worse"), (-1, "slightly worse"), (0, "no different"), (1, "slightly better"), (2, "much better")];

/// Scores outside this range are corrupt: the browser can only record a scale button.
pub const SCORE_RANGE: std::ops::RangeInclusive<i8> = -2..=2;

/// The scale label of `score`, or `None` outside −2..2.
pub fn likert_label(score: i8) -> Option<&'static str> {
    LIKERT.iter().find(|(s, _)| *s == score).map(|(_, l)| *l)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyDef {
    pub schema: String,
    pub id: String,
    pub title: String,
    /// The pair under comparison. Scores are reported as the first relative to the second,
    /// whichever side each was shown on.
    #[serde(default = "default_methods")]
    pub methods: [String; 2],
    /// Readers may revise earlier cases; off for studies that measure first impressions.
    #[serde(default = "default_true")]
    pub allow_back: bool,
    /// Absent means [`default_questions`]; an explicit empty list is refused, since a study
    /// that asks nothing is a mistake rather than a choice.
    #[serde(default = "default_questions")]
    pub questions: Vec<Question>,
    pub cases: Vec<Case>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Key of the score in answers; stable across prompt rewording.
    pub id: String,
    pub prompt: String,
    /// What "better" means for this question (e.g. "less noise"), so readers share a direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub higher_is: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    /// Relative to the study file, so a study folder can move as a whole.
    pub scan: String,
    /// `None`: the middle slice, which is the only one for 2D scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice: Option<usize>,
    /// Display pixels per slice pixel at the start; this is what makes a case a ×2 or ×4 case.
    pub zoom: f64,
    /// Slice pixel under the viewport centre; `None`: the slice centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center: Option<[f64; 2]>,
    /// Display window `[center, width]`; `None`: the viewer's automatic window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<[f64; 2]>,
}

fn default_methods() -> [String; 2] {
    ["coord".into(), "conv".into()]
}

fn default_true() -> bool {
    true
}

/// Noise, sharpness and diagnostic confidence: the three axes on which the methods are expected
/// to trade off (denoising can cost sharpness), and the one that matters clinically.
pub fn default_questions() -> Vec<Question> {
    let q = |id: &str, prompt: &str, higher: &str| Question { id: id.into(), prompt: prompt.into(), higher_is: Some(higher.into()) };
    vec![
        q("noise", "Noise", "less noise"),
        q("sharpness", "Sharpness", "sharper edges and finer detail"),
        q("confidence", "Diagnostic confidence", "more confident in a diagnosis"),
    ]
}

/// Peeked at before the full parse, so that a file of another schema version is refused for
/// that reason rather than for whichever field changed.
#[derive(Deserialize)]
pub(crate) struct SchemaOnly {
    pub schema: Option<String>,
}

impl StudyDef {
    /// Parses and checks a study file; every error starts with `name` so that the reader of the
    /// message knows which file to fix.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<StudyDef, String> {
        let head: SchemaOnly = serde_json::from_slice(bytes).map_err(|e| format!("{name}: invalid JSON: {e}"))?;
        match head.schema.as_deref() {
            Some(STUDY_SCHEMA) => {}
            Some(other) => return Err(format!("{name}: schema is \"{other}\", expected \"{STUDY_SCHEMA}\"")),
            None => return Err(format!("{name}: no \"schema\" field (expected \"{STUDY_SCHEMA}\")")),
        }
        let def: StudyDef = serde_json::from_slice(bytes).map_err(|e| format!("{name}: {e}"))?;
        def.validate().map_err(|e| format!("{name}: {e}"))?;
        Ok(def)
    }

    /// The checks serde cannot express; also for studies built in code.
    pub fn validate(&self) -> Result<(), String> {
        if self.schema != STUDY_SCHEMA {
            return Err(format!("schema is \"{}\", expected \"{STUDY_SCHEMA}\"", self.schema));
        }
        if self.id.trim().is_empty() {
            return Err("empty study id".into());
        }
        if self.methods.iter().any(|m| m.trim().is_empty()) {
            return Err("empty method name".into());
        }
        if self.methods[0] == self.methods[1] {
            return Err(format!("both methods are \"{}\"; a study compares two different methods", self.methods[0]));
        }
        if self.questions.is_empty() {
            return Err("\"questions\" is empty (leave it out for the default noise, sharpness and confidence questions)".into());
        }
        let mut seen = BTreeSet::new();
        for q in &self.questions {
            if q.id.trim().is_empty() {
                return Err("a question has an empty id".into());
            }
            if !seen.insert(q.id.as_str()) {
                return Err(format!("duplicate question id \"{}\"", q.id));
            }
        }
        if self.cases.is_empty() {
            return Err("no cases".into());
        }
        let mut seen = BTreeSet::new();
        for c in &self.cases {
            if c.id.trim().is_empty() {
                return Err("a case has an empty id".into());
            }
            if !seen.insert(c.id.as_str()) {
                return Err(format!("duplicate case id \"{}\"", c.id));
            }
            let at = |what: String| format!("case \"{}\": {what}", c.id);
            if c.scan.trim().is_empty() {
                return Err(at("empty scan path".into()));
            }
            if !(c.zoom.is_finite() && c.zoom > 0.0) {
                return Err(at(format!("zoom must be a positive number, got {}", c.zoom)));
            }
            if let Some(p) = c.center
                && !p.iter().all(|v| v.is_finite())
            {
                return Err(at(format!("center must be finite, got {p:?}")));
            }
            if let Some([wc, ww]) = c.window
                && !(wc.is_finite() && ww.is_finite() && ww > 0.0)
            {
                return Err(at(format!("window is [center, width] with a positive width, got [{wc}, {ww}]")));
            }
        }
        Ok(())
    }

    pub fn case(&self, id: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.id == id)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The order in which `reader` sees the cases, as indices into `cases`.
    ///
    /// Shuffled per reader so that learning and fatigue effects average out over cases, and
    /// seeded from the study and reader ids alone so that a reader who reloads the page, or
    /// moves from the browser to a rerun of the analysis, gets the same order.
    pub fn case_order(&self, reader: &str) -> Vec<usize> {
        let mut rng = SplitMix64(seed(&[&self.id, reader]));
        let mut order: Vec<usize> = (0..self.cases.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        order
    }

    /// Whether `reader` sees the first method on the right in case `case_id`.
    ///
    /// Drawn per case rather than fixed per reader, so that a preference for one side of the
    /// screen cannot masquerade as a preference for one method.
    pub fn right_is_first_method(&self, reader: &str, case_id: &str) -> bool {
        SplitMix64(seed(&[&self.id, reader, case_id])).next() >> 63 == 1
    }

    /// The methods shown `[left, right]` to `reader` in case `case_id`.
    pub fn sides(&self, reader: &str, case_id: &str) -> [&str; 2] {
        let [a, b] = [self.methods[0].as_str(), self.methods[1].as_str()];
        if self.right_is_first_method(reader, case_id) { [b, a] } else { [a, b] }
    }
}

/// FNV-1a, 64 bit. Written out rather than taken from `std::hash` because the std hashers are
/// neither specified nor stable across releases and targets, and the browser (wasm32) and the
/// CLI (x86_64) must draw the same orders.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Hash of the parts with a 0xFF separator: no UTF-8 string contains that byte, so ("ab", "c")
/// and ("a", "bc") seed differently.
fn seed(parts: &[&str]) -> u64 {
    let mut bytes = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            bytes.push(0xff);
        }
        bytes.extend_from_slice(p.as_bytes());
    }
    fnv1a64(&bytes)
}

/// SplitMix64 turns the FNV hash, whose low bits mix poorly for short similar strings, into a
/// well-spread stream; small enough to state here exactly, so both targets agree bit for bit.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` by the multiply-high method; its bias, below n / 2⁶⁴, is immaterial
    /// for a few hundred cases.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(cases: usize) -> StudyDef {
        StudyDef {
            schema: STUDY_SCHEMA.into(),
            id: "s1".into(),
            title: "t".into(),
            methods: default_methods(),
            allow_back: true,
            questions: default_questions(),
            cases: (0..cases)
                .map(|i| Case { id: format!("c{i}"), scan: "x.nii.gz".into(), slice: None, zoom: 2.0, center: None, window: None })
                .collect(),
        }
    }

    const MINIMAL: &str = r#"{"schema": "coordsr-study/1", "id": "s", "title": "T",
        "cases": [{"id": "a", "scan": "../sample/shoulder_512.nii.gz", "zoom": 2}]}"#;

    #[test]
    fn defaults_fill_methods_questions_and_back() {
        let d = StudyDef::parse("s.json", MINIMAL.as_bytes()).unwrap();
        assert_eq!(d.methods, ["coord", "conv"]);
        assert!(d.allow_back);
        assert_eq!(d.questions.iter().map(|q| q.id.as_str()).collect::<Vec<_>>(), ["noise", "sharpness", "confidence"]);
        assert_eq!(d.cases[0].slice, None);
        // Round trip through the serialised form keeps everything.
        let again = StudyDef::parse("s.json", &serde_json::to_vec(&d).unwrap()).unwrap();
        assert_eq!(again, d);
    }

    #[test]
    fn likert_labels() {
        assert_eq!(likert_label(-2), Some("much worse"));
        assert_eq!(likert_label(0), Some("no different"));
        assert_eq!(likert_label(2), Some("much better"));
        assert_eq!(likert_label(3), None);
        assert!(LIKERT.iter().all(|(s, _)| SCORE_RANGE.contains(s)));
    }

    fn err_of(json: &str) -> String {
        StudyDef::parse("bad.json", json.as_bytes()).unwrap_err()
    }

    fn with(field: &str, value: &str) -> String {
        let mut v: serde_json::Value = serde_json::from_str(MINIMAL).unwrap();
        v[field] = serde_json::from_str(value).unwrap();
        v.to_string()
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let cases = |c: &str| with("cases", c);
        let checks: Vec<(String, &str)> = vec![
            ("{\"schema\": \"coordsr-study/1\",\n  \"id\": }".into(), "line 2 column"),
            (with("schema", "\"coordsr-study/2\""), "expected \"coordsr-study/1\""),
            (r#"{"id": "s"}"#.into(), "no \"schema\""),
            (cases("[]"), "no cases"),
            (cases(r#"[{"id":"a","scan":"x","zoom":2},{"id":"a","scan":"y","zoom":4}]"#), "duplicate case id \"a\""),
            (cases(r#"[{"id":"a","scan":"x","zoom":0}]"#), "zoom must be a positive number"),
            (cases(r#"[{"id":"a","scan":"x","zoom":-1}]"#), "zoom must be a positive number"),
            (cases(r#"[{"id":"a","scan":"x","zoom":2,"window":[100,0]}]"#), "positive width"),
            (cases(r#"[{"id":"a","scan":"","zoom":2}]"#), "empty scan path"),
            (cases(r#"[{"id":"a","scan":"x","zom":2}]"#), "unknown field `zom`"),
            (with("methods", r#"["coord","coord"]"#), "both methods are \"coord\""),
            (with("questions", "[]"), "\"questions\" is empty"),
            (with("questions", r#"[{"id":"n","prompt":"N"},{"id":"n","prompt":"M"}]"#), "duplicate question id \"n\""),
            (with("id", "\"\""), "empty study id"),
        ];
        for (json, want) in checks {
            let e = err_of(&json);
            assert!(e.starts_with("bad.json: "), "{e}");
            assert!(e.contains(want), "{json}\n→ {e}\nwanted {want}");
        }
        // JSON cannot spell a non-finite zoom, but a study built in code can.
        let mut d = study(1);
        d.cases[0].zoom = f64::NAN;
        assert!(d.validate().unwrap_err().contains("zoom must be a positive number"));
    }

    #[test]
    fn fnv1a_matches_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn case_order_is_a_deterministic_permutation_per_reader() {
        let d = study(12);
        let a = d.case_order("alice");
        assert_eq!(a, d.case_order("alice"));
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..12).collect::<Vec<_>>());
        assert_ne!(a, d.case_order("bob"));
        // Pinned: a change here reshuffles every running study, so it must be deliberate.
        assert_eq!(study(6).case_order("alice"), PINNED_ALICE);
        // Twenty readers see (nearly) twenty different orders, and the first case varies.
        let orders: BTreeSet<Vec<usize>> = (0..20).map(|r| d.case_order(&format!("reader{r}"))).collect();
        assert_eq!(orders.len(), 20);
        let firsts: BTreeSet<usize> = orders.iter().map(|o| o[0]).collect();
        assert!(firsts.len() >= 6, "{firsts:?}");
        // The study id seeds too: the same reader in another study gets another order.
        let mut other = d.clone();
        other.id = "s2".into();
        assert_ne!(other.case_order("alice"), a);
        assert!(study(0).case_order("alice").is_empty());
    }

    /// Reproduced independently by a Python transcription of FNV-1a, SplitMix64 and the shuffle.
    const PINNED_ALICE: [usize; 6] = [2, 3, 4, 1, 5, 0];

    #[test]
    fn sides_are_deterministic_and_balanced() {
        let d = study(400);
        let right_first = d.cases.iter().filter(|c| d.right_is_first_method("alice", &c.id)).count();
        assert!((160..=240).contains(&right_first), "{right_first} of 400");
        for c in &d.cases {
            assert_eq!(d.right_is_first_method("alice", &c.id), d.right_is_first_method("alice", &c.id));
            let [l, r] = d.sides("alice", &c.id);
            assert_ne!(l, r);
            assert_eq!(r == "coord", d.right_is_first_method("alice", &c.id));
        }
        let differ = d.cases.iter().filter(|c| d.right_is_first_method("alice", &c.id) != d.right_is_first_method("bob", &c.id)).count();
        assert!((160..=240).contains(&differ), "{differ} of 400");
    }
}
