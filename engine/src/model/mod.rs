//! The super-resolution model: one [`Encoder`] and a decoder, either the scale-agnostic
//! [`CoordDecoder`] or the fixed ×2 [`ConvDecoder`].
//!
//! The model takes a device and never names a backend; callers pick flex, wgpu or autodiff.

pub mod conv;
pub mod coord;
pub mod coord_host;
pub mod encoder;
pub mod encoder_host;

pub use conv::{ConvDecoder, CONV_SCALE};
pub use coord::{CoordDecoder, CoordDecoderConfig, QueryPlan};
pub use coord_host::HostDecoder;
pub use encoder::{Encoder, EncoderConfig};
pub use encoder_host::HostEncoder;

use crate::skip::Skip;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// Which decoder sits on the encoder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DecoderConfig {
    Coord(CoordDecoderConfig),
    Conv,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub encoder: EncoderConfig,
    pub decoder: DecoderConfig,
    /// What the decoder's output is a residual over; files written before it existed were
    /// trained over bilinear, which is what a missing field reads as.
    #[serde(default)]
    pub skip: Skip,
}

impl ModelConfig {
    /// The coordinate decoder over a bilinear skip: trained to convergence under one schedule, the
    /// bilinear skip validated ahead of the zero-fill skip (VIF 0.6546 vs 0.6463 at λ = 10, 1–2×;
    /// RESULTS.md), so it is the default the product ships.
    pub fn coord() -> Self {
        Self { encoder: EncoderConfig::default(), decoder: DecoderConfig::Coord(CoordDecoderConfig::default()), skip: Skip::Bilinear }
    }

    /// The sub-pixel ×2 decoder over zero-fill (the skip issue 14 chose; not ablated for conv).
    pub fn conv() -> Self {
        Self { encoder: EncoderConfig::default(), decoder: DecoderConfig::Conv, skip: Skip::Zerofill }
    }

    pub fn is_coord(&self) -> bool {
        matches!(self.decoder, DecoderConfig::Coord(_))
    }

    /// Initialise with the backend's generator seeded first, so the initial weights are the
    /// same on every run.
    pub fn init_seeded(&self, device: &Device, seed: u64) -> SrModel {
        self.init_locked(device, Some(seed))
    }

    pub fn init(&self, device: &Device) -> SrModel {
        self.init_locked(device, None)
    }

    /// The backend's generator is process-wide: seeding and drawing the initial weights happen
    /// under one lock, and every parameter is initialised inside it (they are lazy otherwise), so a
    /// model initialised on another thread cannot draw from a seeded sequence in between.
    fn init_locked(&self, device: &Device, seed: Option<u64>) -> SrModel {
        static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = INIT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(seed) = seed {
            device.seed(seed);
        }
        let model = self.build(device);
        struct Touch;
        impl burn::module::ModuleVisitor for Touch {
            fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
                let _ = param.val();
            }
        }
        model.visit(&mut Touch);
        model
    }

    /// The model's structure with every parameter still lazy (nothing allocated): what a weights
    /// file is loaded into, so that a header claiming a huge architecture costs nothing before
    /// its tensors are checked against it ([`crate::weights::load`]).
    pub(crate) fn lazy(&self, device: &Device) -> SrModel {
        self.build(device)
    }

    fn build(&self, device: &Device) -> SrModel {
        let c = self.encoder.channels;
        SrModel {
            skip: self.skip,
            encoder: self.encoder.init(device),
            coord: match &self.decoder {
                DecoderConfig::Coord(d) => Some(d.init(c, device)),
                DecoderConfig::Conv => None,
            },
            conv: match &self.decoder {
                DecoderConfig::Coord(_) => None,
                DecoderConfig::Conv => Some(conv::init_conv_decoder(c, device)),
            },
        }
    }
}

#[derive(Module, Debug)]
pub struct SrModel {
    /// The interpolant the decoder's output is added to ([`crate::skip`]).
    #[module(skip)]
    pub skip: Skip,
    pub encoder: Encoder,
    pub coord: Option<CoordDecoder>,
    pub conv: Option<ConvDecoder>,
}

impl SrModel {
    /// How far (in low-res samples) the decoder's per-latent output reaches into the input: the
    /// encoder's radius plus the decoder's own convolutions before any query (coord: the 3×3 of
    /// [`CoordDecoder::prepare`]; conv: its 3×3 on the latents and its 3×3 on the ×2 grid, which
    /// reaches one more low-res sample).
    pub fn halo(&self) -> usize {
        self.encoder.radius() + if self.coord.is_some() { 1 } else { 2 }
    }

    /// Coord queries for a batch of normalised low-res patches `[B, 1, h, w]`; `plan` indexes
    /// the batch's latents. Returns `[n]` intensities including `skip`, the values of the
    /// model's [`Skip`] at the queries (the caller has the whole slices they need).
    pub fn forward_coord(&self, lr: Tensor<4>, skip: Vec<f32>, plan: &QueryPlan) -> Tensor<1> {
        let dec = self.coord.as_ref().expect("forward_coord on a conv model");
        let rows = dec.prepare(self.encoder.forward(lr.clone()));
        let skip = Tensor::<1>::from_data(burn::tensor::TensorData::new(skip, [plan.n]), &lr.device());
        dec.query(rows, plan) + skip
    }

    /// Conv ×2 for a batch `[B, 1, h, w]` → `[B, 1, 2h, 2w]`, including the skip that the
    /// caller supplies on the ×2 grid (`skip`).
    pub fn forward_conv(&self, lr: Tensor<4>, skip: Tensor<4>) -> Tensor<4> {
        let dec = self.conv.as_ref().expect("forward_conv on a coord model");
        dec.forward(self.encoder.forward(lr)) + skip
    }
}
