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
    /// Where it came from (a path, or "built-in …"), for reports.
    pub source: String,
}

/// The default models, built into the library: the same files the viewer ships in
/// `static/weights/` (~0.45 MB each as f16), so `coordsr upscale scan.dcm --scale 2.5` works from
/// any folder without `--weights`. Each file's header carries its facts (λ, scales, split,
/// validation VIF), which `--help` quotes.
pub mod bundled {
    pub const COORD: &[u8] = include_bytes!("../../static/weights/coord.csrw");
    pub const CONV: &[u8] = include_bytes!("../../static/weights/conv.csrw");
    /// The through-plane coord model (thick slices 1.5–6×, boxcar; `coordsr train --through-plane`).
    pub const COORD_THROUGH: &[u8] = include_bytes!("../../static/weights/coord-through.csrw");

    /// The bundled weights of a model kind ("coord", "conv", or "coord-through").
    pub fn bytes(method: &str) -> Option<&'static [u8]> {
        match method {
            "coord" => Some(COORD),
            "conv" => Some(CONV),
            "coord-through" => Some(COORD_THROUGH),
            _ => None,
        }
    }
}

impl Trained {
    pub fn load(path: &Path, device: &Device) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (model, header) = weights::load(&bytes, device).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self { model, header, source: path.display().to_string() })
    }

    /// The built-in default model of a kind ("coord" or "conv"); see [`bundled`].
    pub fn bundled(method: &str, device: &Device) -> Result<Self, String> {
        let bytes = bundled::bytes(method).ok_or_else(|| format!("no built-in {method} model"))?;
        let (model, header) = weights::load(bytes, device).map_err(|e| format!("built-in {method} weights: {e}"))?;
        Ok(Self { model, header, source: format!("built-in {method} (static/weights/{method}.csrw)") })
    }

    pub fn method(&self) -> Method {
        self.header.method()
    }

    /// The seed it was trained with, when the file says.
    pub fn seed(&self) -> Option<u64> {
        self.header.meta.get("seed").and_then(|s| s.as_u64())
    }

    /// λ of the denoising term it was trained with (0 when the file does not say).
    pub fn lambda(&self) -> f64 {
        self.header.lambda()
    }

    /// Training scale range as written in reports: "1-2" or "2".
    pub fn train_scales(&self) -> String {
        self.header.train_scales()
    }

    /// A short label such as "coord λ=10 1-2×".
    pub fn label(&self) -> String {
        self.header.label()
    }
}

/// What a weights file says about its model, read from the header alone.
impl Header {
    pub fn method(&self) -> Method {
        Method::of(&self.config)
    }

    pub fn lambda(&self) -> f64 {
        self.meta.get("lambda").and_then(|v| v.as_f64()).unwrap_or(0.0)
    }

    pub fn train_scales(&self) -> String {
        let r: Vec<f64> = self
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

    pub fn label(&self) -> String {
        label(self.method().key(), &fmt_num(self.lambda()), &self.train_scales())
    }

    /// The slice profile of a model trained for the slice direction ("boxcar"), `None` for an
    /// in-plane model.
    pub fn through_plane(&self) -> Option<String> {
        self.meta.get("through_plane").and_then(|v| v.as_str()).map(str::to_string)
    }

    /// The facts a user needs to trust a model: what it is, what it was trained on, how it did
    /// on validation. E.g. "coord λ=10 1-2×, trained on split brain-by-subject-v1 (train:
    /// vs-seg-001-t1, brain-t1-uih), best validation VIF 0.629 at step 1400".
    pub fn facts(&self) -> String {
        let m = &self.meta;
        let mut s = self.label();
        if self.config.skip == crate::skip::Skip::Zerofill {
            s += ", residual over zero-fill";
        }
        if let Some(profile) = self.through_plane() {
            s += &format!(", through-plane ({profile} slices)");
        }
        if let Some(split) = m.get("split") {
            let list = |k: &str| {
                split.get(k).and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "))
            };
            let name = split.get("name").and_then(|v| v.as_str()).unwrap_or("?");
            s += &format!(", trained on split {name}");
            if let Some(train) = list("train") {
                s += &format!(" (train: {train})");
            }
        }
        if let Some(v) = m.get("val_vif").and_then(|v| v.as_f64()) {
            s += &format!(", best validation VIF {v:.3}");
            if let Some(step) = m.get("best_step").and_then(|v| v.as_u64()) {
                s += &format!(" at step {step}");
            }
        }
        s
    }
}

pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v}") }
}

/// The one label rule for a method wherever it is named (weights facts, charts, the site, the
/// paired table), from its fields as `results.csv` writes them: "bicubic", "coord λ=10 1-2×".
pub fn label(method: &str, lambda: &str, train_scales: &str) -> String {
    if lambda.is_empty() { method.to_string() } else { format!("{method} λ={lambda} {train_scales}×") }
}

