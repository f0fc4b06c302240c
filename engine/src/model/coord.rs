//! The coordinate decoder (LIIF): an MLP that turns the latents around any continuous position
//! into an intensity, so one encoding can be rendered at any scale.
//!
//! Inputs per neighbour: the 3×3-unfolded features of the latent, the query's position relative
//! to it, and the cell (the size of the output pixel in low-res units) so the decoder knows how
//! large an area it is asked to summarise. The four neighbours' predictions are blended by the
//! area weights of [`crate::geometry::ensemble`]. The geometry (which latents, which weights) is
//! computed on the host by [`QueryPlan`]; the device only gathers and runs the MLP.
//!
//! The first layer is split where the work is. Its input is `[unfold(latent), rel, cell]`, so its
//! output is `W_f · unfold(latent) + W_e · [rel, cell] + b`. The first term depends only on the
//! latent, not on the query: it is a 3×3 convolution of the latent grid (C → hidden), computed once
//! per encoding by [`CoordDecoder::prepare`]. A query then gathers hidden-wide rows (128 floats,
//! not 9C + 4 = 292) and adds a 4-input term. Same model, same weights files; at the shipped size
//! the MACs per query halve (281 k → 134 k), and the latent-side work is shared by every zoom level.

use crate::geometry::{ensemble, Neighbour};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use crate::kernels::{conv3x3, relu};
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

    /// Multiply–accumulates per query (all four neighbours), to read GFLOP/s off timings. The
    /// latent-side half of the first layer is not counted: it is done once per latent, see
    /// [`Self::macs_per_latent`].
    pub fn macs_per_query(&self) -> u64 {
        let mut d_in = 4;
        let mut macs = 0u64;
        for &h in &self.hidden {
            macs += (d_in * h) as u64;
            d_in = h;
        }
        4 * (macs + d_in as u64)
    }

    /// Multiply–accumulates per latent of [`CoordDecoder::prepare`] (the first layer's 3×3
    /// convolution of the latent grid).
    pub fn macs_per_latent(&self, channels: usize) -> u64 {
        (9 * channels * self.hidden.first().copied().unwrap_or(1)) as u64
    }

    /// What a query cost before the first layer was split (the whole 9C + 4 input per
    /// neighbour), for comparisons in benchmarks.
    pub fn macs_per_query_unsplit(&self, channels: usize) -> u64 {
        self.macs_per_query() + 4 * self.macs_per_latent(channels)
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

    /// The plan on the device: neighbour indices `[4n]`, inputs `[4n, 4]`, weights `[4, n]`.
    fn upload(&self, device: &Device) -> (Tensor<1, Int>, Tensor<2>, Tensor<2>) {
        let n = self.n;
        (
            Tensor::from_data(TensorData::new(self.index.clone(), [4 * n]), device),
            Tensor::from_data(TensorData::new(self.inputs.clone(), [4 * n, 4]), device),
            Tensor::from_data(TensorData::new(self.weights.clone(), [4, n]), device),
        )
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

    /// The latent-side half of the first layer, once per encoding: `[B, C, h, w]` latents →
    /// `[B·h·w, H]` rows, where row `i` is `W_f · unfold₃ₓ₃(latents)[i] + b` (zero padding at the
    /// grid's borders, as the unfold had; the first layer's bias folded in, so queries need not
    /// add it). Computed as the 3×3 convolution it is.
    pub fn prepare(&self, latents: Tensor<4>) -> Tensor<2> {
        let [b, c, h, w] = latents.dims();
        let first = self.first();
        let [_, hidden] = first.weight.dims();
        // Unfold order is (dy, dx, channel): input row (dy·3 + dx)·C + c of the first layer.
        let kernel = first.weight.val().narrow(0, 0, 9 * c).reshape([3, 3, c, hidden]).permute([3, 2, 0, 1]);
        let bias = first.bias.as_ref().map(|b| b.val()).unwrap_or_else(|| Tensor::zeros([hidden], &latents.device()));
        conv3x3(latents, kernel, bias).permute([0, 2, 3, 1]).reshape([b * h * w, hidden])
    }

    /// Decode the queries of `plan` from prepared rows: `[n]` intensities (residual over the
    /// bilinear skip, which the caller adds).
    pub fn query(&self, rows: Tensor<2>, plan: &QueryPlan) -> Tensor<1> {
        let (index, extra, weights) = plan.upload(&rows.device());
        let first = self.first();
        let [d_in, _] = first.weight.dims();
        // The query-side half of the first layer: rel and cell through its last 4 input rows.
        let w_extra = first.weight.val().narrow(0, d_in - 4, 4);
        self.rest(relu(rows.select(0, index) + extra.matmul(w_extra)), 1, weights)
    }

    /// The reference: the decoder as LIIF writes it. [`Self::unfold`] once per encoding, then per
    /// query the whole MLP on `[features, rel, cell]` for each neighbour. The split path of
    /// [`Self::prepare`] and [`Self::query`] must equal it (tested); `coordsr bench` times both
    /// side by side.
    pub fn query_unfolded(&self, unfolded: Tensor<2>, plan: &QueryPlan) -> Tensor<1> {
        let (index, extra, weights) = plan.upload(&unfolded.device());
        self.rest(Tensor::cat(vec![unfolded.select(0, index), extra], 1), 0, weights)
    }

    /// 3×3 neighbourhoods unfolded into channels (zero padding at the borders), flattened to
    /// `[B·h·w, 9C]`: the reference decoder's per-latent features.
    pub fn unfold(latents: Tensor<4>) -> Tensor<2> {
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

    /// Hidden layers from `from` on, the output layer, and the area-weighted blend of the four
    /// neighbours (`weights`: `[4, n]`).
    fn rest(&self, mut x: Tensor<2>, from: usize, weights: Tensor<2>) -> Tensor<1> {
        let [_, n] = weights.dims();
        for layer in &self.layers[from..] {
            x = relu(layer.forward(x));
        }
        let pred = self.out.forward(x).reshape([4, n]);
        (pred * weights).sum_dim(0).reshape([n])
    }

    /// First layer, the hidden layers after it, the output layer: for the host kernel.
    pub(crate) fn parts(&self) -> (&Linear, &[Linear], &Linear) {
        (self.first(), &self.layers[1..], &self.out)
    }

    /// Width of the first hidden layer: the width of [`Self::prepare`]'s rows.
    pub fn hidden(&self) -> usize {
        self.first().weight.dims()[1]
    }

    fn first(&self) -> &Linear {
        self.layers.first().expect("a coordinate decoder has at least one hidden layer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::Trained;
    use crate::phantom::shepp_logan;

    #[test]
    fn split_first_layer_equals_the_unfolded_mlp_on_the_shipped_weights() {
        let device = Device::flex();
        let t = Trained::bundled("coord", &device).unwrap();
        let dec = t.model.coord.as_ref().unwrap();
        // Two slices of odd sizes in one batch; queries everywhere, borders included, at several cells.
        let (w, h) = (23, 17);
        let lr: Vec<f32> = [shepp_logan(w, h), shepp_logan(w, h).map(|v| 1.0 - v)].iter().flat_map(|i| i.data.clone()).collect();
        let latents = t.model.encoder.forward(Tensor::<4>::from_data(TensorData::new(lr, [2, 1, h, w]), &device));
        let mut coords = Vec::new();
        let mut batch = Vec::new();
        for k in 0..600 {
            let (x, y) = ((k * 37 % 1000) as f32 / 1000.0 * (w as f32 + 1.0) - 1.0, (k * 61 % 1000) as f32 / 1000.0 * (h as f32 + 1.0) - 1.0);
            coords.push([x, y]);
            batch.push(k % 2);
        }
        for cell in [[1.0, 1.0], [0.5, 0.5], [0.4, 0.7]] {
            let plan = QueryPlan::build(&coords, &batch, w, h, &[dec.clip_cell(cell)]);
            let want: Vec<f32> = dec.query_unfolded(CoordDecoder::unfold(latents.clone()), &plan).into_data().try_into_vec().unwrap();
            let got: Vec<f32> = dec.query(dec.prepare(latents.clone()), &plan).into_data().try_into_vec().unwrap();
            let scale = want.iter().fold(0f32, |a, v| a.max(v.abs())).max(1e-3);
            for (q, (a, b)) in want.iter().zip(&got).enumerate() {
                assert!((a - b).abs() <= 1e-5 * scale, "query {q} {:?}: unfolded {a}, split {b}", coords[q]);
            }
        }
    }

    #[test]
    fn a_silent_decoder_returns_its_skip_exactly() {
        // With the output layer at zero the model is its skip: zero-fill, on any grid, in scanner
        // units, on the host path and through blocks alike. What every residual starts from.
        let device = Device::flex();
        let mut t = Trained::bundled("coord", &device).unwrap();
        t.model.skip = crate::skip::Skip::Zerofill;
        let dec = t.model.coord.as_mut().unwrap();
        let [d, o] = dec.out.weight.dims();
        dec.out.weight = burn::module::Param::from_tensor(Tensor::zeros([d, o], &device));
        dec.out.bias = dec.out.bias.take().map(|b| burn::module::Param::from_tensor(b.val().zeros_like()));
        let lr = shepp_logan(33, 26).map(|v| 500.0 * v + 40.0);
        for (sx, sy) in [(2.0, 2.0), (1.5, 3.25)] {
            let grid = crate::geometry::Grid::upscaled(33, 26, sx, sy);
            let got = t.model.upscale(&lr, &grid, &device);
            let want = crate::interp::zerofill(&lr, &grid);
            let worst = got.data.iter().zip(&want.data).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(worst < 540.0 * 1e-5, "{sx}×{sy}: max |Δ| {worst}");
        }
    }
}
