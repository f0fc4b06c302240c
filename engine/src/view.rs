//! What a screen shows of a slice: the mapping from display pixels to slice coordinates.
//!
//! The viewer decodes every zoom level at the exact resolution of the pixels on screen, and the
//! browser tests compare its pixels with the native engine's for the same view. Both therefore
//! compute the query coordinates here, once.

use crate::image::Image;
use serde::{Deserialize, Serialize};

/// A viewport onto a `slice_width × slice_height` slice.
///
/// `zoom` is display (backing-store) pixels per slice pixel across, so it already includes the
/// device pixel ratio; down, a slice pixel is `zoom × aspect` display pixels (`aspect` is the
/// slice's pixel height over its width in mm: 1 for an acquired slice, 3 for a reformat of 3 mm
/// slices of 1 mm pixels, which is drawn at its true shape). `center` is the slice coordinate
/// under the viewport's centre. Slice coordinates follow [`crate::geometry`]: sample `j` sits
/// at `j`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub width: usize,
    pub height: usize,
    pub center: [f64; 2],
    pub zoom: f64,
    /// Pixel height over width (mm); absent in older study files and messages: square.
    #[serde(default = "square")]
    pub aspect: f64,
}

fn square() -> f64 {
    1.0
}

impl View {
    /// A view of square pixels.
    pub fn new(width: usize, height: usize, center: [f64; 2], zoom: f64) -> View {
        View { width, height, center, zoom, aspect: 1.0 }
    }

    /// The same view with pixels `aspect` times as tall as wide.
    pub fn with_aspect(self, aspect: f64) -> View {
        View { aspect, ..self }
    }

    /// The view that fits the whole slice (its pixels `aspect` times as tall as wide) into
    /// `width × height`, centred.
    pub fn fit(width: usize, height: usize, slice_width: usize, slice_height: usize, aspect: f64) -> View {
        let zoom = (width as f64 / slice_width as f64).min(height as f64 / (slice_height as f64 * aspect));
        View {
            width,
            height,
            center: [(slice_width as f64 - 1.0) / 2.0, (slice_height as f64 - 1.0) / 2.0],
            zoom,
            aspect,
        }
    }

    /// Display pixels per slice pixel across and down.
    #[inline]
    pub fn zooms(&self) -> [f64; 2] {
        [self.zoom, self.zoom * self.aspect]
    }

    /// Slice coordinate at the centre of display pixel `(u, v)`.
    #[inline]
    pub fn slice_coord(&self, u: usize, v: usize) -> [f64; 2] {
        self.slice_point(u as f64 + 0.5, v as f64 + 0.5)
    }

    /// Slice coordinate under display point `(x, y)` (display pixels from the top left corner
    /// of the viewport; pixel `(u, v)`'s centre is `(u + 0.5, v + 0.5)`): where the pointer is.
    pub fn slice_point(&self, x: f64, y: f64) -> [f64; 2] {
        let [zx, zy] = self.zooms();
        [self.center[0] + (x - self.width as f64 / 2.0) / zx, self.center[1] + (y - self.height as f64 / 2.0) / zy]
    }

    /// Display pixel (fractional) showing slice coordinate `c`: the inverse of `slice_coord`.
    pub fn display_coord(&self, c: [f64; 2]) -> [f64; 2] {
        let [zx, zy] = self.zooms();
        [(c[0] - self.center[0]) * zx + self.width as f64 / 2.0 - 0.5, (c[1] - self.center[1]) * zy + self.height as f64 / 2.0 - 0.5]
    }

    /// Zoom by `factor` keeping slice coordinate under display pixel `(u, v)` in place (wheel
    /// zoom around the cursor).
    pub fn zoom_about(&self, factor: f64, u: f64, v: f64) -> View {
        let before = self.slice_point(u, v);
        let zoom = self.zoom * factor;
        let [zx, zy] = [zoom, zoom * self.aspect];
        View {
            zoom,
            center: [before[0] - (u - self.width as f64 / 2.0) / zx, before[1] - (v - self.height as f64 / 2.0) / zy],
            ..*self
        }
    }

