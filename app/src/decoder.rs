//! Turning (slice, view, method) into the pixels of the viewport, asynchronously.
//!
//! The encoder runs once per slice and its result is cached; each view is decoded at the
//! viewport's exact backing resolution in row tiles, every tile read back with
//! `into_data_async` (burn-wgpu cannot read synchronously in the browser). A newer request
//! makes older ones stale: they stop at their next tile ("latest wins").

use crate::tier::Tier;
use coordsr::image::Image;
use coordsr::infer::Encoded;
use coordsr::model::{SrModel, CONV_SCALE};
use coordsr::view::View;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How a view is reconstructed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Coord,
    Conv,
    Bicubic,
    Nearest,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Coord, Method::Conv, Method::Bicubic, Method::Nearest];

    pub fn key(&self) -> &'static str {
        match self {
            Method::Coord => "coord",
            Method::Conv => "conv",
            Method::Bicubic => "bicubic",
            Method::Nearest => "nearest",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Method::Coord => "coord (any scale)",
            Method::Conv => "conv (2×, resampled)",
            Method::Bicubic => "bicubic",
            Method::Nearest => "nearest",
        }
    }

    pub fn from_key(k: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.key() == k)
    }
}

/// The largest buffer a tile may need: the gathered neighbour features, `4 · queries · (9C + 4)`
/// floats. WebGPU's default limit on one storage binding is 128 MiB; staying at 64 MiB leaves
/// room for the MLP's intermediate buffers and fusion.
const MAX_TILE_BYTES: usize = 64 << 20;

/// Display rows per device call for a view `width` pixels wide and a `channels`-wide latent grid.
pub fn rows_per_tile(width: usize, channels: usize) -> usize {
    let per_query = 4 * (9 * channels + 4) * 4;
    (MAX_TILE_BYTES / per_query / width.max(1)).max(1)
}

/// A finished (or partial) decode.
pub struct Frame {
    pub image: Image,
    pub millis: f64,
}

pub struct Decoder {
    pub tier: Tier,
    pub coord: Option<Rc<SrModel>>,
    pub conv: Option<Rc<SrModel>>,
    coord_channels: usize,
    /// (slice key, method) → encoding.
    cache: RefCell<Vec<(String, Method, Rc<Encoded>)>>,
    /// Conv output ×2 per slice key, read back once.
    conv_host: RefCell<Option<(String, Rc<Image>)>>,
    generation: Cell<u64>,
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
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
            conv_host: RefCell::new(None),
            generation: Cell::new(0),
        }
    }

    pub fn tier_is_gpu(&self) -> bool {
        matches!(self.tier, Tier::WebGpu { .. })
    }

    pub fn available(&self, m: Method) -> bool {
        match m {
            Method::Coord => self.coord.is_some(),
            Method::Conv => self.conv.is_some(),
            _ => true,
        }
    }

    /// Start a new request; any older one stops at its next tile.
    pub fn begin(&self) -> u64 {
        self.generation.set(self.generation.get() + 1);
        self.generation.get()
    }

    fn stale(&self, generation: u64) -> bool {
        self.generation.get() != generation
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

    /// Decode `view` of `slice` with `method`; `progress` receives partial frames. Returns
    /// `None` when a newer request overtook this one.
    pub async fn decode(
        &self,
        generation: u64,
        key: &str,
        slice: &Image,
        view: &View,
        method: Method,
        mut progress: impl FnMut(&Frame),
    ) -> Option<Frame> {
        let start = now();
        match method {
            Method::Nearest => {
                let image = view.nearest(slice);
                Some(Frame { image, millis: now() - start })
            }
            Method::Bicubic => Some(Frame { image: Self::bicubic(slice, view), millis: now() - start }),
            Method::Conv => {
                let model = self.conv.clone()?;
                let x2 = self.conv_x2(key, &model, slice).await?;
                if self.stale(generation) {
                    return None;
                }
                let image = view.render(slice.width, slice.height, |c| c.iter().map(|p| coordsr::infer::conv_at(&x2, *p)).collect());
                Some(Frame { image, millis: now() - start })
            }
            Method::Coord => {
                let model = self.coord.clone()?;
                let enc = self.encoded(key, method, &model, slice);
                let mut image = Self::bicubic(slice, view);
                let rows = rows_per_tile(view.width, self.coord_channels);
                let mut v0 = 0;
                while v0 < view.height {
                    let v1 = (v0 + rows).min(view.height);
                    let (idx, coords) = view.visible(slice.width, slice.height, v0..v1);
                    if !coords.is_empty() {
                        let t = model.query_chunk(&enc, &coords, view.cell());
                        let data = t.into_data_async().await.ok()?;
                        let values: Vec<f32> = data.try_into_vec::<f32>().ok()?;
                        for (i, v) in idx.into_iter().zip(values) {
                            image.data[i] = v * enc.unit;
                        }
                    }
                    if self.stale(generation) {
                        return None;
                    }
                    v0 = v1;
                    if v0 < view.height {
                        progress(&Frame { image: image.clone(), millis: now() - start });
                        // Let the page breathe between tiles (input, paint).
                        gloo::timers::future::TimeoutFuture::new(0).await;
                        if self.stale(generation) {
                            return None;
                        }
                    }
                }
                Some(Frame { image, millis: now() - start })
            }
        }
    }

    async fn conv_x2(&self, key: &str, model: &SrModel, slice: &Image) -> Option<Rc<Image>> {
        if let Some((k, img)) = self.conv_host.borrow().as_ref()
            && k == key
        {
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
        *self.conv_host.borrow_mut() = Some((key.to_string(), img.clone()));
        Some(img)
    }
}
