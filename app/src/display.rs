//! Putting decoded intensities on the canvas with a window/level.
//!
//! Intensities stay floating point until this last step, so changing the window never
//! re-decodes. NaN marks "outside the slice" and is drawn as the page background.

use coordsr::image::Image;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Window centre and width in scanner units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub center: f32,
    pub width: f32,
}

impl Window {
    /// From the 1st to the 99.5th percentile of a slice: what "auto" means.
    pub fn auto(slice: &Image) -> Window {
        let mut v: Vec<f32> = slice.data.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Window { center: 0.5, width: 1.0 };
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        let (lo, hi) = (q(0.01), q(0.995));
        let width = (hi - lo).max(1e-6);
        Window { center: lo + width / 2.0, width }
    }

    /// Grey level 0–255 of an intensity.
    #[inline]
    pub fn grey(&self, v: f32) -> u8 {
        let t = (v - (self.center - self.width / 2.0)) / self.width;
        (t.clamp(0.0, 1.0) * 255.0).round() as u8
    }
}

/// Draw `image` (the canvas's backing size) with `window` through a 2D context.
pub fn draw(canvas: &HtmlCanvasElement, image: &Image, window: Window) -> Result<(), String> {
    if canvas.width() as usize != image.width || canvas.height() as usize != image.height {
        canvas.set_width(image.width as u32);
        canvas.set_height(image.height as u32);
    }
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(|_| "no 2D context".to_string())?
        .ok_or("no 2D context")?
        .dyn_into()
        .map_err(|_| "not a 2D context".to_string())?;
    let mut rgba = vec![0u8; image.width * image.height * 4];
    for (px, v) in rgba.chunks_exact_mut(4).zip(&image.data) {
        if v.is_nan() {
            px.copy_from_slice(&[17, 17, 17, 255]);
        } else {
            let g = window.grey(*v);
            px.copy_from_slice(&[g, g, g, 255]);
        }
    }
    let data = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), image.width as u32, image.height as u32)
        .map_err(|e| format!("{e:?}"))?;
    ctx.put_image_data(&data, 0.0, 0.0).map_err(|e| format!("{e:?}"))
}
