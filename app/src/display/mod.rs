//! Putting decoded intensities on the canvas with a window/level.
//!
//! Intensities stay floating point until this last step, so changing the window never
//! re-decodes. NaN marks "outside the slice" and is drawn as the page background. Canvas 2D
//! here; the same mapping in WGSL on the GPU in [`gpu`] (the shader stays in `shaders/`).

pub mod gpu;

use coordsr::image::Image;
use coordsr::volume::Volume;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Window centre and width in scanner units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub center: f32,
    pub width: f32,
}

impl Window {
    /// From the 1st to the 99.5th percentile of a slice: what "auto" means for one plane.
    pub fn auto(slice: &Image) -> Window {
        Self::percentiles(slice.data.iter().copied().filter(|x| x.is_finite()).collect(), 0.01, 0.995)
    }

    /// From the 1st to the 99.5th percentile of the whole volume (every voxel up to a million,
    /// evenly strided beyond): MR intensities have no fixed scale, so a window is set from
    /// the scan itself on load, the same for every plane.
    pub fn auto_volume(volume: &Volume) -> Window {
        Self::percentiles(Self::voxels(volume), 0.01, 0.995)
    }

    /// The window from percentile `lo` to `hi` of the volume's voxels (an MR preset).
    pub fn volume_percentiles(volume: &Volume, lo: f64, hi: f64) -> Window {
        Self::percentiles(Self::voxels(volume), lo, hi)
    }

    fn voxels(volume: &Volume) -> Vec<f32> {
        let total: usize = volume.slices.iter().map(|s| s.data.len()).sum();
        let stride = total.div_ceil(1 << 20).max(1);
        volume.slices.iter().flat_map(|s| s.data.iter()).step_by(stride).copied().filter(|x| x.is_finite()).collect()
    }

    fn percentiles(mut v: Vec<f32>, lo: f64, hi: f64) -> Window {
        if v.is_empty() {
            return Window { center: 0.5, width: 1.0 };
        }
        // Two order statistics by selection, not a sort: a volume's million samples sorted took
        // a long page task; selection is linear and gives the same values.
        let mut q = |p: f64| {
            let i = ((v.len() - 1) as f64 * p).round() as usize;
            *v.select_nth_unstable_by(i, |a, b| a.total_cmp(b)).1
        };
        let (lo, hi) = (q(lo), q(hi));
        let width = (hi - lo).max(1e-6);
        Window { center: lo + width / 2.0, width }
    }

}

/// The colour of a window position `t` in [0, 1]: grey, or "hot" (as `shaders/display.wgsl`).
#[inline]
pub fn colour(t: f32, colormap: u32) -> [u8; 3] {
    let c = |x: f32| (x.clamp(0.0, 1.0) * 255.0).round() as u8;
    if colormap == 1 { [c(3.0 * t), c(3.0 * t - 1.0), c(3.0 * t - 2.0)] } else { [c(t); 3] }
}

/// Where frames go: the WebGPU display on the WebGPU tier, a 2D context otherwise. Decided once
/// per canvas (a canvas keeps the first kind of context it gives out).
pub enum Screen {
    Gpu(gpu::GpuDisplay),
    Canvas2d(HtmlCanvasElement),
}

impl Screen {
    pub async fn new(canvas: HtmlCanvasElement, webgpu: bool) -> (Screen, Option<String>) {
        if webgpu {
            match gpu::GpuDisplay::new(canvas.clone()).await {
                Ok(g) => return (Screen::Gpu(g), None),
                Err(e) => return (Screen::Canvas2d(canvas), Some(format!("WebGPU display failed ({e}); drawing with Canvas 2D"))),
            }
        }
        (Screen::Canvas2d(canvas), None)
    }

    pub fn show(&mut self, image: &Image, window: Window, colormap: u32) {
        match self {
            Screen::Gpu(g) => g.show(image, window, colormap),
            Screen::Canvas2d(c) => {
                let _ = draw(c, image, window, colormap);
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Screen::Gpu(_) => "WebGPU display",
            Screen::Canvas2d(_) => "Canvas 2D display",
        }
    }
}

/// Draw `image` (the canvas's backing size) with `window` through a 2D context.
pub fn draw(canvas: &HtmlCanvasElement, image: &Image, window: Window, colormap: u32) -> Result<(), String> {
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
            let t = (v - (window.center - window.width / 2.0)) / window.width;
            let [r, g, b] = colour(t, colormap);
            px.copy_from_slice(&[r, g, b, 255]);
        }
    }
    let data = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), image.width as u32, image.height as u32)
        .map_err(|e| format!("{e:?}"))?;
    ctx.put_image_data(&data, 0.0, 0.0).map_err(|e| format!("{e:?}"))
}
