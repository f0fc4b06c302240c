//! Fourier-domain resampling: the MRI scanner's own notion of resolution.
//!
//! A scanner that acquires fewer phase/frequency samples of the same field of view measures the
//! central band of k-space; its image is the inverse DFT of that band. Truncating k-space therefore
//! simulates a lower-resolution acquisition, and zero-padding k-space (zero-fill) is the scanner's
//! own interpolation. Both are the same operation here, [`resample`], to a smaller or larger grid.
//!
//! Band convention (per axis, length `N` → `n`): signed frequencies with `|f| < min(N, n) / 2` are
//! copied. When the smaller length `m` is even, its Nyquist bin `f = ±m/2` is where sampling
//! folds the two larger-grid bins `+m/2` and `−m/2`: truncation adds them, zero-fill splits the
//! Nyquist value equally between them. This keeps real images real, so zero-fill followed by
//! truncation back to the input grid is the identity, and zero-fill of a truncated image equals
//! the band-limited original exactly.
//!
//! Intensity: each axis is scaled by `n / N` so the DC term, and with it the mean, is kept.

use crate::image::Image;
use rustfft::num_complex::Complex32;
use rustfft::FftPlanner;

/// Resample `image` to `new_width × new_height` in k-space (truncate or zero-pad, centred band).
///
/// `magnitude` selects what the scanner shows: `true` takes the modulus of the complex result
/// (a magnitude image, as simulated acquisitions produce), `false` its real part (zero-fill of a
/// real image, which stays real by construction and may ring below zero at edges).
pub fn resample(image: &Image, new_width: usize, new_height: usize, magnitude: bool) -> Image {
    if (new_width, new_height) == (image.width, image.height) {
        // Nothing to cut or pad: the image itself (its modulus for a magnitude image), exactly.
        return if magnitude { Image::new(image.width, image.height, image.data.iter().map(|v| v.abs()).collect()) } else { image.clone() };
    }
    Spectrum::of(image).resample(new_width, new_height, magnitude)
}

/// An image's 2-D spectrum (the unnormalised DFT, in DFT order), kept so that one image can be
/// resampled to many sizes while transformed once: training degrades each slice at a fresh random
/// scale per patch, and the forward transform of the full-size slice is then paid once per slice
/// instead of once per patch. 8 bytes per pixel.
pub struct Spectrum {
    width: usize,
    height: usize,
    /// Column-major (`x · height + y`): a band along x is then a choice of whole columns.
    data: Vec<Complex32>,
}

impl Spectrum {
    pub fn of(image: &Image) -> Self {
        let (w, h) = (image.width, image.height);
        let mut rows: Vec<Complex32> = image.data.iter().map(|&v| Complex32::new(v, 0.0)).collect();
        transform(&mut rows, w, plans(w, w).0);
        let mut cols = transpose(&rows, w, h);
        transform(&mut cols, h, plans(h, h).0);
        Self { width: w, height: h, data: cols }
    }

    /// The image whose spectrum is the central `new_width × new_height` band of this one (see the
    /// module doc), real part or modulus.
    pub fn resample(&self, new_width: usize, new_height: usize, magnitude: bool) -> Image {
        assert!(new_width > 0 && new_height > 0, "kspace::resample: empty target grid");
        let (w, h, nw, nh) = (self.width, self.height, new_width, new_height);
        let (xs, ys) = (band(w, nw), band(h, nh));
        // The forward transform is unnormalised and each inverse divides by its new length; the
        // n/N scale per axis keeps the mean: 1/(w·h) in all.
        let scale = 1.0 / (w as f32 * h as f32);
        let mut cols = vec![Complex32::new(0.0, 0.0); nw * nh];
        for &(dx, sx, wx) in &xs {
            let (src, dst) = (&self.data[sx * h..(sx + 1) * h], &mut cols[dx * nh..(dx + 1) * nh]);
            for &(dy, sy, wy) in &ys {
                dst[dy] += src[sy] * (wx * wy * scale);
            }
        }
        transform(&mut cols, nh, plans(nh, nh).1);
        let mut rows = transpose(&cols, nh, nw);
        transform(&mut rows, nw, plans(nw, nw).1);
        let data = rows.iter().map(|c| if magnitude { c.norm() } else { c.re }).collect();
        Image::new(nw, nh, data)
    }
}

