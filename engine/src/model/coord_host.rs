//! The coordinate decoder's queries on a CPU, fused: gather, the MLP and the area-weighted blend
//! in cache-sized blocks of queries, one pass each.
//!
//! Why not burn's ops on the flex device: op by op, every query chunk streams its whole
//! `[4n, 128]` activations through memory once per op (gather, add, bias, ReLU, matmul, …), and the
//! measured decoder then ran at a third of flex's matmul speed. Here a block of queries stays in
//! cache from the gather to the blend, and the three matmuls per block go to `gemm`, the kernel
//! flex itself uses. Same weights and maths as [`CoordDecoder::query`] (tested to 1e-5); used for
//! the flex (CPU) device natively and in the browser's CPU tier, in parallel over blocks where rayon
//! has threads.

use super::coord::{CoordDecoder, QueryPlan};
use rayon::prelude::*;

/// Queries per block: 4 neighbours × 64 queries × 128 hidden floats = 128 KiB per activation
/// buffer, two buffers in flight: inside a core's L2.
const BLOCK: usize = 64;

struct Layer {
    /// `[d_in, d_out]`, row-major (burn's `Linear` layout).
    weight: Vec<f32>,
    bias: Vec<f32>,
    d_in: usize,
    d_out: usize,
}

/// The query-side weights of a [`CoordDecoder`] on the host.
pub struct HostDecoder {
    /// First layer's rel/cell rows `[4, H1]` (its latent rows are in the prepared rows, bias included).
    extra: Vec<f32>,
    first_width: usize,
    /// Hidden layers after the first.
    layers: Vec<Layer>,
    out_weight: Vec<f32>,
    out_bias: f32,
}

fn host(t: burn::tensor::Tensor<2>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec().expect("f32 parameters")
}

