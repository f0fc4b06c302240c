//! The committed weights reproduce the committed results: `results/per_slice.csv` is what
//! `coordsr eval` wrote for `static/weights/coord.csrw`; re-scoring one test slice at 2× must give
//! the same VIF within 1e-3.

mod common;

use burn::tensor::Device;
use coordsr::data::{self, DataSplit};
use coordsr::degrade::Degradation;
use coordsr::methods::{Reconstruction, Trained};
use coordsr::metrics;

#[test]
fn committed_coord_weights_reproduce_the_committed_2x_vif() {
    let Some(root) = common::data_root("committed_coord_weights_reproduce_the_committed_2x_vif") else { return };
    let repo = common::repo();
    let read = |name: &str| {
        let path = repo.join("results").join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let mut rows = coordsr::eval::read_csv(&read("results.csv")).unwrap();
    coordsr::eval::read_per_slice_csv(&read("per_slice.csv"), &mut rows).unwrap();
    let test_scan = &DataSplit::default().test[0];
    let device = Device::flex();
    let model = Trained::load(&repo.join("static/weights/coord.csrw"), &device).unwrap();
    assert_eq!((model.method(), model.lambda(), model.train_scales().as_str()), (coordsr::methods::Method::Coord, 10.0, "1-2"));
    // Its row by name: the shipped model is the tables' default coord row (over its skip).
    let (name, lambda, ts) = Reconstruction::Model(&model).row_key();
    assert_eq!((name, lambda.as_str(), ts.as_str()), coordsr::eval::DEFAULT_COORD);
    let row = rows
        .iter()
        .find(|r| (r.method.as_str(), r.lambda.as_str(), r.train_scales.as_str(), r.query_scale) == (name, lambda.as_str(), ts.as_str(), 2.0) && r.dataset == test_scan.as_str())
        .expect("the default coord row at 2× on the test scan");
    let (n_slices, committed) = (row.n_slices, row.per_slice[0].vif);

    let hr = data::load_reference_slices(&root, test_scan, n_slices).unwrap().swap_remove(0);
    let (lr, grid) = Degradation::kspace(2.0).apply(&hr);
    let out = Reconstruction::Model(&model).reconstruct(&lr, &grid, &device);
    let vif = metrics::vif(&hr, &out);
    assert!((vif - committed).abs() <= 1e-3, "VIF {vif} vs committed {committed}");
}

/// The cross-subject round's three committed views agree: `results/loso.json` (the site's),
/// `results/loso.md` (written with it by `coordsr eval --loso-summary`) and RESULTS.md's copy
/// between its markers; and the round is re-derived from `loso_validation.csv` (and the test
/// scores, once they exist) to the same report.
#[test]
fn the_cross_subject_round_is_reported_the_same_everywhere() {
    let repo = common::repo();
    let read = |name: &str| {
        let path = repo.join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let md = read("results/loso.md");
    let round: coordsr::loso::CrossSubject = serde_json::from_str(&read("results/loso.json")).unwrap();
    assert_eq!(round.markdown(), md, "loso.json and loso.md are one run's output");
    let runs = coordsr::loso::read_validation_csv(&read("results/loso_validation.csv")).unwrap();
    let scores = match repo.join("results/loso_per_slice.csv").exists() {
        true => coordsr::loso::read_per_slice_csv(&read("results/loso_per_slice.csv")).unwrap(),
        false => vec![],
    };
    assert_eq!(coordsr::loso::cross_subject(&scores, &runs).unwrap().markdown(), md, "loso.md is what its CSVs give");
    let results = read("RESULTS.md");
    let quoted = results
        .split_once("<!-- begin results/loso.md (scripts/loso-eval.sh) -->\n")
        .and_then(|(_, rest)| rest.split_once("<!-- end results/loso.md -->"))
        .map(|(q, _)| q)
        .expect("RESULTS.md has the loso.md markers");
    assert_eq!(quoted, md, "RESULTS.md quotes results/loso.md as scripts/loso-eval.sh last wrote it");
}
