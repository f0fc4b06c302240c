//! The results table's unit: a [`Row`] is one method (a model with its λ and training scales) at
//! one query scale on one dataset, with its per-slice scores; and the one order rows are reported
//! in. Below the evaluation that fills rows, the chart that draws them and the paired statistics
//! that compare them, so those three depend on it and not on each other.

use crate::methods::fmt_num;
use crate::metrics;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub method: String,
    pub lambda: String,
    pub train_scales: String,
    pub query_scale: f64,
    pub vif: f64,
    pub psnr: f64,
    pub ssim: f64,
    pub n_slices: usize,
    pub dataset: String,
    /// The training seed of the model (from its weights' metadata), when there is one: the
    /// cross-subject tables tell runs of one configuration apart by it (results.csv does not).
    #[serde(skip)]
    pub seed: Option<u64>,
    /// Each slice's scores, in the order `data::load_reference_slices` returns them, so one slice
    /// can be re-scored later (the check that committed weights reproduce the committed table).
    #[serde(skip)]
    pub per_slice: Vec<metrics::Metrics>,
}

impl Row {
    /// Which method (a model with its λ and training scales) at which query scale: the first
    /// columns of both CSVs, as they are written.
    pub(crate) fn key(&self) -> [String; 4] {
        [self.method.clone(), self.lambda.clone(), self.train_scales.clone(), fmt_num(self.query_scale)]
    }
}

/// The default coord model's row (method, λ, train scales): the configuration the viewer ships,
/// λ = 10 over 1–2× with the skip validation chose (bilinear: [`crate::skip`]). Its zero-fill-skip
/// twin is the row "coord" 10 1-2 in the ablations.
pub const DEFAULT_COORD: (&str, &str, &str) = ("coord-bilinear", "10", "1-2");

/// The poster's row order: defaults first, then the ablations (group, method, λ, train scales).
/// Rows without "-bilinear" are models over the zero-fill skip.
pub const ROW_ORDER: [(&str, &str, &str, &str); 14] = [
    ("default", "bicubic", "", ""),
    ("default", "zerofill", "", ""),
    ("default", DEFAULT_COORD.0, DEFAULT_COORD.1, DEFAULT_COORD.2),
    ("default", "conv", "0", "2"),
    ("ablation", "coord", "10", "1-2"),
    ("ablation", "coord", "0", "1-2"),
    ("ablation", "coord", "10", "2"),
    ("ablation", "conv", "10", "2"),
    ("data consistency", "coord-bilinear+dc", "10", "1-2"),
    ("data consistency", "conv+dc", "0", "2"),
    ("data consistency", "coord+dc", "10", "1-2"),
    ("data consistency", "coord+dc", "0", "1-2"),
    ("data consistency", "coord+dc", "10", "2"),
    ("data consistency", "conv+dc", "10", "2"),
];