thread_local! {
    /// One planner per thread, kept: rustfft's planner caches its plans (twiddles, and the inner
    /// plans of Rader's and Bluestein's algorithms for lengths with large prime factors), and
    /// training resamples every batch's slices to a random size, so a fresh planner per call
    /// spent more time planning than transforming.
    static PLANNER: std::cell::RefCell<FftPlanner<f32>> = std::cell::RefCell::new(FftPlanner::new());
}

/// A forward and an inverse plan from the thread's planner.
fn plans(forward: usize, inverse: usize) -> (std::sync::Arc<dyn rustfft::Fft<f32>>, std::sync::Arc<dyn rustfft::Fft<f32>>) {
    PLANNER.with_borrow_mut(|p| (p.plan_fft_forward(forward), p.plan_fft_inverse(inverse)))
}

/// Transform every `len`-long run of `data` in one call (rustfft runs a buffer of several).
fn transform(data: &mut [Complex32], len: usize, fft: std::sync::Arc<dyn rustfft::Fft<f32>>) {
    debug_assert_eq!(fft.len(), len);
    let mut scratch = vec![Complex32::new(0.0, 0.0); fft.get_inplace_scratch_len()];
    fft.process_with_scratch(data, &mut scratch);
}

/// Where each bin of a length-`to` spectrum comes from in a length-`from` one (DFT order), as
/// (to, from, weight) terms summed into `to`: the band `|f| < min/2` copied, and for an even
/// smaller length `m` its Nyquist bin `±m/2` folded (truncation: both larger-grid bins add into
/// it) or split (zero-fill: half of it to each). Equal lengths map every bin to itself.
fn band(from: usize, to: usize) -> Vec<(usize, usize, f32)> {
    let small = from.min(to);
    // |f| <= half is strictly inside the band: f = 0..=half at the start, f = −half..−1 at the end.
    let half = (small - 1) / 2;
    let mut terms: Vec<(usize, usize, f32)> = (0..=half).map(|f| (f, f, 1.0)).collect();
    terms.extend((1..=half).map(|f| (to - f, from - f, 1.0)));
    if small % 2 == 0 {
        let idx = |f: isize, l: usize| f.rem_euclid(l as isize) as usize;
        let nyq = (small / 2) as isize;
        if to < from {
            terms.push((idx(nyq, to), idx(nyq, from), 1.0));
            terms.push((idx(nyq, to), idx(-nyq, from), 1.0));
        } else {
            terms.push((idx(nyq, to), idx(nyq, from), 0.5));
            terms.push((idx(-nyq, to), idx(nyq, from), 0.5));
        }
    }
    terms
}

fn transpose(data: &[Complex32], width: usize, height: usize) -> Vec<Complex32> {
    let mut out = vec![Complex32::new(0.0, 0.0); data.len()];
    for y in 0..height {
        for x in 0..width {
            out[x * height + y] = data[y * width + x];
        }
    }
    out
}

/// Fraction of spectral energy outside the central `keep_w × keep_h` band: how a caller checks
/// whether a stored grid is really an interpolated smaller acquisition.
pub fn energy_outside(image: &Image, keep_w: usize, keep_h: usize) -> f64 {
    let (w, h) = (image.width, image.height);
    let cols = Spectrum::of(image).data;
    let inside = |k: usize, len: usize, keep: usize| {
        let s = if k <= len / 2 { k as isize } else { k as isize - len as isize };
        let half = keep as isize / 2;
        s >= -half && s < keep as isize - half
    };
    let (mut total, mut out) = (0.0f64, 0.0f64);
    for x in 0..w {
        for y in 0..h {
            let e = cols[x * h + y].norm_sqr() as f64;
            total += e;
            if !(inside(x, w, keep_w) && inside(y, h, keep_h)) {
                out += e;
            }
        }
    }
    if total == 0.0 { 0.0 } else { out / total }
}

