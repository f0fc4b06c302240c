//! Where low-resolution samples sit: the one sampling convention every method shares.
//!
//! A scanner that acquires `n` samples of a field of view that the reference grid covers with
//! `N` samples measures the central band of the same k-space, and the inverse DFT puts low-res
//! sample `j` at reference position `j · N / n` — a corner-aligned, periodic grid, **not** the
//! pixel-centre alignment (`(j + ½)·N/n − ½`) of image-processing resize routines. Mixing the two
//! costs a bicubic baseline ~3 dB at 1.5–3× from the half-pixel shift alone, and a learned model
//! trained on such data silently learns the shift, inflating every margin over the baseline.
//!
//! So the degradation decides the geometry once ([`Grid`]), and bicubic, zero-fill, the
//! coordinate decoder's queries, the conv decoder's output grid and the affine `upscale` writes
//! all read it from here. Coordinates are in **low-res sample units**: sample `j` is at `j`.

use serde::{Deserialize, Serialize};

/// One axis of the geometry: `hr` reference samples cover the same field of view as `lr` samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    pub hr: usize,
    pub lr: usize,
}

impl Axis {
    /// The low-res coordinate of reference sample `i` (may be fractional).
    #[inline]
    pub fn lr_coord(&self, hr_index: f64) -> f64 {
        hr_index * self.lr as f64 / self.hr as f64
    }

    /// The scale factor `hr / lr` along this axis.
    pub fn scale(&self) -> f64 {
        self.hr as f64 / self.lr as f64
    }
}

/// The geometry between a low-res grid and a high-res grid over the same field of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    pub x: Axis,
    pub y: Axis,
}

impl Grid {
    /// The low-res grid a scanner acquiring at `1/scale` of the reference resolution produces:
    /// `round(N / s)` samples per axis (at least 1).
    pub fn downscaled(hr_width: usize, hr_height: usize, scale_x: f64, scale_y: f64) -> Grid {
        let lr = |n: usize, s: f64| ((n as f64 / s).round() as usize).max(1);
        Grid {
            x: Axis { hr: hr_width, lr: lr(hr_width, scale_x) },
            y: Axis { hr: hr_height, lr: lr(hr_height, scale_y) },
        }
    }

    /// The high-res grid of an upscale by `scale` from an acquired low-res grid: `round(n · s)`.
    pub fn upscaled(lr_width: usize, lr_height: usize, scale_x: f64, scale_y: f64) -> Grid {
        let hr = |n: usize, s: f64| ((n as f64 * s).round() as usize).max(1);
        Grid {
            x: Axis { hr: hr(lr_width, scale_x), lr: lr_width },
            y: Axis { hr: hr(lr_height, scale_y), lr: lr_height },
        }
    }

    /// Low-res coordinates of every reference pixel, row-major, as `(x, y)` pairs.
    pub fn hr_coords(&self) -> Vec<[f32; 2]> {
        self.window_coords(0, 0, self.x.hr, self.y.hr)
    }

    /// Low-res coordinates of the reference pixels in a window (row-major).
    pub fn window_coords(&self, x0: usize, y0: usize, w: usize, h: usize) -> Vec<[f32; 2]> {
        let mut out = Vec::with_capacity(w * h);
        for y in y0..y0 + h {
            let cy = self.y.lr_coord(y as f64) as f32;
            for x in x0..x0 + w {
                out.push([self.x.lr_coord(x as f64) as f32, cy]);
            }
        }
        out
    }

    /// The size of one reference pixel in low-res units (`1/scale` per axis): the LIIF "cell".
    pub fn cell(&self) -> [f32; 2] {
        [(1.0 / self.x.scale()) as f32, (1.0 / self.y.scale()) as f32]
    }

    /// The voxel-to-world affine of the reference grid, given the low-res grid's affine: the
    /// in-plane columns shrink by the scale, and the origin stays put because sample 0 of both
    /// grids is the same point.
    pub fn upscaled_affine(&self, lr_affine: &[[f64; 4]; 4]) -> [[f64; 4]; 4] {
        let mut a = *lr_affine;
        let (sx, sy) = (self.x.scale(), self.y.scale());
        for row in a.iter_mut().take(3) {
            row[0] /= sx;
            row[1] /= sy;
        }
        a
    }
}

