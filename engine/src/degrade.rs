//! Simulated low-resolution acquisitions: how training pairs and test inputs are made.

use crate::geometry::Grid;
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
}
