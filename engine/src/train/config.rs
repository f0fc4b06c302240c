//! What a training run is: its configuration (model, data, loss, schedule), validated, and how
//! the denoising term is penalised. Saved as a run's `config.json`; a resumed run must match it.

use crate::data::DataSplit;
use crate::degrade::{DegradationKind, SliceProfile};
use crate::denoise::Denoiser;
use crate::model::ModelConfig;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How `|x̂ − D_σ(x̂)|` is penalised.
///
/// With an L1 data term *and* an L1 denoising term every pixel's gradient is `±1 ± λ`, so at the
/// poster's λ = 10 the sign of the denoising term decides every pixel and the data term is never
/// heard: measured here, coord λ = 10 collapsed to a validation VIF of 0.005 within 100 steps.
/// The squared form (`L2`, the default) weighs each pixel by how far it is from its denoised
/// copy, so λ = 10 suppresses noise-like detail without drowning the data. `L1` is the literal
/// formula, kept to reproduce that failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LdNorm {
    L1,
    #[default]
    L2,
}

impl std::str::FromStr for LdNorm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "l1" => Ok(Self::L1),
            "l2" => Ok(Self::L2),
            _ => Err(format!("unknown --ld-norm '{s}' (expected l1 or l2)")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub model: ModelConfig,
    /// Training scales are drawn uniformly from this range per patch (coord); conv uses ×2.
    pub scale_min: f64,
    pub scale_max: f64,
    pub degradation: DegradationKind,
    /// Weight of the denoising term (the poster compares 0 and 10).
    pub lambda: f32,
    pub denoiser: Denoiser,
    /// Penalty of the denoising term; see [`LdNorm`].
    pub ld_norm: LdNorm,
    /// Low-res patch side.
    pub patch: usize,
    /// Side of the dense window of reference pixels queried per patch.
    pub window: usize,
    pub batch: usize,
    pub steps: usize,
    pub learning_rate: f64,
    pub val_every: usize,
    /// Validations without improvement before stopping.
    pub patience: usize,
    pub val_slices: usize,
    pub val_scales: Vec<f64>,
    pub seed: u64,
    pub split: DataSplit,
    /// Slices per training scan (spread over the anatomy).
    pub train_slices: usize,
    /// A warm restart (SGDR): the run folder of a finished run of the same model to start from,
    /// its last weights and its data stream (generator state), with a fresh Adam and a new
    /// cosine cycle of `steps`. Two cycles of 4000 steps cost a finished 4000-step run 4000 more
    /// steps where a fresh 8000-step schedule costs 8000. Absent (a run from scratch) in older
    /// configs, which therefore read and compare as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<PathBuf>,
    /// Train for the slice direction: pairs are reference slices thickened along y or x with
    /// this profile at thickness = spacing = the drawn scale (in pixels), the cell (1, 1/s);
    /// validation thickens along y. Absent: the in-plane k-space recipe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through_plane: Option<SliceProfile>,
}

impl TrainConfig {
    /// Sizes that train a useful model in about an hour on 2 CPU cores.
    pub fn coord_default() -> Self {
        Self {
            model: ModelConfig::coord(),
            scale_min: 1.0,
            scale_max: 2.0,
            degradation: DegradationKind::Kspace,
            lambda: 10.0,
            denoiser: Denoiser::Nlm { sigma: 0.02 },
            ld_norm: LdNorm::L2,
            patch: 40,
            window: 32,
            batch: 8,
            steps: 2500,
            learning_rate: 2e-4,
            val_every: 100,
            patience: 8,
            val_slices: 8,
            val_scales: vec![1.5, 2.0],
            seed: 1,
            split: DataSplit::default(),
            train_slices: 64,
            init: None,
            through_plane: None,
        }
    }

    /// The slice-direction model: thick slices 1.5–6 pixels (boxcar), λ = 0 (the denoising term
    /// is the poster's answer to in-plane noise; across thick slices the loss is blur), and a
    /// lighter network than the in-plane one, because a volume is ~2·N planes to encode.
    pub fn through_plane_default() -> Self {
        let mut c = Self::coord_default();
        c.through_plane = Some(SliceProfile::Boxcar);
        (c.scale_min, c.scale_max) = (1.5, 6.0);
        c.val_scales = vec![3.0, 5.0];
        c.lambda = 0.0;
        c.model.encoder.blocks = 4;
        if let crate::model::DecoderConfig::Coord(d) = &mut c.model.decoder {
            d.hidden = vec![64, 64, 64];
            d.max_train_scale = c.scale_max as f32;
        }
        c
    }

    pub fn conv_default() -> Self {
        Self { model: ModelConfig::conv(), scale_min: 2.0, scale_max: 2.0, lambda: 0.0, val_scales: vec![2.0], ..Self::coord_default() }
    }

    pub fn is_coord(&self) -> bool {
        self.model.is_coord()
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(self.scale_min >= 1.0 && self.scale_max >= self.scale_min) {
            return Err(format!("scale range {}–{} must satisfy 1 ≤ min ≤ max", self.scale_min, self.scale_max));
        }
        if !self.is_coord() && (self.scale_min != 2.0 || self.scale_max != 2.0) {
            return Err("the conv decoder trains at 2× only".into());
        }
        if self.patch < 12 || self.window < 4 || self.batch == 0 || self.steps == 0 || self.val_every == 0 {
            return Err("patch ≥ 12, window ≥ 4, batch, steps and val_every ≥ 1 are required".into());
        }
        if self.is_coord() && (self.patch - 5) as f64 * 1.0 < self.window as f64 {
            return Err(format!("window {} does not fit in a patch of {} at scale 1", self.window, self.patch));
        }
        if self.through_plane.is_some() && (!self.is_coord() || self.model.skip != crate::skip::Skip::Bilinear) {
            return Err("through-plane training needs the coord decoder over the bilinear skip (zero-fill is a k-space interpolant, not a slice one)".into());
        }
        if !(self.lambda >= 0.0) {
            return Err("lambda must be ≥ 0".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(format!("learning rate {} must be a finite number > 0", self.learning_rate));
        }
        Ok(())
    }
}
