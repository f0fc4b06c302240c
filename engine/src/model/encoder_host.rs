//! The encoder and the decoder's latent-side first layer on a CPU, as one host kernel: every 3×3
//! convolution a `gemm` over an im2col'd image row, channels last.
//!
//! Why not burn's ops on the flex device: measured on this machine, flex ran the encoder's
//! 32-channel convolutions at 15–26 GFLOP/s where `gemm` (the matmul flex itself calls) reaches
//! ~190 on the decoder's blocks. A through-plane volume is almost all encoding (every coronal and
//! sagittal plane), and the viewer's first frame waits for an encoding too. Here each output row is
//! one `[width, 9·Cin] · [9·Cin, Cout]` product whose operands stay in cache, rows in parallel
//! where rayon has threads. Same weights and maths as [`Encoder::forward`] followed by
//! [`CoordDecoder::prepare`] (tested equal within float rounding).

use super::coord::CoordDecoder;
use super::encoder::Encoder;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;
use rayon::prelude::*;

/// Output pixels per matrix product: rows are grouped into bands of about this many pixels, so
/// that the packed weights are reused across several image rows (and the im2col buffer, 1,024 ×
/// 288 floats for 32 channels, stays in L2).
const BAND_PIXELS: usize = 1024;

/// One 3×3 convolution: weights `[(dy·3 + dx)·Cin + ci, Cout]` row-major, bias `[Cout]`.
struct Conv {
    weight: Vec<f32>,
    bias: Vec<f32>,
    cin: usize,
    cout: usize,
}

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec().expect("f32 parameters")
}

impl Conv {
    /// From burn's `[Cout, Cin, 3, 3]` layout.
    fn of(layer: &Conv2d) -> Conv {
        let [cout, cin, kh, kw] = layer.weight.dims();
        assert!(kh == 3 && kw == 3, "the encoder's convolutions are 3×3");
        let w = host(layer.weight.val());
        let mut weight = vec![0.0; 9 * cin * cout];
        for co in 0..cout {
            for ci in 0..cin {
                for k in 0..9 {
                    weight[(k * cin + ci) * cout + co] = w[(co * cin + ci) * 9 + k];
                }
            }
        }
        let bias = layer.bias.as_ref().map(|b| host(b.val())).unwrap_or_else(|| vec![0.0; cout]);
        Conv { weight, bias, cin, cout }
    }

    /// `x` (`h × w × Cin`, channels last) → `h × w × Cout`, zero padding 1.
    fn apply(&self, x: &[f32], w: usize, h: usize) -> Vec<f32> {
        let (cin, cout, k) = (self.cin, self.cout, 9 * self.cin);
        assert_eq!(x.len(), w * h * cin);
        let mut out = vec![0.0; w * h * cout];
        // Bands of rows, about `BAND_PIXELS` output pixels each: one product per band.
        let band = (BAND_PIXELS / w.max(1)).clamp(1, h.max(1));
        out.par_chunks_mut(band * w * cout).enumerate().for_each_init(Vec::new, |col: &mut Vec<f32>, (b, rows)| {
            let y0 = b * band;
            let m = rows.len() / cout;
            // im2col: col[p][(dy·3 + dx)·Cin + ci] = x[y + dy − 1][x + dx − 1][ci] for output pixel p = (y − y0)·w + x.
            col.clear();
            col.resize(m * k, 0.0);
            for (r, y) in (y0..y0 + m / w).enumerate() {
                for dy in 0..3 {
                    let Some(sy) = (y + dy).checked_sub(1).filter(|&sy| sy < h) else { continue };
                    let src = &x[sy * w * cin..(sy + 1) * w * cin];
                    for dx in 0..3 {
                        let off = (dy * 3 + dx) * cin;
                        // Output columns whose input column x + dx − 1 is inside the image.
                        let (x0, x1) = (1usize.saturating_sub(dx), (w + 1 - dx).min(w));
                        for xo in x0..x1 {
                            let xi = xo + dx - 1;
                            let p = r * w + xo;
                            col[p * k + off..p * k + off + cin].copy_from_slice(&src[xi * cin..(xi + 1) * cin]);
                        }
                    }
                }
            }
            for px in rows.chunks_exact_mut(cout) {
                px.copy_from_slice(&self.bias);
            }
            super::coord_host::matmul_acc(rows, col, &self.weight, m, cout, k);
        });
        out
    }
}

