//! The coordinate decoder (LIIF): an MLP that turns the latents around any continuous position
//! into an intensity, so one encoding can be rendered at any scale.
//!
//! Inputs per neighbour: the 3×3-unfolded features of the latent, the query's position relative
//! to it, and the cell (the size of the output pixel in low-res units) so the decoder knows how
//! large an area it is asked to summarise. The four neighbours' predictions are blended by the
//! area weights of [`crate::geometry::ensemble`]. The geometry (which latents, which weights) is
//! computed on the host by [`QueryPlan`]; the device only gathers and runs the MLP.

use crate::geometry::{ensemble, Neighbour};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoordDecoderConfig {
    /// Hidden widths of the MLP.
    pub hidden: Vec<usize>,
    /// Largest scale seen in training: beyond it the cell is clipped to `1 / max_train_scale`,
    /// because the MLP was never shown smaller cells and extrapolates them badly.
    pub max_train_scale: f32,
}

impl Default for CoordDecoderConfig {
    fn default() -> Self {
        Self { hidden: vec![128, 128, 128], max_train_scale: 2.0 }
    }
}

#[derive(Module, Debug)]
pub struct CoordDecoder {
    layers: Vec<Linear>,
    out: Linear,
    max_train_scale: f32,
}

impl CoordDecoderConfig {
    pub fn init(&self, channels: usize, device: &Device) -> CoordDecoder {
        let mut d_in = 9 * channels + 4;
        let mut layers = Vec::new();
        for &h in &self.hidden {
            layers.push(LinearConfig::new(d_in, h).init(device));
            d_in = h;
        }
        CoordDecoder { layers, out: LinearConfig::new(d_in, 1).init(device), max_train_scale: self.max_train_scale }
    }

    /// Multiply–accumulates per query (all four neighbours), to read GFLOP/s off timings.
    pub fn macs_per_query(&self, channels: usize) -> u64 {
        let mut d_in = 9 * channels + 4;
        let mut macs = 0u64;
        for &h in &self.hidden {
            macs += (d_in * h) as u64;
            d_in = h;
        }
        4 * (macs + d_in as u64)
    }
}

/// The host-side half of a batch of queries: for each query its four neighbours (flattened
/// latent index into the batch's `[B·h·w]` latents, relative position, weight) and its cell.
///
/// Layout is neighbour-major (`k · n + q`) so the device can blend with one reshape.
#[derive(Clone, Debug, Default)]
pub struct QueryPlan {
    pub n: usize,
    pub index: Vec<i64>,
    /// `[4n, 4]`: rel_x, rel_y, cell_x, cell_y.
    pub inputs: Vec<f32>,
    pub weights: Vec<f32>,
}

impl QueryPlan {
    /// Plan queries at low-res coordinates `coords` on latent grid `batch_index[q]` of a batch
    /// of `width × height` grids. `cells` holds each query's output pixel size in low-res units
    /// (already clipped), or a single cell shared by all.
    pub fn build(coords: &[[f32; 2]], batch_index: &[usize], width: usize, height: usize, cells: &[[f32; 2]]) -> Self {
        assert!(cells.len() == 1 || cells.len() == coords.len(), "one cell, or one per query");
        assert_eq!(batch_index.len(), coords.len());
        let n = coords.len();
        let mut plan = QueryPlan {
            n,
            index: vec![0; 4 * n],
            inputs: vec![0.0; 16 * n],
            weights: vec![0.0; 4 * n],
        };
        for (q, (c, &b)) in coords.iter().zip(batch_index).enumerate() {
            let cell = cells[if cells.len() == 1 { 0 } else { q }];
            let nb: [Neighbour; 4] = ensemble(*c, width, height);
            for (k, nbk) in nb.iter().enumerate() {
                let row = k * n + q;
                plan.index[row] = (b * width * height + nbk.index) as i64;
                plan.inputs[4 * row..4 * row + 4].copy_from_slice(&[nbk.rel[0], nbk.rel[1], cell[0], cell[1]]);
                plan.weights[row] = nbk.weight;
            }
        }
        plan
    }

    /// Bilinear blend of a host image with the plan's weights: the skip the decoder adds to,
    /// so the MLP learns the residual over linear interpolation and trains in CPU-minutes.
    pub fn blend(&self, values: &[f32]) -> Vec<f32> {
        (0..self.n)
            .map(|q| (0..4).map(|k| self.weights[k * self.n + q] * values[self.index[k * self.n + q] as usize]).sum())
            .collect()
    }
}

impl CoordDecoder {
    /// The cell to feed for an output pixel of `cell` low-res units: clipped at the training
    /// maximum scale.
    pub fn clip_cell(&self, cell: [f32; 2]) -> [f32; 2] {
        let min = 1.0 / self.max_train_scale;
        [cell[0].max(min), cell[1].max(min)]
    }

    pub fn max_train_scale(&self) -> f32 {
        self.max_train_scale
    }

    /// Unfold 3×3 neighbourhoods into channels and flatten to `[B·h·w, 9C]` rows, once per
    /// encoding, so queries are a single row gather.
    pub fn prepare(&self, latents: Tensor<4>) -> Tensor<2> {
        let [b, c, h, w] = latents.dims();
        let padded = latents.pad((1, 1, 1, 1), PadMode::Constant(0.0));
        let mut parts = Vec::with_capacity(9);
        for dy in 0..3 {
            for dx in 0..3 {
                parts.push(padded.clone().narrow(2, dy, h).narrow(3, dx, w));
            }
        }
        Tensor::cat(parts, 1).permute([0, 2, 3, 1]).reshape([b * h * w, 9 * c])
    }

    /// Decode the queries of `plan` from prepared rows: `[n]` intensities (residual over the
    /// bilinear skip, which the caller adds).
    pub fn query(&self, rows: Tensor<2>, plan: &QueryPlan) -> Tensor<1> {
        let device = rows.device();
        let n = plan.n;
        let index = Tensor::<1, Int>::from_data(TensorData::new(plan.index.clone(), [4 * n]), &device);
        let extra = Tensor::<2>::from_data(TensorData::new(plan.inputs.clone(), [4 * n, 4]), &device);
        let weights = Tensor::<2>::from_data(TensorData::new(plan.weights.clone(), [4, n]), &device);
        let mut x = Tensor::cat(vec![rows.select(0, index), extra], 1);
        for layer in &self.layers {
            x = relu(layer.forward(x));
        }
        let pred = self.out.forward(x).reshape([4, n]);
        (pred * weights).sum_dim(0).reshape([n])
    }
}
