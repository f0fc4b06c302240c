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
    let csv_path = repo.join("results/per_slice.csv");
    let csv = std::fs::read_to_string(&csv_path).expect("results/per_slice.csv is committed");
    let test_scan = &DataSplit::default().test[0];
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("column {name}"));
    let row: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| {
            r[col("method")] == "coord"
                && r[col("lambda")] == "10"
                && r[col("train_scales")] == "1-2"
                && r[col("query_scale")] == "2"
                && r[col("dataset")] == test_scan.as_str()
                && r[col("slice")] == "0"
        })
        .expect("a coord λ=10 1-2× row at 2× for slice 0 of the test scan");
    let n_slices: usize = row[col("n_slices")].parse().unwrap();
    let committed: f64 = row[col("vif")].parse().unwrap();

    let device = Device::flex();
    let model = Trained::load(&repo.join("static/weights/coord.csrw"), &device).unwrap();
    assert_eq!((model.method(), model.lambda(), model.train_scales().as_str()), (coordsr::methods::Method::Coord, 10.0, "1-2"));
    let hr = data::load_reference_slices(&root, test_scan, n_slices).unwrap().swap_remove(0);
    let (lr, grid) = Degradation::kspace(2.0).apply(&hr);
    let out = Reconstruction::Model(&model).reconstruct(&lr, &grid, &device);
    let vif = metrics::vif(&hr, &out);
    assert!((vif - committed).abs() <= 1e-3, "VIF {vif} vs committed {committed}");
}