/// `dst += lhs · rhs` for row-major `dst` `[m, n]`, `lhs` `[m, k]`, `rhs` `[k, n]`, on this thread
/// (callers parallelise over blocks): the one `gemm` call of the host kernels.
pub(crate) fn matmul_acc(dst: &mut [f32], lhs: &[f32], rhs: &[f32], m: usize, n: usize, k: usize) {
    assert!(dst.len() == m * n && lhs.len() == m * k && rhs.len() == k * n, "matmul_acc: [{m}, {n}] += [{m}, {k}] · [{k}, {n}]");
    // SAFETY: the three buffers are row-major with the strides given, and their lengths were
    // checked just above.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            true,
            lhs.as_ptr(),
            1,
            k as isize,
            rhs.as_ptr(),
            1,
            n as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

impl HostDecoder {
    /// Read the decoder's parameters to the host. Reads tensors synchronously: CPU devices only.
    pub fn new(dec: &CoordDecoder) -> Self {
        let (first, rest, out) = dec.parts();
        let [d_in, first_width] = first.weight.dims();
        let layers = rest
            .iter()
            .map(|l| {
                let [d_in, d_out] = l.weight.dims();
                let bias = l.bias.as_ref().map(|b| host(b.val().unsqueeze_dim(0))).unwrap_or_else(|| vec![0.0; d_out]);
                Layer { weight: host(l.weight.val()), bias, d_in, d_out }
            })
            .collect();
        let out_bias = out.bias.as_ref().map(|b| host(b.val().unsqueeze_dim(0))[0]).unwrap_or(0.0);
        Self {
            extra: host(first.weight.val().narrow(0, d_in - 4, 4)),
            first_width,
            layers,
            out_weight: host(out.weight.val()),
            out_bias,
        }
    }

    /// Decode `plan` from prepared `rows` (`[latents, H1]` row-major, as
    /// [`CoordDecoder::prepare`] returns them): `[n]` intensities, residual over the skip.
    pub fn decode(&self, rows: &[f32], plan: &QueryPlan) -> Vec<f32> {
        let mut out = vec![0.0; plan.n];
        out.par_chunks_mut(BLOCK).enumerate().for_each_init(
            || (Vec::new(), Vec::new()),
            |(a, b), (block, out)| self.block(rows, plan, block * BLOCK, out, a, b),
        );
        out
    }

    /// Queries `q0 .. q0 + out.len()` of `plan`, with two scratch buffers.
    ///
    /// Only neighbours with a non-zero area weight are decoded: a query on a latent column or row
    /// (every query of a through-plane reformat, whose in-plane axis is not resampled; every
    /// other query at even integer scales) has two or one, and a zero weight would only multiply
    /// a prediction by 0 (adding 0 leaves a float sum exactly as it was).
    fn block(&self, rows: &[f32], plan: &QueryPlan, q0: usize, out: &mut [f32], a: &mut Vec<f32>, b: &mut Vec<f32>) {
        let (n, nq, h1) = (plan.n, out.len(), self.first_width);
        let live: Vec<(usize, usize)> =
            (0..4).flat_map(|k| (0..nq).map(move |qi| (k, qi))).filter(|&(k, qi)| plan.weights[k * n + q0 + qi] != 0.0).collect();
        let r = live.len();
        // First layer: gathered latent rows (bias folded in) + rel/cell term, ReLU.
        a.clear();
        a.resize(r * h1, 0.0);
        let e = &self.extra;
        for (i, &(k, qi)) in live.iter().enumerate() {
            let p = k * n + q0 + qi;
            let src = plan.index[p] as usize * h1;
            let x = &plan.inputs[4 * p..4 * p + 4];
            let dst = &mut a[i * h1..][..h1];
            let row = &rows[src..src + h1];
            for j in 0..h1 {
                let v = row[j] + x[0] * e[j] + x[1] * e[h1 + j] + x[2] * e[2 * h1 + j] + x[3] * e[3 * h1 + j];
                dst[j] = v.max(0.0);
            }
        }
        // Hidden layers: bias, then += h · W, then ReLU.
        for l in &self.layers {
            b.clear();
            for _ in 0..r {
                b.extend_from_slice(&l.bias);
            }
            if r > 0 {
                matmul_acc(b, a, &l.weight, r, l.d_out, l.d_in);
            }
            b.iter_mut().for_each(|v| *v = v.max(0.0));
            std::mem::swap(a, b);
        }
        // Output layer and the area-weighted blend of the four neighbours, in neighbour order.
        let width = self.out_weight.len();
        out.fill(0.0);
        for (i, &(k, qi)) in live.iter().enumerate() {
            let h = &a[i * width..][..width];
            let pred = h.iter().zip(&self.out_weight).map(|(x, w)| x * w).sum::<f32>() + self.out_bias;
            out[qi] += plan.weights[k * n + q0 + qi] * pred;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::Trained;
    use crate::phantom::shepp_logan;
    use burn::tensor::{Device, Tensor, TensorData};

    #[test]
    fn host_kernel_equals_burns_ops_on_the_shipped_weights() {
        let device = Device::flex();
        let t = Trained::bundled("coord", &device).unwrap();
        let dec = t.model.coord.as_ref().unwrap();
        let (w, h) = (19, 13);
        let lr = Tensor::<4>::from_data(TensorData::new(shepp_logan(w, h).data, [1, 1, h, w]), &device);
        let rows = dec.prepare(t.model.encoder.forward(lr));
        let host_rows: Vec<f32> = rows.clone().into_data().try_into_vec().unwrap();
        let kernel = HostDecoder::new(dec);
        // Not a multiple of the block, so the last block is partial; borders and outside included.
        let n = 3 * BLOCK + 17;
        let coords: Vec<[f32; 2]> =
            (0..n).map(|k| [(k * 37 % 211) as f32 / 211.0 * (w as f32 + 1.0) - 1.0, (k * 53 % 193) as f32 / 193.0 * (h as f32 + 1.0) - 1.0]).collect();
        // Queries on latent columns and rows too (zero weights skipped), as a reformat's are.
        let mut coords = coords;
        coords.extend((0..40).map(|k| [(k % w) as f32, (k * 7 % 50) as f32 / 50.0 * h as f32]));
        coords.extend((0..40).map(|k| [(k * 11 % 50) as f32 / 50.0 * w as f32, (k % h) as f32]));
        coords.push([3.0, 4.0]);
        let n = coords.len();
        for cell in [[1.0, 1.0], [0.5, 0.5], [0.3, 0.8], [1.0, 0.25]] {
            let plan = QueryPlan::build(&coords, &vec![0; n], w, h, &[dec.clip_cell(cell)]);
            let want: Vec<f32> = dec.query(rows.clone(), &plan).into_data().try_into_vec().unwrap();
            let got = kernel.decode(&host_rows, &plan);
            let scale = want.iter().fold(0f32, |a, v| a.max(v.abs())).max(1e-3);
            for (q, (a, b)) in want.iter().zip(&got).enumerate() {
                assert!((a - b).abs() <= 1e-5 * scale, "query {q}: burn {a}, host kernel {b}");
            }
        }
    }
}
