//! Simulated low-resolution acquisitions: how training pairs and test inputs are made.

use crate::geometry::{Grid, SliceAxis};
use crate::image::Image;
use crate::{interp, kspace};
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;

/// How the low-res image is produced from a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DegradationKind {
    /// Keep the central `round(N/s)` k-space samples per axis, inverse FFT, magnitude: what a
    /// scanner acquiring fewer samples of the same field of view produces.
    #[default]
    Kspace,
    /// Anti-aliased bicubic downsampling, the image-processing convention, for comparison with
    /// natural-image super-resolution papers.
    Bicubic,
}

impl std::str::FromStr for DegradationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "kspace" => Ok(Self::Kspace),
            "bicubic" => Ok(Self::Bicubic),
            _ => Err(format!("unknown degradation '{s}' (expected kspace or bicubic)")),
        }
    }
}

/// A degradation at a real (possibly anisotropic) scale `s ≥ 1`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Degradation {
    pub kind: DegradationKind,
    pub scale_x: f64,
    pub scale_y: f64,
}

impl Degradation {
    pub fn kspace(scale: f64) -> Self {
        Self { kind: DegradationKind::Kspace, scale_x: scale, scale_y: scale }
    }

    /// The geometry this degradation defines for a `width × height` reference.
    pub fn grid(&self, width: usize, height: usize) -> Grid {
        Grid::downscaled(width, height, self.scale_x, self.scale_y)
    }

    /// The low-res image and the geometry every method must reconstruct on.
    pub fn apply(&self, hr: &Image) -> (Image, Grid) {
        self.apply_cached(hr, &OnceCell::new())
    }

    /// [`Self::apply`] for a caller that degrades the same reference many times (training draws a
    /// scale per patch): `spectrum` holds the reference's k-space once computed, so each further
    /// degradation costs only the inverse transform of its smaller band.
    pub fn apply_cached(&self, hr: &Image, spectrum: &OnceCell<kspace::Spectrum>) -> (Image, Grid) {
        let grid = self.grid(hr.width, hr.height);
        let lr = match self.kind {
            DegradationKind::Kspace => spectrum.get_or_init(|| kspace::Spectrum::of(hr)).resample(grid.x.lr, grid.y.lr, true),
            DegradationKind::Bicubic => interp::bicubic_downsample(hr, &grid),
        };
        (lr, grid)
    }
}

/// The slice profile of a 2D multi-slice acquisition: how a slice weighs the tissue across it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SliceProfile {
    /// Uniform over the slice thickness: the ideal slab, the usual simulation.
    #[default]
    Boxcar,
    /// A Gaussian whose full width at half maximum is the slice thickness: closer to a real
    /// excitation profile, whose tails reach into the neighbouring slices.
    Gaussian,
}

impl std::str::FromStr for SliceProfile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "boxcar" => Ok(Self::Boxcar),
            "gaussian" => Ok(Self::Gaussian),
            _ => Err(format!("unknown slice profile '{s}' (expected boxcar or gaussian)")),
        }
    }
}

impl SliceProfile {
    pub fn name(self) -> &'static str {
        match self {
            Self::Boxcar => "boxcar",
            Self::Gaussian => "gaussian",
        }
    }
}

/// A thick-slice acquisition simulated along one axis of a fine grid: each thick slice is the
/// fine samples weighted by the profile integrated over each fine voxel (`[i − ½, i + ½]`), so
/// a boxcar of 2.5 voxels takes two whole voxels and half of a third, and the weights of a
/// slice sum to 1. Where a Gaussian's tails leave the grid the weights inside are renormalised.
/// The geometry (where slice `j` sits) is [`SliceAxis`]'s.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThickSlice {
    pub profile: SliceProfile,
    /// Full width of the profile, in fine samples.
    pub thickness: f64,
    /// Distance between slice centres, in fine samples (≥ thickness leaves a gap).
    pub spacing: f64,
}

/// The error function to ~1.5e-7 (Abramowitz & Stegun 7.1.26): the Gaussian profile integrated
/// over a voxel. Not in `std`; a crate for one formula is not worth its weight.
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.3275911 * x.abs());
    let y = 1.0
        - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * (-x * x).exp();
    if x >= 0.0 { y } else { -y }
}

impl ThickSlice {
    /// The geometry along an axis of `fine` samples.
    pub fn axis(&self, fine: usize) -> Result<SliceAxis, String> {
        SliceAxis::covering(fine, self.thickness, self.spacing)
    }

