//! What a screen shows of a slice: the mapping from display pixels to slice coordinates.
//!
//! The viewer decodes every zoom level at the exact resolution of the pixels on screen, and the
//! browser tests compare its pixels with the native engine's for the same view. Both therefore
//! compute the query coordinates here, once.

use crate::image::Image;
use serde::{Deserialize, Serialize};

/// A viewport onto a `slice_width × slice_height` slice.
///
/// `zoom` is display (backing-store) pixels per slice pixel, so it already includes the
/// device pixel ratio; `center` is the slice coordinate under the viewport's centre. Slice
/// coordinates follow [`crate::geometry`]: sample `j` sits at `j`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub width: usize,
    pub height: usize,
    pub center: [f64; 2],
    pub zoom: f64,
}

impl View {
    /// The view that fits the whole slice into `width × height`, centred.
    pub fn fit(width: usize, height: usize, slice_width: usize, slice_height: usize) -> View {
        let zoom = (width as f64 / slice_width as f64).min(height as f64 / slice_height as f64);
        View {
            width,
            height,
            center: [(slice_width as f64 - 1.0) / 2.0, (slice_height as f64 - 1.0) / 2.0],
            zoom,
        }
    }

    /// Slice coordinate at the centre of display pixel `(u, v)`.
    #[inline]
    pub fn slice_coord(&self, u: usize, v: usize) -> [f64; 2] {
        [
            self.center[0] + (u as f64 + 0.5 - self.width as f64 / 2.0) / self.zoom,
            self.center[1] + (v as f64 + 0.5 - self.height as f64 / 2.0) / self.zoom,
        ]
    }

    /// Display pixel (fractional) showing slice coordinate `c`: the inverse of `slice_coord`.
    pub fn display_coord(&self, c: [f64; 2]) -> [f64; 2] {
        [
            (c[0] - self.center[0]) * self.zoom + self.width as f64 / 2.0 - 0.5,
            (c[1] - self.center[1]) * self.zoom + self.height as f64 / 2.0 - 0.5,
        ]
    }

    /// Zoom by `factor` keeping slice coordinate under display pixel `(u, v)` in place (wheel
    /// zoom around the cursor).
    pub fn zoom_about(&self, factor: f64, u: f64, v: f64) -> View {
        let before = [
            self.center[0] + (u - self.width as f64 / 2.0) / self.zoom,
            self.center[1] + (v - self.height as f64 / 2.0) / self.zoom,
        ];
        let zoom = self.zoom * factor;
        View {
            zoom,
            center: [
                before[0] - (u - self.width as f64 / 2.0) / zoom,
                before[1] - (v - self.height as f64 / 2.0) / zoom,
            ],
            ..*self
        }
    }

    /// The output pixel size in slice units: the LIIF cell.
    pub fn cell(&self) -> [f32; 2] {
        [(1.0 / self.zoom) as f32, (1.0 / self.zoom) as f32]
    }

    /// Display pixels that show the slice (inside half a sample of its edge samples), row-major
    /// as `(pixel index, slice coordinate)`; the rest of the viewport is background.
    pub fn visible(&self, slice_width: usize, slice_height: usize, rows: std::ops::Range<usize>) -> (Vec<usize>, Vec<[f32; 2]>) {
        let (mut idx, mut coords) = (Vec::new(), Vec::new());
        let (xmax, ymax) = (slice_width as f64 - 0.5, slice_height as f64 - 0.5);
        for v in rows {
            for u in 0..self.width {
                let c = self.slice_coord(u, v);
                if c[0] >= -0.5 && c[0] < xmax && c[1] >= -0.5 && c[1] < ymax {
                    idx.push(v * self.width + u);
                    coords.push([c[0] as f32, c[1] as f32]);
                }
            }
        }
        (idx, coords)
    }

    /// Render with a per-coordinate sampler into a `width × height` image; background is NaN so
    /// that the display can tell "no slice here" from a dark pixel.
    pub fn render(&self, slice_width: usize, slice_height: usize, sample: impl FnOnce(&[[f32; 2]]) -> Vec<f32>) -> Image {
        let mut out = Image::new(self.width, self.height, vec![f32::NAN; self.width * self.height]);
        self.render_rows(slice_width, slice_height, 0..self.height, &mut out, sample);
        out
    }

    /// [`Self::render`] for display rows `rows` only, into `out` (the viewer renders a large
    /// preview a band of rows at a time, letting the page breathe between bands).
    pub fn render_rows(
        &self,
        slice_width: usize,
        slice_height: usize,
        rows: std::ops::Range<usize>,
        out: &mut Image,
        sample: impl FnOnce(&[[f32; 2]]) -> Vec<f32>,
    ) {
        let (idx, coords) = self.visible(slice_width, slice_height, rows);
        for (i, v) in idx.into_iter().zip(sample(&coords)) {
            out.data[i] = v;
        }
    }
}

impl View {
    /// Bicubic view of a slice (the viewer's instant preview and a method of its own).
    pub fn bicubic(&self, slice: &Image) -> Image {
        self.render(slice.width, slice.height, |c| c.iter().map(|p| crate::interp::bicubic_at(slice, p[0], p[1])).collect())
    }

    /// Nearest-neighbour view of a slice: the stored samples as blocks.
    pub fn nearest(&self, slice: &Image) -> Image {
        self.render(slice.width, slice.height, |c| c.iter().map(|p| crate::interp::nearest_at(slice, p[0], p[1])).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_centres_and_covers() {
        let v = View::fit(400, 300, 200, 100);
        assert_eq!(v.zoom, 2.0);
        let c = v.slice_coord(0, 75);
        assert!((c[0] - -0.25).abs() < 1e-9, "{c:?}");
        let back = v.display_coord(v.slice_coord(123, 45));
        assert!((back[0] - 123.0).abs() < 1e-9 && (back[1] - 45.0).abs() < 1e-9);
    }

    #[test]
    fn zoom_about_keeps_the_point_under_the_cursor() {
        let v = View::fit(300, 200, 64, 64);
        let (u, v_) = (37.5, 150.25);
        let before = [v.center[0] + (u - 150.0) / v.zoom, v.center[1] + (v_ - 100.0) / v.zoom];
        let z = v.zoom_about(2.7, u, v_);
        let after = [z.center[0] + (u - 150.0) / z.zoom, z.center[1] + (v_ - 100.0) / z.zoom];
        assert!((before[0] - after[0]).abs() < 1e-9 && (before[1] - after[1]).abs() < 1e-9);
        assert!((z.zoom - 2.7 * v.zoom).abs() < 1e-12);
    }

    #[test]
    fn render_marks_background_and_samples_inside() {
        let v = View { width: 10, height: 10, center: [1.5, 1.5], zoom: 2.0 };
        let img = v.render(4, 4, |c| c.iter().map(|p| p[0] + 10.0 * p[1]).collect());
        assert!(img.get(0, 0).is_nan() && !img.get(1, 1).is_nan());
        assert!(img.get(9, 9).is_nan());
        let c = v.slice_coord(3, 2);
        assert!((img.get(3, 2) - (c[0] + 10.0 * c[1]) as f32).abs() < 1e-5);
    }
}