/// Data consistency: replace the measured band of `y` (an output on a grid over the same field of
/// view as `lr`) with the band of `lr`: `y + zerofill(lr − truncate(y))`, the orthogonal
/// projection onto the outputs whose truncation gives back exactly the input.
///
/// What it can and cannot do: a learned model fills the band above the acquisition and may also
/// blur or shift the measured band a little; the projection restores the latter exactly (the band
/// the scanner measured is known, so keeping it costs nothing at the acquired frequencies). On a
/// **magnitude** image, as every stored scan and our degradation's input is, "the measured band"
/// is the band of the magnitude image, not the scanner's complex k-space: taking the modulus spreads
/// the spectrum (most where the phase varies, near edges and in noise), so the projection keeps a
/// band that already holds some of that spread. It still makes `truncate(output) = input` exactly,
/// it cannot restore phase, and where the object's phase is smooth the two bands nearly agree.
pub fn data_consistency(y: &Image, lr: &Image) -> Image {
    let measured = resample(y, lr.width, lr.height, false);
    let residual = Image::new(lr.width, lr.height, lr.data.iter().zip(&measured.data).map(|(a, b)| a - b).collect());
    let fill = resample(&residual, y.width, y.height, false);
    Image::new(y.width, y.height, y.data.iter().zip(&fill.data).map(|(a, b)| a + b).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smooth(w: usize, h: usize) -> Image {
        Image::from_fn(w, h, |x, y| {
            let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
            3.0 + (2.0 * std::f32::consts::PI * u).sin() + 0.5 * (4.0 * std::f32::consts::PI * v).cos()
                + 0.3 * (2.0 * std::f32::consts::PI * (u + 2.0 * v)).sin()
        })
    }

    fn noisy(w: usize, h: usize) -> Image {
        let mut s = 12345u64;
        Image::from_fn(w, h, |_, _| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            5.0 + ((s >> 40) as f32 / (1u64 << 24) as f32)
        })
    }

    fn max_abs(a: &Image, b: &Image) -> f32 {
        a.data.iter().zip(&b.data).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
    }

    #[test]
    fn same_size_is_identity() {
        let a = noisy(17, 12);
        assert!(max_abs(&resample(&a, 17, 12, true), &a) < 1e-5);
    }

    #[test]
    fn truncation_keeps_fov_and_mean() {
        for (w, h, nw, nh) in [(64, 48, 43, 32), (65, 49, 33, 20), (40, 40, 40, 27)] {
            let a = noisy(w, h);
            let lo = resample(&a, nw, nh, true);
            assert_eq!((lo.width, lo.height), (nw, nh));
            assert!((lo.mean() - a.mean()).abs() < 1e-3 * a.mean(), "{} vs {}", lo.mean(), a.mean());
        }
    }

    #[test]
    fn zero_fill_then_truncate_is_identity() {
        for (w, h, nw, nh) in [(32, 24, 64, 48), (31, 24, 47, 36), (20, 20, 37, 20)] {
            let a = noisy(w, h);
            let up = resample(&a, nw, nh, false);
            let back = resample(&up, w, h, false);
            assert!(max_abs(&back, &a) < 1e-4, "{w}x{h}->{nw}x{nh}: {}", max_abs(&back, &a));
        }
    }

    #[test]
    fn zero_fill_restores_band_limited_part_exactly() {
        // A band-limited image (frequencies well inside the low-res band) survives truncation and
        // zero-fill untouched.
        let hr = smooth(64, 64);
        for n in [32, 43, 21] {
            let lo = resample(&hr, n, n, true);
            let up = resample(&lo, 64, 64, false);
            assert!(max_abs(&up, &hr) < 1e-4, "n={n}: {}", max_abs(&up, &hr));
        }
    }

    #[test]
    fn energy_outside_band() {
        let hr = smooth(64, 64);
        assert!(energy_outside(&hr, 32, 32) < 1e-9);
        assert!(energy_outside(&noisy(64, 64), 32, 32) > 1e-4);
    }

    #[test]
    fn data_consistency_keeps_the_measured_band_and_is_a_projection() {
        // Odd and even sizes on both grids (Nyquist folding and splitting), a non-integer scale.
        for (lw, lh, hw, hh) in [(16, 15, 32, 31), (15, 16, 24, 41), (10, 10, 25, 20)] {
            let y = noisy(hw, hh);
            let lr = smooth(lw, lh);
            let dc = data_consistency(&y, &lr);
            let back = resample(&dc, lw, lh, false);
            let err = back.data.iter().zip(&lr.data).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(err < 1e-4, "{lw}×{lh} → {hw}×{hh}: truncate(dc(y)) differs from the input by {err}");
            let twice = data_consistency(&dc, &lr);
            let err = twice.data.iter().zip(&dc.data).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(err < 1e-4, "not idempotent: {err}");
            // Zero-fill is already consistent; what lies above the band is left alone.
            let zf = resample(&lr, hw, hh, false);
            let err = data_consistency(&zf, &lr).data.iter().zip(&zf.data).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(err < 1e-4, "zero-fill moved by {err}");
            assert!(y.data.iter().zip(&dc.data).any(|(a, b)| (a - b).abs() > 1e-3), "the projection did nothing");
        }
    }
}