    /// Weights of thick slice `j` over the fine samples: `(first index, weights)`, summing to 1.
    pub fn weights(&self, axis: &SliceAxis, j: usize, fine: usize) -> (usize, Vec<f32>) {
        let c = axis.centre(j as f64);
        let t = self.thickness;
        // The profile's cumulative mass up to position u (relative to the centre).
        let cdf = |u: f64| -> f64 {
            match self.profile {
                SliceProfile::Boxcar => ((u + t / 2.0) / t).clamp(0.0, 1.0),
                SliceProfile::Gaussian => {
                    let sigma = t / (8.0 * std::f64::consts::LN_2).sqrt();
                    0.5 * (1.0 + erf(u / (sigma * std::f64::consts::SQRT_2)))
                }
            }
        };
        let reach = match self.profile {
            SliceProfile::Boxcar => t / 2.0,
            SliceProfile::Gaussian => 2.0 * t, // ±4.7σ: mass beyond is < 3e-6
        };
        let lo = ((c - reach - 0.5).floor().max(0.0)) as usize;
        let hi = (((c + reach + 0.5).ceil()) as usize).min(fine - 1);
        let mut w: Vec<f64> = (lo..=hi).map(|i| cdf(i as f64 + 0.5 - c) - cdf(i as f64 - 0.5 - c)).collect();
        let sum: f64 = w.iter().sum();
        w.iter_mut().for_each(|v| *v /= sum);
        // Trim exact zeros at the ends (a boxcar's neighbours).
        let first = w.iter().position(|&v| v > 0.0).unwrap_or(0);
        let last = w.iter().rposition(|&v| v > 0.0).unwrap_or(0);
        (lo + first, w[first..=last].iter().map(|&v| v as f32).collect())
    }

    /// Thick slices of a 2D image along its rows (`vertical`: the slice axis is y, as in a
    /// coronal or sagittal reformat of an axial series) or its columns.
    pub fn apply_image(&self, fine: &Image, vertical: bool) -> Result<(Image, SliceAxis), String> {
        let img = if vertical { fine.clone() } else { fine.transpose() };
        let axis = self.axis(img.height)?;
        let mut out = Image::zeros(img.width, axis.count);
        for j in 0..axis.count {
            let (first, w) = self.weights(&axis, j, img.height);
            let row = &mut out.data[j * img.width..(j + 1) * img.width];
            for (k, wk) in w.iter().enumerate() {
                let src = &img.data[(first + k) * img.width..(first + k + 1) * img.width];
                row.iter_mut().zip(src).for_each(|(o, v)| *o += wk * v);
            }
        }
        Ok((if vertical { out } else { out.transpose() }, axis))
    }