/// The encoder and the latent-side first layer of a coord decoder, on the host.
pub struct HostEncoder {
    head: Conv,
    body: Vec<(Conv, Conv, f32)>,
    tail: Conv,
    /// The decoder's first layer as a 3×3 convolution of the latents (bias folded in).
    prepare: Conv,
}

impl HostEncoder {
    /// Read the parameters to the host. Reads tensors synchronously: CPU devices only.
    pub fn new(encoder: &Encoder, decoder: &CoordDecoder) -> Self {
        let (head, body, tail) = encoder.parts();
        let (first, _, _) = decoder.parts();
        let [_, hidden] = first.weight.dims();
        let c = tail.weight.dims()[0];
        let bias = first.bias.as_ref().map(|b| host(b.val())).unwrap_or_else(|| vec![0.0; hidden]);
        // Rows (dy·3 + dx)·C + c of the first layer are the unfolded latents: already this layout.
        let weight = host(first.weight.val().narrow(0, 0, 9 * c));
        Self {
            head: Conv::of(head),
            body: body.into_iter().map(|(a, b, s)| (Conv::of(a), Conv::of(b), s)).collect(),
            tail: Conv::of(tail),
            prepare: Conv { weight, bias, cin: c, cout: hidden },
        }
    }

    /// A normalised `w × h` image → the prepared rows `[h·w, hidden]` row-major: what
    /// `decoder.prepare(encoder.forward(image))` returns.
    pub fn rows(&self, image: &[f32], w: usize, h: usize) -> Vec<f32> {
        let x = self.head.apply(image, w, h);
        let mut y = x.clone();
        for (a, b, scale) in &self.body {
            let mut t = a.apply(&y, w, h);
            t.iter_mut().for_each(|v| *v = v.max(0.0));
            let t = b.apply(&t, w, h);
            y.iter_mut().zip(&t).for_each(|(y, t)| *y += if *scale == 1.0 { *t } else { scale * t });
        }
        let mut z = self.tail.apply(&y, w, h);
        z.iter_mut().zip(&x).for_each(|(z, x)| *z += x);
        self.prepare.apply(&z, w, h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::Trained;
    use crate::phantom::shepp_logan;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn host_encoder_equals_burns_ops_on_the_shipped_weights() {
        let device = Device::flex();
        let t = Trained::bundled("coord", &device).unwrap();
        let dec = t.model.coord.as_ref().unwrap();
        let kernel = HostEncoder::new(&t.model.encoder, dec);
        // Odd sizes, a one-row image and a one-column one (every border case of the im2col).
        for (w, h) in [(19, 13), (7, 1), (1, 6), (40, 33)] {
            let img = shepp_logan(w.max(2), h.max(2)).crop(0, 0, w, h).map(|v| v * 1.3 + 0.1);
            let lr = Tensor::<4>::from_data(TensorData::new(img.data.clone(), [1, 1, h, w]), &device);
            let want: Vec<f32> = dec.prepare(t.model.encoder.forward(lr)).into_data().try_into_vec().unwrap();
            let got = kernel.rows(&img.data, w, h);
            assert_eq!(want.len(), got.len());
            let scale = want.iter().fold(0f32, |a, v| a.max(v.abs())).max(1e-3);
            let worst = want.iter().zip(&got).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst <= 2e-5 * scale, "{w}×{h}: worst difference {worst} of {scale}");
        }
    }
}
