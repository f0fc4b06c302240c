//! The fixed denoisers `D_σ` of the poster's denoising regulariser `λ·|x̂ − D_σ(x̂)|`.
//!
//! The coordinate decoder represents high frequencies well enough to reproduce acquisition
//! noise; pulling its output towards a denoised copy of itself (with the gradient stopped through
//! the denoiser) penalises noise-like detail without a clean target. They run on plain images so
//! the same code serves training (on a patch read back from the device), tests and the CLI.

use crate::image::Image;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Denoiser {
    /// Gaussian smoothing; `sigma` in pixels.
    Gaussian { sigma: f32 },
    /// Non-local means (Buades et al. 2005) with 3×3 patches in a 7×7 search window; `sigma` is the
    /// noise level in image intensity units (the filter strength h = sigma).
    Nlm { sigma: f32 },
}

impl Denoiser {
    pub fn parse(kind: &str, sigma: f32) -> Result<Self, String> {
        if !(sigma > 0.0 && sigma.is_finite()) {
            return Err(format!("denoiser strength must be positive, got {sigma}"));
        }
        match kind {
            "gaussian" => Ok(Self::Gaussian { sigma }),
            "nlm" => Ok(Self::Nlm { sigma }),
            _ => Err(format!("unknown denoiser '{kind}' (expected gaussian or nlm)")),
        }
    }

    pub fn apply(&self, image: &Image) -> Image {
        match *self {
            Denoiser::Gaussian { sigma } => gaussian_blur(image, sigma),
            Denoiser::Nlm { sigma } => nlm(image, sigma),
        }
    }
}

/// Normalised 1D Gaussian taps with radius `ceil(3σ)`.
pub fn gaussian_taps(sigma: f32) -> Vec<f32> {
    let r = (3.0 * sigma).ceil().max(1.0) as isize;
    let w: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp()).collect();
    let s: f32 = w.iter().sum();
    w.into_iter().map(|v| v / s).collect()
}

/// Separable Gaussian blur, same size, edges replicated (no darkening at the border).
pub fn gaussian_blur(image: &Image, sigma: f32) -> Image {
    let taps = gaussian_taps(sigma);
    let r = (taps.len() / 2) as isize;
    let pass = |img: &Image| {
        Image::from_fn(img.width, img.height, |x, y| {
            taps.iter()
                .enumerate()
                .map(|(k, w)| w * img.get_clamped(x as isize + k as isize - r, y as isize))
                .sum()
        })
    };
    pass(&pass(image).transpose()).transpose()
}

/// Non-local means: each pixel becomes a weighted mean of pixels whose 3×3 neighbourhoods look
/// alike, which removes noise while keeping edges that a Gaussian would blur.
pub fn nlm(image: &Image, sigma: f32) -> Image {
    const PATCH: isize = 1;
    const SEARCH: isize = 3;
    let h2 = (sigma * sigma).max(1e-12);
    let npatch = ((2 * PATCH + 1) * (2 * PATCH + 1)) as f32;
    Image::from_fn(image.width, image.height, |x, y| {
        let (x, y) = (x as isize, y as isize);
        let (mut acc, mut wsum) = (0.0f32, 0.0f32);
        for dy in -SEARCH..=SEARCH {
            for dx in -SEARCH..=SEARCH {
                let mut d2 = 0.0f32;
                for py in -PATCH..=PATCH {
                    for px in -PATCH..=PATCH {
                        let a = image.get_clamped(x + px, y + py);
                        let b = image.get_clamped(x + dx + px, y + dy + py);
                        d2 += (a - b) * (a - b);
                    }
                }
                // Subtract the expected distance of two noisy copies (2σ²) before weighting.
                let w = (-(d2 / npatch - 2.0 * h2).max(0.0) / h2).exp();
                acc += w * image.get_clamped(x + dx, y + dy);
                wsum += w;
            }
        }
        acc / wsum
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy_step(seed: u64) -> (Image, Image) {
        add_noise(Image::from_fn(40, 40, |x, _| if x < 20 { 1.0 } else { 2.0 }), seed)
    }

    fn add_noise(clean: Image, seed: u64) -> (Image, Image) {
        let mut s = seed;
        let noisy = clean.map(|v| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            v + ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.3
        });
        (clean, noisy)
    }

    fn mse(a: &Image, b: &Image) -> f32 {
        a.data.iter().zip(&b.data).map(|(x, y)| (x - y) * (x - y)).sum::<f32>() / a.data.len() as f32
    }

    #[test]
    fn denoisers_reduce_noise_and_keep_constants() {
        let (clean, noisy) = add_noise(Image::from_fn(40, 40, |x, y| 1.0 + 0.01 * (x + y) as f32), 3);
        for d in [Denoiser::Gaussian { sigma: 1.0 }, Denoiser::Nlm { sigma: 0.1 }] {
            let out = d.apply(&noisy);
            assert!(mse(&out, &clean) < 0.5 * mse(&noisy, &clean), "{d:?}");
            let flat = Image::from_fn(10, 10, |_, _| 5.0);
            assert!(d.apply(&flat).data.iter().all(|v| (v - 5.0).abs() < 1e-5));
        }
    }

    #[test]
    fn nlm_keeps_edges_better_than_gaussian() {
        let (clean, noisy) = noisy_step(9);
        let g = Denoiser::Gaussian { sigma: 2.0 }.apply(&noisy);
        let n = Denoiser::Nlm { sigma: 0.1 }.apply(&noisy);
        assert!(mse(&n, &clean) < mse(&g, &clean));
    }

    #[test]
    fn parse_rejects_bad_values() {
        assert!(Denoiser::parse("gaussian", 0.0).is_err());
        assert!(Denoiser::parse("median", 1.0).is_err());
        assert_eq!(Denoiser::parse("nlm", 0.5), Ok(Denoiser::Nlm { sigma: 0.5 }));
    }
}
