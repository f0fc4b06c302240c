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

use crate::image::Image;
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

/// A half-open rectangle of low-res samples: `x0..x1 × y0..y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rect {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

impl Rect {
    pub fn whole(width: usize, height: usize) -> Rect {
        Rect { x0: 0, y0: 0, x1: width, y1: height }
    }

    pub fn width(&self) -> usize {
        self.x1 - self.x0
    }

    pub fn height(&self) -> usize {
        self.y1 - self.y0
    }

    /// Grown by `r` samples on every side, clipped to a `width × height` slice.
    pub fn grow(&self, r: usize, width: usize, height: usize) -> Rect {
        Rect { x0: self.x0.saturating_sub(r), y0: self.y0.saturating_sub(r), x1: (self.x1 + r).min(width), y1: (self.y1 + r).min(height) }
    }

    pub fn crop(&self, img: &Image) -> Image {
        img.crop(self.x0, self.y0, self.width(), self.height())
    }
}

/// Thick slices along one axis: the through-plane geometry, next to the in-plane one above.
///
/// A 2D multi-slice acquisition does not sample the slice axis at points: each slice averages
/// the tissue under its slice profile (full width = the slice **thickness** `t`), and slices
/// follow each other at the slice **spacing** `s ≥ t` (the difference is the gap). Both are in
/// units of the *fine* grid the thick slices are compared with (the original isotropic grid when
/// simulating, the output grid when upscaling).
///
/// Fine sample `i` sits at `i` and stands for the tissue in `[i − ½, i + ½]` (a voxel is a box,
/// which is what makes "the tissue a slice averaged" well defined). The first thick slice
/// averages `[−½, −½ + t]`, so its centre is `c₀ = (t − 1)/2`, and slice `j` is centred at
/// `c_j = c₀ + j·s`. That centre, not fine sample `j·s`, is where its value belongs: placing a
/// 4-voxel boxcar at the first voxel it covers instead of at its centre shifts everything by 1.5
/// fine voxels — the through-plane twin of the in-plane half-pixel error above — and a model
/// trained on such pairs learns the shift.
///
/// Thick-slice coordinates (the decoder's "low-res sample units" along this axis): fine sample
/// `i` is at `(i − c₀)/s`, and one fine sample spans `1/s` of them (the LIIF cell).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SliceAxis {
    /// Thick slices.
    pub count: usize,
    /// Slice spacing in fine samples (`s > 0`).
    pub spacing: f64,
    /// Slice thickness in fine samples (`t > 0`; `t < s` leaves a gap, `t > s` overlaps).
    pub thickness: f64,
}

impl SliceAxis {
    /// The thick slices a `fine`-sample axis yields at thickness `t` and spacing `s` (fine units):
    /// as many as fit wholly inside it, `⌊(fine − t)/s⌋ + 1`.
    pub fn covering(fine: usize, thickness: f64, spacing: f64) -> Result<SliceAxis, String> {
        if !(thickness >= 1.0 && spacing >= 1.0 && thickness.is_finite() && spacing.is_finite()) {
            return Err(format!(
                "slice thickness {thickness} and spacing {spacing} (in voxels) must be finite and at least one voxel"
            ));
        }
        let room = fine as f64 - thickness;
        if room < 0.0 {
            return Err(format!("a slice {thickness} voxels thick does not fit in {fine} voxels"));
        }
        // A hair of tolerance so that e.g. 240 voxels at t = s = 4 give exactly 60 slices.
        let count = (room / spacing + 1e-9).floor() as usize + 1;
        Ok(SliceAxis { count, spacing, thickness })
    }

    /// Centre of thick slice `j` in fine units.
    pub fn centre(&self, j: f64) -> f64 {
        (self.thickness - 1.0) / 2.0 + j * self.spacing
    }

    /// Fine samples covered from the first slice's first tissue to the last slice's last:
    /// `round((count − 1)·s + t)`, the output grid of an upscale.
    pub fn fine(&self) -> usize {
        (((self.count - 1) as f64 * self.spacing + self.thickness).round() as usize).max(1)
    }

    /// The thick-slice coordinate of fine sample `i`.
    #[inline]
    pub fn lr_coord(&self, fine_index: f64) -> f64 {
        (fine_index - self.centre(0.0)) / self.spacing
    }

