//! What the decoders add their output to: the interpolant they predict a residual over.
//!
//! Under k-space truncation the matched linear reconstruction is zero-fill, the band-limited
//! (sinc) interpolant of the acquired samples: a model that predicts a residual over it starts at
//! the scanner's own image and only has to learn the missing band. Short runs favoured it
//! (calibrated with a PyTorch LIIF of our sizes: +.011 VIF at 1.5× at 2000 steps; issue 14), but
//! trained to convergence under one schedule the coordinate decoder over **bilinear** validated
//! ahead at every cycle (0.6546 vs 0.6463, λ = 10, 1–2×; RESULTS.md). Why is not measured; a
//! plausible reason: zero-fill's ringing is a non-local error the residual must cancel from a
//! local receptive field, where bilinear's error stays next to the edge that causes it.
//! So coord defaults to bilinear and conv (not ablated) to zero-fill ([`crate::model::ModelConfig`]);
//! files without a `skip` field were trained over bilinear, which is what they read as.
//!
//! Zero-fill is evaluated here at **any** low-res coordinate, not only on an integer-scale grid:
//! the inverse DFT of the centred band, with the Nyquist bin of an even length split between `±n/2`
//! exactly as [`crate::kspace`] does, is `Σⱼ xⱼ · D(t − j)` per axis with the periodic Dirichlet
//! kernel `D(u) = sin(πu) / (n·sin(πu/n))` (odd `n`) or `sin(πu) / (n·tan(πu/n))` (even `n`). So on
//! a reference grid it equals [`crate::interp::zerofill`] (tested), and for a viewer's zoom, a block
//! or a training window it is the same function. Unlike bilinear it is global: every output reads
//! the whole slice, which is why callers pass the whole (normalised) slice, never a block's crop.

use crate::image::Image;
use serde::{Deserialize, Serialize};

/// The interpolant a model's output is a residual over (stored in its weights' configuration).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Skip {
    /// Bilinear over the four nearest samples (the LIIF ensemble's weights): local; the
    /// coordinate decoder's default (it validated ahead). What files without a `skip` field
    /// were trained with.
    #[default]
    Bilinear,
    /// Zero-fill: the band-limited interpolant, exactly the scanner's own image at any scale.
    Zerofill,
}

impl Skip {
    pub fn name(&self) -> &'static str {
        match self {
            Skip::Bilinear => "bilinear",
            Skip::Zerofill => "zerofill",
        }
    }
}

impl std::str::FromStr for Skip {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "bilinear" => Ok(Skip::Bilinear),
            "zerofill" => Ok(Skip::Zerofill),
            _ => Err(format!("unknown skip '{s}' (zerofill or bilinear)")),
        }
    }
}

/// The periodic Dirichlet kernel of length `n` at offset `u` (low-res samples): the weight of
/// sample `j` in the zero-fill value at `j + u`. 1 at `u ≡ 0`, 0 at the other integers.
pub fn dirichlet(n: usize, u: f64) -> f64 {
    use std::f64::consts::PI;
    let nf = n as f64;
    // Reduce to (−n/2, n/2]: the kernel has period n.
    let u = u - nf * (u / nf).round();
    dirichlet_reduced(n, u, (PI * u).sin())
}

/// [`dirichlet`] at an offset already reduced to (−n/2, n/2], with its numerator `sin(πu)` given:
/// along a kernel row it is `±sin(πt)`, one sine per row instead of one per entry.
fn dirichlet_reduced(n: usize, u: f64, sin_pi_u: f64) -> f64 {
    use std::f64::consts::PI;
    let nf = n as f64;
    let (s, c) = (PI * u / nf).sin_cos();
    if s.abs() < 1e-9 {
        return 1.0;
    }
    if n % 2 == 1 { sin_pi_u / (nf * s) } else { sin_pi_u * c / (nf * s) }
}

