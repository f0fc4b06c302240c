//! A blinded reader study: radiologists see two methods side by side, in an order and on sides
//! drawn per reader, and score one against the other on a five-point scale.
//!
//! The web app runs the study and the CLI (`coordsr study summarize`) analyses it; both use
//! this module, so the sign convention, the validation and the statistics exist once.
//!
//! - [`def`]: the study file, and the per-reader order and sides;
//! - [`answers`]: what a reader answered, exported as JSON or CSV;
//! - [`stats`]: mean, SD, Wilcoxon signed-rank and weighted kappa, as SciPy and scikit-learn;
//! - [`summary`]: the poster's table.

pub mod answers;
mod csv;
pub mod def;
pub mod stats;
pub mod summary;

pub use answers::{ANSWERS_SCHEMA, Answer, Export, Viewing, first_vs_second};
pub use def::{Case, LIKERT, Question, SCORE_RANGE, STUDY_SCHEMA, StudyDef, default_questions, likert_label};
pub use summary::{Summary, check_set, summarize};

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const DEMO: &str = include_str!("../../../static/study/demo.json");

    #[test]
    fn demo_study_parses_and_points_at_the_bundled_sample() {
        let d = StudyDef::parse("static/study/demo.json", DEMO.as_bytes()).unwrap();
        assert_eq!(d.methods, ["coord", "conv"]);
        assert_eq!(d.questions, default_questions());
        assert_eq!(d.cases.len(), 6);
        assert!(d.cases.iter().any(|c| c.zoom == 2.0) && d.cases.iter().any(|c| c.zoom == 4.0));
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/study");
        for c in &d.cases {
            assert!(dir.join(&c.scan).is_file(), "{}: {} missing", c.id, c.scan);
            // Every view stays inside the 512 × 512 slice: the centre, and the ±128 / zoom
            // slice pixels a 256-pixel-wide viewport shows around it.
            let [x, y] = c.center.expect("demo cases are placed");
            let half = 128.0 / c.zoom;
            assert!([x, y].iter().all(|v| (half..=511.0 - half).contains(v)), "{}: {x},{y}", c.id);
        }
        assert_ne!(d.case_order("reader-1"), d.case_order("reader-2"));
        // Pinned (and reproduced in Python): the browser must show reader-1 exactly this.
        assert_eq!(d.case_order("reader-1"), [4, 0, 1, 2, 3, 5]);
        let right_first: Vec<bool> = d.cases.iter().map(|c| d.right_is_first_method("reader-1", &c.id)).collect();
        assert_eq!(right_first, [false, true, false, true, false, false]);
    }
}