    /// One fine sample in thick-slice units: the cell along this axis.
    pub fn cell(&self) -> f32 {
        (1.0 / self.spacing) as f32
    }

    /// The voxel-to-world affine of the thick slices, given the fine grid's, where the fine grid
    /// runs along voxel axis `axis` (0, 1 or 2): that column grows by `s`, and the origin moves to
    /// the first slice's centre.
    pub fn thick_affine(&self, fine_affine: &[[f64; 4]; 4], axis: usize) -> [[f64; 4]; 4] {
        let mut a = *fine_affine;
        let c0 = self.centre(0.0);
        for row in a.iter_mut().take(3) {
            row[3] += row[axis] * c0;
            row[axis] *= self.spacing;
        }
        a
    }

    /// The inverse of [`Self::thick_affine`]: the fine grid's affine from the thick slices'.
    pub fn fine_affine(&self, thick_affine: &[[f64; 4]; 4], axis: usize) -> [[f64; 4]; 4] {
        let mut a = *thick_affine;
        let c0 = self.centre(0.0);
        for row in a.iter_mut().take(3) {
            row[axis] /= self.spacing;
            row[3] -= row[axis] * c0;
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

/// The ensemble's weighted sum of `values` (one per latent, row-major `width × height`) at
/// `coord`: bilinear interpolation with the decoder's clamping, the skip it adds to.
pub fn blend(coord: [f32; 2], width: usize, height: usize, values: &[f32]) -> f32 {
    ensemble(coord, width, height).iter().map(|n| n.weight * values[n.index]).sum()
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
    #[test]
    fn thick_slices_sit_at_the_centre_of_the_tissue_they_average() {
        // 240 fine voxels, 4 thick: 60 slices tile [−½, 239.5] exactly; slice 0 covers 0..=3.
        let a = SliceAxis::covering(240, 4.0, 4.0).unwrap();
        assert_eq!((a.count, a.fine()), (60, 240));
        assert_eq!(a.centre(0.0), 1.5);
        assert_eq!(a.centre(59.0), 237.5);
        // Fine sample 1.5 is thick slice 0's centre; sample 0 is 3/8 of a slice before it.
        assert_eq!(a.lr_coord(1.5), 0.0);
        assert_eq!(a.lr_coord(0.0), -0.375);
        // Odd size, real factors, a gap: 3 thick at 5 apart in 101 voxels.
        let g = SliceAxis::covering(101, 3.0, 5.0).unwrap();
        assert_eq!(g.count, 20);
        assert_eq!(g.fine(), 98);
        let r = SliceAxis::covering(50, 2.5, 2.5).unwrap();
        assert_eq!(r.count, 20);
        assert!(SliceAxis::covering(3, 4.0, 4.0).is_err());
        assert!(SliceAxis::covering(30, 0.5, 1.0).is_err());
        assert!(SliceAxis::covering(30, f64::NAN, 1.0).is_err());
    }

    #[test]
    fn thick_and_fine_affines_agree_on_world_positions() {
        // An oblique fine affine; thick slices along each voxel axis in turn.
        let fine = [[0.0, -0.9, 0.1, 40.0], [0.7, 0.0, 0.2, -20.0], [0.05, 0.1, -1.1, 7.0], [0.0, 0.0, 0.0, 1.0]];
        for axis in 0..3 {
            let a = SliceAxis::covering(37, 3.0, 3.5).unwrap();
            let thick = a.thick_affine(&fine, axis);
            let world = |m: &[[f64; 4]; 4], v: [f64; 3]| -> [f64; 3] {
                std::array::from_fn(|r| m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2] + m[r][3])
            };
            for j in 0..a.count {
                // Thick voxel j along `axis` is where fine coordinate c_j is.
                let mut vt = [2.0, 5.0, 1.0];
                vt[axis] = j as f64;
                let mut vf = vt;
                vf[axis] = a.centre(j as f64);
                let (p, q) = (world(&thick, vt), world(&fine, vf));
                assert!((0..3).all(|r| (p[r] - q[r]).abs() < 1e-9), "axis {axis} slice {j}: {p:?} vs {q:?}");
            }
            let back = a.fine_affine(&thick, axis);
            for r in 0..3 {
                for c in 0..4 {
                    assert!((back[r][c] - fine[r][c]).abs() < 1e-12);
                }
            }
        }
    }
}