    /// The output pixel size in slice units: the LIIF cell (taller than wide where the view
    /// stretches a slice pixel down).
    pub fn cell(&self) -> [f32; 2] {
        let [zx, zy] = self.zooms();
        [(1.0 / zx) as f32, (1.0 / zy) as f32]
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
        let v = View::fit(400, 300, 200, 100, 1.0);
        assert_eq!(v.zoom, 2.0);
        let c = v.slice_coord(0, 75);
        assert!((c[0] - -0.25).abs() < 1e-9, "{c:?}");
        let back = v.display_coord(v.slice_coord(123, 45));
        assert!((back[0] - 123.0).abs() < 1e-9 && (back[1] - 45.0).abs() < 1e-9);
    }

    #[test]
    fn zoom_about_keeps_the_point_under_the_cursor() {
        let v = View::fit(300, 200, 64, 64, 1.0);
        let (u, v_) = (37.5, 150.25);
        let before = [v.center[0] + (u - 150.0) / v.zoom, v.center[1] + (v_ - 100.0) / v.zoom];
        let z = v.zoom_about(2.7, u, v_);
        let after = [z.center[0] + (u - 150.0) / z.zoom, z.center[1] + (v_ - 100.0) / z.zoom];
        assert!((before[0] - after[0]).abs() < 1e-9 && (before[1] - after[1]).abs() < 1e-9);
        assert!((z.zoom - 2.7 * v.zoom).abs() < 1e-12);
    }

    #[test]
    fn a_stretched_view_draws_pixels_at_their_true_shape() {
        // A coronal reformat of 3 mm slices at 1 mm pixels, 40 wide and 10 tall: fits 120 display
        // pixels wide and 90 tall, each slice pixel 3 wide and 9 tall, and decodes at that cell.
        let v = View::fit(120, 200, 40, 10, 3.0);
        assert_eq!((v.zoom, v.zooms()), (3.0, [3.0, 9.0]));
        assert_eq!(v.cell(), [1.0 / 3.0, 1.0 / 9.0]);
        let c = v.slice_coord(60, 100);
        assert!((c[0] - (19.5 + 0.5 / 3.0)).abs() < 1e-12 && (c[1] - (4.5 + 0.5 / 9.0)).abs() < 1e-12, "{c:?}");
        let back = v.display_coord(v.slice_coord(17, 133));
        assert!((back[0] - 17.0).abs() < 1e-9 && (back[1] - 133.0).abs() < 1e-9);
        let z = v.zoom_about(1.7, 30.0, 44.0);
        let (a, b) = (v.slice_point(30.0, 44.0), z.slice_point(30.0, 44.0));
        assert!((a[0] - b[0]).abs() < 1e-9 && (a[1] - b[1]).abs() < 1e-9);
        assert_eq!(z.aspect, 3.0);
        // Older messages without an aspect read as square pixels.
        let old: View = serde_json::from_str(r#"{"width":4,"height":3,"center":[1.0,1.0],"zoom":2.0}"#).unwrap();
        assert_eq!(old, View::new(4, 3, [1.0, 1.0], 2.0));
    }

    #[test]
    fn render_marks_background_and_samples_inside() {
        let v = View::new(10, 10, [1.5, 1.5], 2.0);
        let img = v.render(4, 4, |c| c.iter().map(|p| p[0] + 10.0 * p[1]).collect());
        assert!(img.get(0, 0).is_nan() && !img.get(1, 1).is_nan());
        assert!(img.get(9, 9).is_nan());
        let c = v.slice_coord(3, 2);
        assert!((img.get(3, 2) - (c[0] + 10.0 * c[1]) as f32).abs() < 1e-5);
    }
}