/// Kernel rows for the distinct coordinates `ts` along an axis of `n` samples: `[ts.len(), n]`.
/// The training loader builds 64 of these per patch, so the numerator is shared along the row:
/// with `u = t − j − n·r` (reduced), `sin(πu) = sin(πt)·(−1)^(j + n·r)`.
fn kernel_rows(ts: &[f32], n: usize) -> Vec<f32> {
    let nf = n as f64;
    let mut k = Vec::with_capacity(ts.len() * n);
    for &t in ts {
        let t = t as f64;
        let sin_pi_t = (std::f64::consts::PI * t).sin();
        k.extend((0..n).map(|j| {
            let r = ((t - j as f64) / nf).round();
            let u = (t - j as f64) - nf * r;
            let odd = (j as i64 + n as i64 * r as i64) & 1 == 1;
            dirichlet_reduced(n, u, if odd { -sin_pi_t } else { sin_pi_t }) as f32
        }));
    }
    k
}

/// The distinct values of one coordinate, and each query's index into them.
fn distinct(values: impl Iterator<Item = f32>) -> (Vec<f32>, Vec<usize>) {
    let mut seen = std::collections::HashMap::new();
    let (mut uniq, mut index) = (Vec::new(), Vec::new());
    for v in values {
        let i = *seen.entry(v.to_bits()).or_insert_with(|| {
            uniq.push(v);
            uniq.len() - 1
        });
        index.push(i);
    }
    (uniq, index)
}

/// Zero-fill of `slice` at low-res coordinates `coords` (any real values; the interpolant is
/// periodic, as the DFT is).
///
/// Separable: with `Y` the distinct y and `X` the distinct x of the queries, the rows
/// `R = K_Y · slice` (`|Y|·h·w` multiply-adds) are formed once, then each query is a dot product
/// of its row of `R` with its x-kernel row (`w` each). The queries of a view, a block's band or a
/// grid are a lattice, so `|Y|` is their row count: for a 1024² view of a 512² slice, ~2 % of the
/// coordinate decoder's own cost per query.
pub fn zerofill_at(slice: &Image, coords: &[[f32; 2]]) -> Vec<f32> {
    let (w, h) = (slice.width, slice.height);
    if coords.is_empty() {
        return Vec::new();
    }
    let (ys, yi) = distinct(coords.iter().map(|c| c[1]));
    let (xs, xi) = distinct(coords.iter().map(|c| c[0]));
    let ky = kernel_rows(&ys, h);
    let kx = kernel_rows(&xs, w);
    // R[y] = Σ_l K_Y[y, l] · slice[l, ·]: axpy over contiguous rows.
    let mut r = vec![0f32; ys.len() * w];
    for (y, out) in r.chunks_exact_mut(w).enumerate() {
        for (l, row) in slice.data.chunks_exact(w).enumerate() {
            let k = ky[y * h + l];
            out.iter_mut().zip(row).for_each(|(o, v)| *o += k * v);
        }
    }
    coords
        .iter()
        .enumerate()
        .map(|(q, _)| {
            let (row, k) = (&r[yi[q] * w..(yi[q] + 1) * w], &kx[xi[q] * w..(xi[q] + 1) * w]);
            row.iter().zip(k).map(|(a, b)| a * b).sum()
        })
        .collect()
}

/// Values of the skip `kind` at slice coordinates: zero-fill reads the whole slice; bilinear the
/// four nearest samples (clamped at the edges, as the decoder's ensemble is).
pub fn skip_at(kind: Skip, slice: &Image, coords: &[[f32; 2]]) -> Vec<f32> {
    match kind {
        Skip::Zerofill => zerofill_at(slice, coords),
        Skip::Bilinear => coords.iter().map(|&c| crate::geometry::blend(c, slice.width, slice.height, &slice.data)).collect(),
    }
}