/// The ways coordsr reconstructs a slice, by name: the one list that the CLI's `--method`, the
/// evaluation's rows, weights headers and the viewer's method menus are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Method {
    /// The coordinate decoder: any scale.
    Coord,
    /// The sub-pixel convolution decoder: ×2 only.
    Conv,
    Bicubic,
    /// k-space zero-filling: the scanner's own interpolation, the matched baseline of k-space
    /// truncation.
    Zerofill,
    Nearest,
}

impl Method {
    pub const ALL: [Method; 5] = [Method::Coord, Method::Conv, Method::Bicubic, Method::Zerofill, Method::Nearest];

    /// The method a model configuration implements (its decoder's).
    pub fn of(config: &crate::model::ModelConfig) -> Method {
        if config.is_coord() { Method::Coord } else { Method::Conv }
    }

    /// The name in files, URLs and tables ("coord", "zerofill").
    pub fn key(self) -> &'static str {
        match self {
            Method::Coord => "coord",
            Method::Conv => "conv",
            Method::Bicubic => "bicubic",
            Method::Zerofill => "zerofill",
            Method::Nearest => "nearest",
        }
    }

    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Whether it needs a trained model (and so weights).
    pub fn is_model(self) -> bool {
        matches!(self, Method::Coord | Method::Conv)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// A [`Method`] ready to run: a classical one, or a trained model with or without the
/// data-consistency projection.
pub enum Reconstruction<'a> {
    Classical(Method),
    Model(&'a Trained),
    /// A model's output with its measured band replaced by the input's
    /// ([`crate::kspace::data_consistency`]): named "<method>+dc".
    Consistent(&'a Trained),
}

impl Reconstruction<'_> {
    /// Its row name in results: the method's key, "-bilinear" appended for a model that predicts
    /// a residual over bilinear interpolation (coord's default skip; models without the suffix
    /// are over zero-fill), "+dc" for [`Self::Consistent`].
    pub fn name(&self) -> &'static str {
        use crate::skip::Skip::{Bilinear, Zerofill};
        match self {
            Reconstruction::Classical(m) => m.key(),
            Reconstruction::Model(t) => match (t.method(), t.header.config.skip) {
                (Method::Coord, Bilinear) => "coord-bilinear",
                (Method::Conv, Bilinear) => "conv-bilinear",
                (m, _) => m.key(),
            },
            Reconstruction::Consistent(t) => match (t.method(), t.header.config.skip) {
                (Method::Coord, Zerofill) => "coord+dc",
                (Method::Coord, Bilinear) => "coord-bilinear+dc",
                (_, Zerofill) => "conv+dc",
                (_, Bilinear) => "conv-bilinear+dc",
            },
        }
    }

    /// Its row in results as (name, λ, training scales), spelled as `results.csv` spells them (λ
    /// and scales empty for a classical method): the one rule `eval` writes rows by and `export`
    /// and the figure find a model's rows by. The name is needed, not only the method: a coord
    /// model over bilinear and its zero-fill-skip twin share method, λ and scales.
    pub fn row_key(&self) -> (&'static str, String, String) {
        match self.trained() {
            Some(t) => (self.name(), fmt_num(t.lambda()), t.train_scales()),
            None => (self.name(), String::new(), String::new()),
        }
    }

    /// The trained model behind it, if any.
    pub fn trained(&self) -> Option<&Trained> {
        match self {
            Reconstruction::Model(t) | Reconstruction::Consistent(t) => Some(t),
            Reconstruction::Classical(_) => None,
        }
    }

    /// Reconstruct `lr` on the reference grid of `grid`. A classical [`Method`] that needs a
    /// model reconstructs nothing: callers build those as [`Self::Model`] (see [`Self::of`]).
    pub fn reconstruct(&self, lr: &Image, grid: &Grid, device: &Device) -> Image {
        match self {
            Reconstruction::Classical(Method::Nearest) => interp::nearest(lr, grid),
            Reconstruction::Classical(Method::Bicubic) => interp::bicubic(lr, grid),
            Reconstruction::Classical(Method::Zerofill) => interp::zerofill(lr, grid),
            Reconstruction::Classical(m @ (Method::Coord | Method::Conv)) => {
                unreachable!("{m} is built as Reconstruction::Model by Reconstruction::of")
            }
            Reconstruction::Model(t) => t.model.upscale(lr, grid, device),
            Reconstruction::Consistent(t) => crate::kspace::data_consistency(&t.model.upscale(lr, grid, device), lr),
        }
    }

    /// `method` ready to run, with `trained` for the learned ones (which must be that kind).
    pub fn of(method: Method, trained: Option<&Trained>) -> Result<Reconstruction<'_>, String> {
        match (method.is_model(), trained) {
            (false, _) => Ok(Reconstruction::Classical(method)),
            (true, Some(t)) if t.method() == method => Ok(Reconstruction::Model(t)),
            (true, Some(t)) => Err(format!("{}: these are {} weights, not {method}", t.source, t.method())),
            (true, None) => Err(format!("{method} needs weights")),
        }
    }
}