    /// Thick slices of a stack of fine slices (the volume's third axis): slice `j` is the
    /// weighted sum of whole fine slices.
    pub fn apply_stack(&self, fine: &[Image]) -> Result<(Vec<Image>, SliceAxis), String> {
        let axis = self.axis(fine.len())?;
        let out = (0..axis.count)
            .map(|j| {
                let (first, w) = self.weights(&axis, j, fine.len());
                let mut acc = Image::zeros(fine[0].width, fine[0].height);
                for (k, wk) in w.iter().enumerate() {
                    acc.data.iter_mut().zip(&fine[first + k].data).for_each(|(o, v)| *o += wk * v);
                }
                acc
            })
            .collect();
        Ok((out, axis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kspace_degradation_keeps_fov_and_mean() {
        let hr = Image::from_fn(96, 80, |x, y| 10.0 + ((x * 31 + y * 17) % 23) as f32);
        for s in [1.5, 2.0, 3.0, 4.0] {
            let (lr, g) = Degradation::kspace(s).apply(&hr);
            assert_eq!((lr.width, lr.height), (g.x.lr, g.y.lr));
            assert_eq!(g.x.lr, (96.0f64 / s).round() as usize);
            // Same field of view: the scale between the grids is the requested one (to rounding).
            assert!((g.x.scale() - s).abs() / s < 0.02);
            assert!((lr.mean() - hr.mean()).abs() / hr.mean() < 2e-3, "{s}: {} {}", lr.mean(), hr.mean());
        }
    }

    #[test]
    fn anisotropic_degradation() {
        let hr = Image::from_fn(60, 40, |x, y| (x + y) as f32);
        let d = Degradation { kind: DegradationKind::Kspace, scale_x: 1.0, scale_y: 2.0 };
        let (lr, _) = d.apply(&hr);
        assert_eq!((lr.width, lr.height), (60, 20));
        let d = Degradation { kind: DegradationKind::Bicubic, scale_x: 3.0, scale_y: 1.0 };
        assert_eq!(d.apply(&hr).0.width, 20);
    }

    #[test]
    fn a_kept_spectrum_degrades_as_the_image_does_at_every_scale() {
        // One spectrum, many scales (odd and even sizes, anisotropic): each the same image as a
        // fresh degradation, so resampling never changes what is kept.
        let hr = Image::from_fn(71, 64, |x, y| 5.0 + ((x * 13 + y * 7) % 19) as f32 + (x as f32 * 0.3).sin());
        let kept = OnceCell::new();
        for (sx, sy) in [(1.5, 1.5), (2.0, 2.0), (1.37, 2.1), (3.0, 1.0), (1.5, 1.5)] {
            let d = Degradation { kind: DegradationKind::Kspace, scale_x: sx, scale_y: sy };
            let (a, _) = d.apply_cached(&hr, &kept);
            let (b, _) = d.apply(&hr);
            assert_eq!(a.data, b.data, "{sx}×{sy}");
        }
        assert!(kept.get().is_some());
    }
    #[test]
    fn boxcar_slices_average_the_voxels_under_them() {
        let t = ThickSlice { profile: SliceProfile::Boxcar, thickness: 4.0, spacing: 4.0 };
        let a = t.axis(12).unwrap();
        assert_eq!(t.weights(&a, 1, 12), (4, vec![0.25; 4]));
        // 2.5 thick: two whole voxels and half of a third, centred at 0.75 + 2.5 j.
        let t = ThickSlice { profile: SliceProfile::Boxcar, thickness: 2.5, spacing: 2.5 };
        let a = t.axis(10).unwrap();
        assert_eq!(t.weights(&a, 0, 10), (0, vec![0.4, 0.4, 0.2]));
        assert_eq!(t.weights(&a, 1, 10), (2, vec![0.2, 0.4, 0.4]));
        // A gap: 2 thick every 3.
        let t = ThickSlice { profile: SliceProfile::Boxcar, thickness: 2.0, spacing: 3.0 };
        let a = t.axis(11).unwrap();
        assert_eq!(a.count, 4);
        assert_eq!(t.weights(&a, 2, 11), (6, vec![0.5, 0.5]));
    }

    #[test]
    fn gaussian_slices_are_centred_normalised_and_as_wide_as_asked() {
        let t = ThickSlice { profile: SliceProfile::Gaussian, thickness: 4.0, spacing: 4.0 };
        let a = t.axis(64).unwrap();
        let (first, w) = t.weights(&a, 7, 64);
        let sum: f32 = w.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
        // Its centre of mass is the slice centre, like the boxcar's.
        let com: f64 = w.iter().enumerate().map(|(k, &v)| (first + k) as f64 * v as f64).sum();
        assert!((com - a.centre(7.0)).abs() < 1e-4, "{com}");
        // A linear ramp is reproduced at the centre by either profile.
        let ramp: Vec<Image> = (0..64).map(|i| Image::from_fn(2, 1, |_, _| i as f32)).collect();
        let (thick, a) = t.apply_stack(&ramp).unwrap();
        assert!((thick[7].get(0, 0) as f64 - a.centre(7.0)).abs() < 1e-3);
        assert!((erf(0.5) - 0.5204998778).abs() < 2e-7 && (erf(-1.0) + 0.8427007929).abs() < 2e-7);
    }

    #[test]
    fn image_and_stack_degradations_agree_in_both_orientations() {
        let img = Image::from_fn(9, 23, |x, y| ((x * 7 + y * 13) % 11) as f32 + 0.1 * y as f32);
        let t = ThickSlice { profile: SliceProfile::Gaussian, thickness: 3.0, spacing: 3.5 };
        let (v, a) = t.apply_image(&img, true).unwrap();
        let rows: Vec<Image> = (0..23).map(|y| img.crop(0, y, 9, 1)).collect();
        let (s, b) = t.apply_stack(&rows).unwrap();
        assert_eq!(a, b);
        for j in 0..a.count {
            assert_eq!(v.crop(0, j, 9, 1).data, s[j].data);
        }
        let (h, _) = t.apply_image(&img.transpose(), false).unwrap();
        assert_eq!(h.transpose().data, v.data);
    }
}
