//! Turning (slice, view, method) into the pixels of a pane, asynchronously.
//!
//! The encoder runs once per slice and its result is cached; each view is decoded at the
//! pane's exact backing resolution in row tiles, every tile read back with
//! `into_data_async` (burn-wgpu cannot read synchronously in the browser). Each pane (and the
//! simulation) owns a [`Lane`]: a newer request on a lane makes older ones stale, and they stop
//! at their next tile ("latest wins") without disturbing the other lanes.

use crate::tier::Tier;
use coordsr::geometry::Grid;
use coordsr::image::Image;
use coordsr::infer::Encoded;
use coordsr::model::{SrModel, CONV_SCALE};
use coordsr::view::View;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How a view is reconstructed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Coord,
    Conv,
    Bicubic,
    Nearest,
    /// The slice itself; in the simulated low-res mode, the reference the others are scored on.
    Truth,
}

impl Method {
    pub const ALL: [Method; 5] = [Method::Coord, Method::Conv, Method::Bicubic, Method::Nearest, Method::Truth];
    /// Methods that reconstruct from a low-res input (scored in the simulated mode).
    pub const RECONSTRUCTIONS: [Method; 4] = [Method::Coord, Method::Conv, Method::Bicubic, Method::Nearest];

    pub fn key(&self) -> &'static str {
        match self {
            Method::Coord => "coord",
            Method::Conv => "conv",
            Method::Bicubic => "bicubic",
            Method::Nearest => "nearest",
            Method::Truth => "truth",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Method::Coord => "coord (any scale)",
            Method::Conv => "conv (2×, resampled)",
            Method::Bicubic => "bicubic",
            Method::Nearest => "nearest",
            Method::Truth => "ground truth (simulation)",
        }
    }

    pub fn from_key(k: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.key() == k)
    }

    /// Whether it runs a network (and so deserves a bicubic preview while it works).
    pub fn is_learned(&self) -> bool {
        matches!(self, Method::Coord | Method::Conv)
    }
}

/// The largest buffer a tile may need, bounded as if it gathered the unsplit
/// `4 · queries · (9C + 4)` floats (the split decoder gathers fewer: a safe over-estimate).
/// WebGPU's default limit on one storage binding is 128 MiB; staying at 64 MiB leaves room for
/// the MLP's intermediate buffers and fusion.
const MAX_TILE_BYTES: usize = 64 << 20;

/// Queries per device call for a `channels`-wide latent grid.
pub fn queries_per_tile(channels: usize) -> usize {
    let per_query = 4 * (9 * channels + 4) * 4;
    (MAX_TILE_BYTES / per_query).max(1)
}

/// Queries per call on the CPU tier. There the kernel runs on the page thread, synchronously:
/// 4096 queries keep each call near 50 ms (the fused host kernel, one wasm thread), so the page
/// stays responsive between tiles.
const CPU_TILE_QUERIES: usize = 4096;

/// Display rows per call for a view `width` pixels wide, at most `queries` queries per call.
pub fn rows_per_tile(width: usize, queries: usize) -> usize {
    (queries / width.max(1)).max(1)
}

/// A finished (or partial) decode.
pub struct Frame {
    pub image: Image,
    pub millis: f64,
    /// Fraction done, for the status line (1 when complete).
    pub done: f64,
}

/// One stream of requests where only the latest matters (a pane, the simulation).
#[derive(Default)]
pub struct Lane(Cell<u64>);

impl Lane {
    /// Start a new request; any older one on this lane stops at its next tile.
    pub fn begin(&self) -> u64 {
        self.0.set(self.0.get() + 1);
        self.0.get()
    }

    pub fn stale(&self, generation: u64) -> bool {
        self.0.get() != generation
    }
}

pub struct Decoder {
    pub tier: Tier,
    pub coord: Option<Rc<SrModel>>,
    pub conv: Option<Rc<SrModel>>,
    coord_channels: usize,
    /// (slice key, method) → encoding.
    cache: RefCell<Vec<(String, Method, Rc<Encoded>)>>,
    /// Conv output ×2 per slice key, read back once.
    conv_host: RefCell<Vec<(String, Rc<Image>)>>,
}

pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Let the page breathe between tiles (input, paint).
async fn yield_to_page() {
    gloo::timers::future::TimeoutFuture::new(0).await;
}

impl Decoder {
    pub fn new(tier: Tier, coord: Option<(SrModel, usize)>, conv: Option<SrModel>) -> Self {
        let coord_channels = coord.as_ref().map_or(1, |c| c.1);
        let coord = coord.map(|c| c.0);
        Self {
            coord_channels,
            tier,
            coord: coord.map(Rc::new),
            conv: conv.map(Rc::new),
            cache: RefCell::new(Vec::new()),
            conv_host: RefCell::new(Vec::new()),
        }
    }

    pub fn tier_is_gpu(&self) -> bool {
        matches!(self.tier, Tier::WebGpu { .. })
    }

    /// Queries per call: bounded by the GPU's binding limit on WebGPU, by responsiveness on the CPU.
    fn tile_queries(&self) -> usize {
        if self.tier_is_gpu() { queries_per_tile(self.coord_channels) } else { CPU_TILE_QUERIES }
    }

    pub fn available(&self, m: Method) -> bool {
        match m {
            Method::Coord => self.coord.is_some(),
            Method::Conv => self.conv.is_some(),
            _ => true,
        }
    }

    fn encoded(&self, key: &str, method: Method, model: &SrModel, slice: &Image) -> Rc<Encoded> {
        let mut cache = self.cache.borrow_mut();
        if let Some((_, _, e)) = cache.iter().find(|(k, m, _)| k == key && *m == method) {
            return e.clone();
        }
        let e = Rc::new(model.encode(slice, self.tier.device()));
        cache.push((key.to_string(), method, e.clone()));
        // Keep a few slices: scrolling back and forth should not re-encode.
        if cache.len() > 6 {
            cache.remove(0);
        }
        e
    }

    /// The fast preview shown while a learned decode runs.
    pub fn bicubic(slice: &Image, view: &View) -> Image {
        view.bicubic(slice)
    }

    /// Coord queries at `coords` in tiles of at most `tile` queries, in scanner units; `each`
    /// receives (first index, values) per tile. `None` when the lane moved on.
    #[allow(clippy::too_many_arguments)]
    async fn query_tiled(
        &self,
        lane: &Lane,
        generation: u64,
        model: &SrModel,
        enc: &Encoded,
        coords: &[[f32; 2]],
        cell: [f32; 2],
        tile: usize,
        mut each: impl FnMut(usize, Vec<f32>, f64),
    ) -> Option<()> {
        let mut start = 0;
        while start < coords.len() {
            let end = (start + tile).min(coords.len());
            let values = model.query_chunk(enc, &coords[start..end], cell).into_values_async().await.ok()?;
            if lane.stale(generation) {
                return None;
            }
            each(start, values.into_iter().map(|v| v * enc.unit).collect(), end as f64 / coords.len() as f64);
            start = end;
            if start < coords.len() {
                yield_to_page().await;
                if lane.stale(generation) {
                    return None;
                }
            }
        }
        Some(())
    }