/// The four latents around a query and their area weights: LIIF's local ensemble.
///
/// Latent `(i, j)` sits at low-res coordinate `(i, j)`. A query at `t` takes the latents at
/// `floor(t)` and `floor(t) + 1` per axis (clamped at the far edge, where the periodic DFT grid
/// meets the finite feature map); each neighbour's weight is the area of the rectangle spanned by
/// the query and the *opposite* neighbour, so the four weights sum to 1 and reduce to bilinear
/// weights, and the prediction is continuous across cell borders.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbour {
    /// Flat latent index `y * width + x`.
    pub index: usize,
    /// Query minus latent position, in low-res units.
    pub rel: [f32; 2],
    pub weight: f32,
}

/// The ensemble of one query over a `width × height` latent grid.
pub fn ensemble(coord: [f32; 2], width: usize, height: usize) -> [Neighbour; 4] {
    let clamp_axis = |t: f32, n: usize| t.clamp(0.0, (n - 1) as f32);
    let (tx, ty) = (clamp_axis(coord[0], width), clamp_axis(coord[1], height));
    let (x0, y0) = (tx.floor() as usize, ty.floor() as usize);
    let (fx, fy) = (tx - x0 as f32, ty - y0 as f32);
    let x1 = (x0 + 1).min(width - 1);
    let y1 = (y0 + 1).min(height - 1);
    let corner = |xi: usize, yi: usize, wx: f32, wy: f32| Neighbour {
        index: yi * width + xi,
        rel: [coord[0] - xi as f32, coord[1] - yi as f32],
        weight: wx * wy,
    };
    [
        corner(x0, y0, 1.0 - fx, 1.0 - fy),
        corner(x1, y0, fx, 1.0 - fy),
        corner(x0, y1, 1.0 - fx, fy),
        corner(x1, y1, fx, fy),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dft_grid_positions() {
        let g = Grid::downscaled(300, 200, 1.5, 2.0);
        assert_eq!((g.x.lr, g.y.lr), (200, 100));
        // Low-res sample j sits at reference index j·N/n: reference pixel 3 is low-res 2.
        assert!((g.x.lr_coord(3.0) - 2.0).abs() < 1e-12);
        assert!((g.y.lr_coord(4.0) - 2.0).abs() < 1e-12);
        assert_eq!(g.hr_coords()[0], [0.0, 0.0]);
    }

    #[test]
    fn ensemble_weights_sum_to_one_and_interpolate() {
        let mut s = 7u64;
        for _ in 0..1000 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
            let x = (s >> 33) as f32 / (1u64 << 31) as f32 * 9.0;
            let y = (s >> 11 & 0xffff) as f32 / 65536.0 * 6.0;
            let n = ensemble([x, y], 10, 7);
            let sum: f32 = n.iter().map(|k| k.weight).sum();
            assert!((sum - 1.0).abs() < 1e-5);
            // Weighted latent positions reproduce the query (exact bilinear geometry).
            let px: f32 = n.iter().map(|k| k.weight * (k.index % 10) as f32).sum();
            assert!((px - x.min(9.0)).abs() < 1e-4);
            assert!(n.iter().all(|k| k.rel[0].abs() <= 1.0 + 1e-5 && k.weight >= 0.0));
        }
    }

    #[test]
    fn on_a_latent_the_ensemble_is_that_latent() {
        let n = ensemble([3.0, 2.0], 8, 8);
        assert_eq!(n[0].index, 2 * 8 + 3);
        assert!((n[0].weight - 1.0).abs() < 1e-6);
    }

    #[test]
    fn affine_keeps_origin_and_fov() {
        let g = Grid::upscaled(100, 80, 2.0, 1.5);
        let mut a = [[0.0; 4]; 4];
        a[0] = [2.0, 0.0, 0.0, -10.0];
        a[1] = [0.0, 3.0, 0.0, 5.0];
        a[2] = [0.0, 0.0, 4.0, 1.0];
        a[3][3] = 1.0;
        let b = g.upscaled_affine(&a);
        assert_eq!(b[0][3], -10.0);
        assert!((b[0][0] * g.x.hr as f64 - a[0][0] * g.x.lr as f64).abs() < 1e-9);
        assert!((b[1][1] * g.y.hr as f64 - a[1][1] * g.y.lr as f64).abs() < 1e-9);
    }
}
