//! Every way coordsr can reconstruct a slice, behind one name, so the CLI, the evaluation and
//! the app compare exactly the same things.

use crate::geometry::Grid;
use crate::image::Image;
use crate::interp;
use crate::model::SrModel;
use crate::weights::{self, Header};
use burn::tensor::Device;
use std::path::Path;

/// A trained model with what its weights file says about it.
pub struct Trained {
    pub model: SrModel,
    pub header: Header,
    /// Where it came from (a path), for reports.
    pub source: String,
}

impl Trained {
    pub fn load(path: &Path, device: &Device) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (model, header) = weights::load(&bytes, device).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self { model, header, source: path.display().to_string() })
    }

    pub fn method(&self) -> &'static str {
        self.header.config.method()
    }

    /// λ of the denoising term it was trained with (0 when the file does not say).
    pub fn lambda(&self) -> f64 {
        self.header.meta.get("lambda").and_then(|v| v.as_f64()).unwrap_or(0.0)
    }

    /// Training scale range as written in reports: "1–2" or "2".
    pub fn train_scales(&self) -> String {
        let r: Vec<f64> = self
            .header
            .meta
            .get("train_scales")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default();
        match r.as_slice() {
            [a, b] if a == b => fmt_num(*a),
            [a, b] => format!("{}-{}", fmt_num(*a), fmt_num(*b)),
            _ => "?".into(),
        }
    }

    /// A short label such as "coord λ=10 1-2×".
    pub fn label(&self) -> String {
        format!("{} λ={} {}×", self.method(), fmt_num(self.lambda()), self.train_scales())
    }
}

pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v}") }
}

pub enum Method<'a> {
    Nearest,
    Bicubic,
    Zerofill,
    Model(&'a Trained),
}

impl Method<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Method::Nearest => "nearest",
            Method::Bicubic => "bicubic",
            Method::Zerofill => "zerofill",
            Method::Model(t) => t.method(),
        }
    }

    /// Reconstruct `lr` on the reference grid of `grid`.
    pub fn reconstruct(&self, lr: &Image, grid: &Grid, device: &Device) -> Image {
        match self {
            Method::Nearest => interp::nearest(lr, grid),
            Method::Bicubic => interp::bicubic(lr, grid),
            Method::Zerofill => interp::zerofill(lr, grid),
            Method::Model(t) => t.model.upscale(lr, grid, device),
        }
    }
}