    /// Decode `view` of `slice` with `method`; `progress` receives partial frames. Returns
    /// `None` when a newer request on `lane` overtook this one.
    #[allow(clippy::too_many_arguments)]
    pub async fn decode(
        &self,
        lane: &Lane,
        generation: u64,
        key: &str,
        slice: &Image,
        view: &View,
        method: Method,
        mut progress: impl FnMut(&Frame),
    ) -> Option<Frame> {
        let start = now();
        match method {
            Method::Nearest | Method::Truth => Some(Frame { image: view.nearest(slice), millis: now() - start, done: 1.0 }),
            Method::Bicubic => Some(Frame { image: Self::bicubic(slice, view), millis: now() - start, done: 1.0 }),
            Method::Conv => {
                let model = self.conv.clone()?;
                let x2 = self.conv_x2(key, &model, slice).await?;
                if lane.stale(generation) {
                    return None;
                }
                let image = view.render(slice.width, slice.height, |c| c.iter().map(|p| coordsr::infer::conv_at(&x2, *p)).collect());
                Some(Frame { image, millis: now() - start, done: 1.0 })
            }
            Method::Coord => {
                let model = self.coord.clone()?;
                let enc = self.encoded(key, method, &model, slice);
                let mut image = Self::bicubic(slice, view);
                // Whole rows per tile, so partial frames fill from the top.
                let rows = rows_per_tile(view.width, self.tile_queries());
                let mut v0 = 0;
                while v0 < view.height {
                    let v1 = (v0 + rows).min(view.height);
                    let (idx, coords) = view.visible(slice.width, slice.height, v0..v1);
                    self.query_tiled(lane, generation, &model, &enc, &coords, view.cell(), coords.len().max(1), |_, values, _| {
                        for (i, v) in idx.iter().zip(values) {
                            image.data[*i] = v;
                        }
                    })
                    .await?;
                    v0 = v1;
                    if v0 < view.height {
                        progress(&Frame { image: image.clone(), millis: now() - start, done: v0 as f64 / view.height as f64 });
                        yield_to_page().await;
                        if lane.stale(generation) {
                            return None;
                        }
                    }
                }
                Some(Frame { image, millis: now() - start, done: 1.0 })
            }
        }
    }

    /// Reconstruct the low-res `lr` on the reference grid of `grid` with `method`, exactly as
    /// the engine's evaluation does (`coordsr::methods`), but with asynchronous read-backs.
    /// `progress` gets the fraction done. `None` when the lane moved on or the method is missing.
    #[allow(clippy::too_many_arguments)]
    pub async fn reconstruct(
        &self,
        lane: &Lane,
        generation: u64,
        key: &str,
        lr: &Image,
        grid: &Grid,
        method: Method,
        mut progress: impl FnMut(f64),
    ) -> Option<Image> {
        match method {
            Method::Nearest => Some(coordsr::interp::nearest(lr, grid)),
            Method::Bicubic => Some(coordsr::interp::bicubic(lr, grid)),
            Method::Truth => None,
            Method::Conv => {
                let model = self.conv.clone()?;
                let x2 = self.conv_x2(key, &model, lr).await?;
                Some(coordsr::infer::conv_on_grid((*x2).clone(), grid))
            }
            Method::Coord => {
                let model = self.coord.clone()?;
                let enc = self.encoded(key, method, &model, lr);
                let coords = grid.hr_coords();
                let mut data = vec![0.0f32; coords.len()];
                let tile = self.tile_queries();
                self.query_tiled(lane, generation, &model, &enc, &coords, grid.cell(), tile, |first, values, done| {
                    data[first..first + values.len()].copy_from_slice(&values);
                    progress(done);
                })
                .await?;
                Some(Image::new(grid.x.hr, grid.y.hr, data))
            }
        }
    }

    async fn conv_x2(&self, key: &str, model: &SrModel, slice: &Image) -> Option<Rc<Image>> {
        if let Some((_, img)) = self.conv_host.borrow().iter().find(|(k, _)| k == key) {
            return Some(img.clone());
        }
        let enc = model.encode(slice, self.tier.device());
        let out = enc.conv_out.clone()?;
        let data = out.into_data_async().await.ok()?;
        let values: Vec<f32> = data.try_into_vec::<f32>().ok()?;
        let img = Rc::new(Image::new(
            CONV_SCALE * slice.width,
            CONV_SCALE * slice.height,
            values.into_iter().map(|v| v * enc.unit).collect(),
        ));
        let mut host = self.conv_host.borrow_mut();
        host.push((key.to_string(), img.clone()));
        if host.len() > 4 {
            host.remove(0);
        }
        Some(img)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_stay_under_the_binding_limit() {
        for c in [16, 32, 64] {
            let q = queries_per_tile(c);
            assert!(q * 4 * (9 * c + 4) * 4 <= MAX_TILE_BYTES);
            for w in [1, 256, 1024, 4096] {
                let rows = rows_per_tile(w, q);
                assert!(rows >= 1);
                assert!(rows == 1 || rows * w * 4 * (9 * c + 4) * 4 <= MAX_TILE_BYTES);
            }
        }
    }
}
