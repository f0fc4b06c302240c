//! Classical interpolation on the shared geometry: the baselines every learned model must beat.
//!
//! All functions sample a low-res image at low-res coordinates ([`crate::geometry`]), so they
//! line up pixel for pixel with the coordinate decoder and with k-space truncation.

use crate::geometry::Grid;
use crate::image::Image;
use crate::kspace;

/// Keys' cubic convolution kernel with a = −0.5 (the "bicubic" of MATLAB, PIL and the poster).
#[inline]
pub fn keys(t: f64) -> f64 {
    const A: f64 = -0.5;
    let t = t.abs();
    if t <= 1.0 {
        ((A + 2.0) * t - (A + 3.0)) * t * t + 1.0
    } else if t < 2.0 {
        ((A * t - 5.0 * A) * t + 8.0 * A) * t - 4.0 * A
    } else {
        0.0
    }
}

/// Bicubic value of `lr` at low-res coordinate `(x, y)`; samples beyond the edge replicate it
/// (as the coordinate decoder's ensemble clamps).
pub fn bicubic_at(lr: &Image, x: f32, y: f32) -> f32 {
    let (x, y) = (x as f64, y as f64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let wx = [keys(fx + 1.0), keys(fx), keys(1.0 - fx), keys(2.0 - fx)];
    let wy = [keys(fy + 1.0), keys(fy), keys(1.0 - fy), keys(2.0 - fy)];
    let (xi, yi) = (x0 as isize, y0 as isize);
    let mut acc = 0.0f64;
    for (j, wyj) in wy.iter().enumerate() {
        let mut row = 0.0f64;
        for (i, wxi) in wx.iter().enumerate() {
            row += wxi * lr.get_clamped(xi + i as isize - 1, yi + j as isize - 1) as f64;
        }
        acc += wyj * row;
    }
    acc as f32
}

/// Nearest-neighbour value at a low-res coordinate (what a viewer without interpolation shows).
pub fn nearest_at(lr: &Image, x: f32, y: f32) -> f32 {
    lr.get_clamped(x.round() as isize, y.round() as isize)
}

/// Bicubic upscale of `lr` onto the reference grid of `grid`.
pub fn bicubic(lr: &Image, grid: &Grid) -> Image {
    sample(lr, grid, bicubic_at)
}

/// Nearest-neighbour upscale onto the reference grid of `grid`.
pub fn nearest(lr: &Image, grid: &Grid) -> Image {
    sample(lr, grid, nearest_at)
}

fn sample(lr: &Image, grid: &Grid, f: fn(&Image, f32, f32) -> f32) -> Image {
    assert_eq!((lr.width, lr.height), (grid.x.lr, grid.y.lr), "image does not match the grid");
    let coords = grid.hr_coords();
    Image::new(grid.x.hr, grid.y.hr, coords.iter().map(|c| f(lr, c[0], c[1])).collect())
}

/// Zero-fill (sinc) upscale: zero-pad k-space to the reference grid. What the scanner itself
/// does, and the baseline an MR physicist asks for. Real part; it may ring below zero at edges.
pub fn zerofill(lr: &Image, grid: &Grid) -> Image {
    assert_eq!((lr.width, lr.height), (grid.x.lr, grid.y.lr), "image does not match the grid");
    kspace::resample(lr, grid.x.hr, grid.y.hr, false)
}

/// Anti-aliased bicubic downsampling onto the low-res samples of `grid`: the Keys kernel
/// stretched by the scale (as MATLAB's `imresize` does), centred on each low-res sample's
/// reference position `j · N / n`.
pub fn bicubic_downsample(hr: &Image, grid: &Grid) -> Image {
    let rows = downsample_rows(hr, grid.x.hr, grid.x.lr);
    let cols = downsample_rows(&rows.transpose(), grid.y.hr, grid.y.lr);
    cols.transpose()
}

fn downsample_rows(img: &Image, hr: usize, lr: usize) -> Image {
    assert_eq!(img.width, hr);
    let s = (hr as f64 / lr as f64).max(1.0);
    let support = (2.0 * s).ceil() as isize;
    // Per output sample: (first input index, weights), shared by all rows.
    let taps: Vec<(isize, Vec<f64>)> = (0..lr)
        .map(|j| {
            let centre = j as f64 * hr as f64 / lr as f64;
            let c = centre.round() as isize;
            let w: Vec<f64> =
                (c - support..=c + support).map(|i| keys((i as f64 - centre) / s)).collect();
            let sum: f64 = w.iter().sum();
            (c - support, w.into_iter().map(|v| v / sum).collect())
        })
        .collect();
    Image::from_fn(lr, img.height, |j, y| {
        let (first, w) = &taps[j];
        w.iter()
            .enumerate()
            .map(|(k, wk)| wk * img.get_clamped(first + k as isize, y as isize) as f64)
            .sum::<f64>() as f32
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::PI;

    fn smooth(w: usize, h: usize) -> Image {
        Image::from_fn(w, h, |x, y| {
            let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
            2.0 + (2.0 * PI * u).sin() * (2.0 * PI * v).cos() + 0.5 * (2.0 * PI * v).sin()
        })
    }

    fn interior_max_err(a: &Image, b: &Image, margin: usize) -> f32 {
        let mut m = 0.0f32;
        for y in margin..a.height - margin {
            for x in margin..a.width - margin {
                m = m.max((a.get(x, y) - b.get(x, y)).abs());
            }
        }
        m
    }

    #[test]
    fn keys_kernel_is_interpolating_and_sums_to_one() {
        assert_eq!(keys(0.0), 1.0);
        assert!(keys(1.0).abs() < 1e-12 && keys(2.0).abs() < 1e-12);
        for t in [0.1, 0.37, 0.5, 0.9] {
            let s = keys(t + 1.0) + keys(t) + keys(1.0 - t) + keys(2.0 - t);
            assert!((s - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn bicubic_on_smooth_band_limited_image_is_near_exact() {
        // The same field of view sampled on two grids: bicubic of the coarse one on the shared
        // geometry lands on the fine one (away from the replicated edge).
        let hr = smooth(192, 160);
        for s in [1.5, 2.0, 3.0] {
            let g = Grid::downscaled(hr.width, hr.height, s, s);
            let lr = smooth(g.x.lr, g.y.lr);
            let up = bicubic(&lr, &g);
            let err = interior_max_err(&up, &hr, 8);
            assert!(err < 5e-3, "scale {s}: {err}");
        }
    }

    #[test]
    fn pixel_centre_alignment_would_be_wrong() {
        // Guard against the half-pixel convention: shifting the low-res grid by half a reference
        // pixel makes the same comparison markedly worse.
        let hr = smooth(192, 160);
        let g = Grid::downscaled(hr.width, hr.height, 2.0, 2.0);
        let shifted = Image::from_fn(g.x.lr, g.y.lr, |x, y| {
            let (u, v) = ((x as f32 + 0.25) / g.x.lr as f32, (y as f32 + 0.25) / g.y.lr as f32);
            2.0 + (2.0 * PI * u).sin() * (2.0 * PI * v).cos() + 0.5 * (2.0 * PI * v).sin()
        });
        let err = interior_max_err(&bicubic(&shifted, &g), &hr, 8);
        assert!(err > 2e-2, "{err}");
    }

    #[test]
    fn bicubic_downsample_of_constant_is_constant() {
        let hr = Image::from_fn(50, 40, |_, _| 3.0);
        let g = Grid::downscaled(50, 40, 2.5, 1.5);
        let lr = bicubic_downsample(&hr, &g);
        assert_eq!((lr.width, lr.height), (20, 27));
        assert!(lr.data.iter().all(|v| (v - 3.0).abs() < 1e-5));
    }

    #[test]
    fn zero_fill_upscale_then_truncate_returns_input() {
        let lr = Image::from_fn(30, 22, |x, y| ((x * 7 + y * 13) % 11) as f32 + 1.0);
        let g = Grid::upscaled(30, 22, 2.5, 2.0);
        let up = zerofill(&lr, &g);
        let back = kspace::resample(&up, 30, 22, true);
        let err = back.data.iter().zip(&lr.data).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(err < 1e-4, "{err}");
    }
}