/// `slice` on the ×2 grid of the rectangle `[x0, x0 + w) × [y0, y0 + h)`: output pixel `(i, j)`
/// at slice coordinate `(x0 + i/2, y0 + j/2)`, row-major `2w × 2h` (the conv decoder's skip).
pub fn skip_x2(kind: Skip, slice: &Image, x0: usize, y0: usize, w: usize, h: usize) -> Vec<f32> {
    let mut coords = Vec::with_capacity(4 * w * h);
    for j in 0..2 * h {
        for i in 0..2 * w {
            coords.push([x0 as f32 + i as f32 / 2.0, y0 as f32 + j as f32 / 2.0]);
        }
    }
    skip_at(kind, slice, &coords)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Grid;
    use crate::interp;
    use crate::phantom::shepp_logan;

    fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()))
    }

    #[test]
    fn equals_kspace_zero_fill_on_reference_grids() {
        // Odd and even lengths on both axes, integer, real and anisotropic scales.
        for (w, h, sx, sy) in [(24, 17, 2.0, 2.0), (23, 30, 1.5, 2.5), (16, 16, 3.0, 1.0), (31, 9, 1.37, 4.0)] {
            let lr = shepp_logan(w, h).map(|v| v + 0.1);
            let grid = Grid::upscaled(w, h, sx, sy);
            let want = interp::zerofill(&lr, &grid);
            let got = zerofill_at(&lr, &grid.hr_coords());
            let err = max_abs_diff(&want.data, &got);
            assert!(err < 2e-5, "{w}×{h} at {sx}×{sy}: max |Δ| {err}");
        }
    }

    #[test]
    fn kernel_rows_are_the_dirichlet_kernel() {
        // Odd and even lengths; offsets negative, beyond the period, at and next to samples.
        for n in [7, 8, 31, 256] {
            let ts = [-3.7f32, -0.5, 0.0, 0.25, 2.0, 2.000_01, 5.5, n as f32 - 0.5, n as f32 + 1.3, 3.0 * n as f32 + 0.1];
            let rows = kernel_rows(&ts, n);
            for (i, &t) in ts.iter().enumerate() {
                for j in 0..n {
                    let want = dirichlet(n, t as f64 - j as f64) as f32;
                    assert!((rows[i * n + j] - want).abs() < 1e-6, "n {n}, t {t}, j {j}: {} vs {want}", rows[i * n + j]);
                }
            }
        }
    }

    #[test]
    fn interpolates_the_samples_and_is_periodic() {
        let lr = shepp_logan(12, 11);
        let at_samples: Vec<[f32; 2]> = (0..11).flat_map(|y| (0..12).map(move |x| [x as f32, y as f32])).collect();
        assert!(max_abs_diff(&zerofill_at(&lr, &at_samples), &lr.data) < 1e-5);
        let a = zerofill_at(&lr, &[[-0.25, 3.5], [2.3, -0.4]]);
        let b = zerofill_at(&lr, &[[11.75, 3.5], [2.3, 10.6]]);
        assert!(max_abs_diff(&a, &b) < 1e-5, "{a:?} vs {b:?}");
    }

    #[test]
    fn scattered_queries_equal_lattice_queries() {
        // The same coordinates asked alone or as part of a lattice give the same values.
        let lr = shepp_logan(20, 14);
        let lattice: Vec<[f32; 2]> = (0..9).flat_map(|y| (0..7).map(move |x| [x as f32 * 2.7 - 0.3, y as f32 * 1.55])).collect();
        let all = zerofill_at(&lr, &lattice);
        for (q, c) in lattice.iter().enumerate().step_by(5) {
            let one = zerofill_at(&lr, &[*c]);
            assert!((one[0] - all[q]).abs() < 1e-5);
        }
    }

    #[test]
    fn x2_grid_of_a_rectangle_is_the_slices_x2_zero_fill_cropped() {
        let lr = shepp_logan(19, 22);
        let full = kspace_x2(&lr);
        let (x0, y0, w, h) = (5, 3, 7, 9);
        let got = skip_x2(Skip::Zerofill, &lr, x0, y0, w, h);
        let want: Vec<f32> = (0..2 * h).flat_map(|j| (0..2 * w).map(move |i| (i, j))).map(|(i, j)| full.get(2 * x0 + i, 2 * y0 + j)).collect();
        assert!(max_abs_diff(&want, &got) < 2e-5);
    }

    fn kspace_x2(lr: &Image) -> Image {
        interp::zerofill(lr, &Grid::upscaled(lr.width, lr.height, 2.0, 2.0))
    }

    #[test]
    fn names_round_trip_and_old_files_read_as_bilinear() {
        for s in [Skip::Bilinear, Skip::Zerofill] {
            assert_eq!(s.name().parse::<Skip>().unwrap(), s);
        }
        assert!("sinc".parse::<Skip>().is_err());
        assert_eq!(Skip::default(), Skip::Bilinear);
    }
}
