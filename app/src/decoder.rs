//! Turning (slice, view, method) into the pixels of a pane, asynchronously.
//!
//! A view is decoded at the pane's exact backing resolution, block by block
//! ([`coordsr::tiles`]): only the blocks it shows are encoded, each once (cached), the one at
//! the centre first. The blocks go to the decoding workers ([`crate::pool`]: one per core on the
//! CPU tier, one WebGPU worker on that tier) and the page thread only composes; when no worker
//! could start, the page decodes them itself on the CPU, between frames. Each pane (and the
//! simulation) owns a [`Lane`]: a newer request on a lane makes older ones stale; their queued
//! blocks are dropped unsent ("latest wins") without disturbing the other lanes.

use crate::pool::{Ask, Kind, Pool};
use crate::protocol::{FromWorker, ToWorker};
use crate::scan::{self, Scan};
use coordsr::degrade::Degradation;
use coordsr::metrics::{self, Metrics};
use coordsr::volume::Volume;
use burn::tensor::Device;
use crate::tier::Tier;
use coordsr::geometry::Grid;
use coordsr::image::Image;
use coordsr::infer::Encoded;
use coordsr::methods::Reconstruction;
use coordsr::model::SrModel;
use coordsr::tiles::{Block, BlockCache, Tiling};
use coordsr::view::View;
use futures::stream::{FuturesUnordered, StreamExt};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub use coordsr::methods::Method;

/// The engine's methods the viewer offers (zero-fill is global: it needs the whole slice's
/// spectrum, not a view's blocks); in the simulated mode each is scored.
pub const VIEWER_METHODS: [Method; 4] = [Method::Coord, Method::Conv, Method::Bicubic, Method::Nearest];

/// A method as the viewer's menus and tables name it.
pub fn label(m: Method) -> &'static str {
    match m {
        Method::Coord => "coord (any scale)",
        Method::Conv => "conv (2×, resampled)",
        Method::Bicubic => "bicubic",
        Method::Zerofill => "zero-fill",
        Method::Nearest => "nearest",
    }
}

/// What a pane shows: the slice reconstructed by one of the engine's [`Method`]s, or, in the
/// simulated low-res mode, the reference slice itself that the methods are scored against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shown {
    Method(Method),
    Truth,
}

impl Shown {
    pub const ALL: [Shown; 5] = [
        Shown::Method(VIEWER_METHODS[0]),
        Shown::Method(VIEWER_METHODS[1]),
        Shown::Method(VIEWER_METHODS[2]),
        Shown::Method(VIEWER_METHODS[3]),
        Shown::Truth,
    ];

    /// The name in URLs (`?method=`) and the page's markup.
    pub fn key(self) -> &'static str {
        match self {
            Shown::Method(m) => m.key(),
            Shown::Truth => "truth",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Shown::Method(m) => label(m),
            Shown::Truth => "ground truth (simulation)",
        }
    }

    pub fn from_key(k: &str) -> Option<Shown> {
        Shown::ALL.into_iter().find(|m| m.key() == k)
    }
}

/// A finished (or partial) decode.
#[derive(Clone)]
pub struct Frame {
    pub image: Image,
    pub millis: f64,
    /// Fraction done, for the status line (1 when complete).
    pub done: f64,
    /// Why the method could not finish (the frame then shows the preview).
    pub failed: Option<String>,
}

/// One stream of requests where only the latest matters (a pane, the simulation).
#[derive(Default)]
pub struct Lane {
    generation: Cell<u64>,
    /// When the last request began (ms), and whether the one before it was long before.
    last: Cell<f64>,
    after_quiet: Cell<bool>,
}

impl Lane {
    /// Start a new request; any older one on this lane stops at its next tile.
    pub fn begin(&self) -> u64 {
        let t = now();
        self.after_quiet.set(self.generation.get() == 0 || t - self.last.get() > QUIET_MS);
        self.last.set(t);
        self.generation.set(self.generation.get() + 1);
        self.generation.get()
    }

    pub fn stale(&self, generation: u64) -> bool {
        self.generation.get() != generation
    }

    /// Whether the current request came alone (the first, or after a quiet spell) rather than
    /// in a stream of them (a slider or the wheel moving): only a stream waits for a pause.
    pub fn after_quiet(&self) -> bool {
        self.after_quiet.get()
    }
}

/// The page's compute, named for all it does: it decodes views block by block (what the panes
/// ask), and reads opened files, degrades, reconstructs and scores (what the simulated mode and
/// the file picker ask) — in the decoding workers, or on the page when none started. One per
/// page, decided at start-up with the tier.
pub struct Compute {
    pub tier: Tier,
    pub coord: Option<Rc<SrModel>>,
    pub conv: Option<Rc<SrModel>>,
    /// The through-plane coord model, for reformats across thick slices.
    pub through: Option<Rc<SrModel>>,
    /// The decoding workers; `None` when none could start (then the page thread decodes, block
    /// by block, and the status line says so).
    pub pool: Option<Rc<Pool>>,
    /// Page-thread block encodings (when no worker runs).
    cache: RefCell<BlockCache>,
    /// Workers that share a slice's blocks (1 on the page thread): sets the block size.
    workers: usize,
}

pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Let the page breathe between blocks (input, paint).
async fn yield_to_page() {
    gloo::timers::future::TimeoutFuture::new(0).await;
}

/// Bicubic samples per page task (~15 ms in wasm here: 2^18 took 55–100 ms).
const PREVIEW_SAMPLES: usize = 1 << 16;

/// How long a view must stay before its learned decode starts (ms), when views come in a
/// stream: a request less than [`QUIET_MS`] after the previous one is part of a stream.
const PAUSE_MS: u32 = 120;
const QUIET_MS: f64 = 400.0;

/// Display pixels per worker job at most (about): ~0.2 s of one worker's time here.
const QUERIES_PER_JOB: usize = 16_384;

/// Partial frames at most this often: each one is a copy and a redraw of the whole view.
const PROGRESS_EVERY_MS: f64 = 100.0;

impl Compute {
    /// `models` in the order of [`crate::protocol::MODELS`]: coord, conv, coord-through.
    pub fn new(tier: Tier, models: [Option<SrModel>; 3], pool: Option<Rc<Pool>>) -> Self {
        let workers = pool.as_ref().map_or(1, |p| p.size());
        let [coord, conv, through] = models.map(|m| m.map(Rc::new));
        Self { tier, coord, conv, through, pool, cache: RefCell::new(BlockCache::default()), workers }
    }

    /// How a slice is cut into blocks, decided once per decoder (the workers keep it per slice).
    fn tiling(&self, slice: &Image) -> Tiling {
        Tiling::for_workers(slice.width, slice.height, self.workers)
    }

    pub fn tier_is_gpu(&self) -> bool {
        matches!(self.tier, Tier::WebGpu { .. })
    }

    /// Where decoding runs, for the status line.
    pub fn describe(&self) -> String {
        match &self.pool {
            Some(p) if p.kind() == Kind::WebGpu => format!("{} · in a decoding worker", self.tier.describe()),
            Some(p) => format!("{} · {} decoding workers", self.tier.describe(), p.size()),
            None => format!("{} · on the page thread (no decoding workers)", self.tier.describe()),
        }
    }

    pub fn available(&self, m: Method) -> bool {
        match m {
            Method::Coord => self.coord.is_some(),
            Method::Conv => self.conv.is_some(),
            _ => true,
        }
    }

    /// Whether a pane can show `s` now (the truth exists only in the simulated mode).
    pub fn can_show(&self, s: Shown, simulating: bool) -> bool {
        match s {
            Shown::Method(m) => self.available(m),
            Shown::Truth => simulating,
        }
    }

    /// A learned method's model and its name (in messages and to the workers) for a view whose
    /// pixels are `aspect` times as tall as wide: coord is the through-plane model on a
    /// reformat across thick slices ([`coordsr::through_plane::coord_model_for`]), the
    /// in-plane one otherwise (and where the through-plane weights did not load).
    fn model(&self, m: Method, aspect: f64) -> Option<(Rc<SrModel>, &'static str)> {
        match m {
            Method::Coord => match (coordsr::through_plane::coord_model_for(aspect), &self.through) {
                ("coord-through", Some(t)) => Some((t.clone(), "coord-through")),
                _ => self.coord.clone().map(|c| (c, "coord")),
            },
            Method::Conv => self.conv.clone().map(|c| (c, "conv")),
            _ => None,
        }
    }

    /// Block `b` of `slice` encoded on the page thread, on the CPU (cached).
    fn block(&self, key: &str, slice: &Image, name: &'static str, model: &SrModel, b: Block) -> Rc<Encoded> {
        let mut cache = self.cache.borrow_mut();
        if cache.blocks(key).is_none() {
            cache.insert(key, slice, self.tiling(slice).size);
        }
        cache.encoded(key, name, model, b, &Device::flex()).expect("the slice was just inserted")
    }

    /// The bicubic view ([`View::bicubic`]): the method of its own and the preview shown while a
    /// learned decode runs, computed in bands of rows with the page breathing between them (a
    /// 1024² view is a million samples, too long for one task).
    pub async fn bicubic(slice: &Image, view: &View) -> Image {
        let mut out = Image::new(view.width, view.height, vec![f32::NAN; view.width * view.height]);
        let band = (PREVIEW_SAMPLES / view.width.max(1)).max(1);
        let mut v0 = 0;
        while v0 < view.height {
            let v1 = (v0 + band).min(view.height);
            view.render_rows(slice.width, slice.height, v0..v1, &mut out, |c| {
                c.iter().map(|p| coordsr::interp::bicubic_at(slice, p[0], p[1])).collect()
            });
            v0 = v1;
            if v0 < view.height {
                yield_to_page().await;
            }
        }
        out
    }

    /// Run `jobs` (block, ask) of slice `key` with a learned method, in the workers or on the
    /// page thread; `put` receives each job's (position in `jobs`, pixel indices for a view,
    /// values) as it finishes. `Ok(false)` when the lane moved on.
    #[allow(clippy::too_many_arguments)]
    async fn run_blocks(
        &self,
        lane: &Rc<Lane>,
        generation: u64,
        key: &str,
        slice: &Image,
        method: Method,
        aspect: f64,
        jobs: Vec<(Block, Ask)>,
        mut put: impl FnMut(usize, Option<Vec<u32>>, Vec<f32>),
    ) -> Result<bool, String> {
        let Some((model, name)) = self.model(method, aspect) else { return Err(format!("{} is not available", label(method))) };
        if let Some(pool) = &self.pool {
            let slice = Rc::new(slice.clone());
            let live: Rc<dyn Fn() -> bool> = {
                let lane = lane.clone();
                Rc::new(move || !lane.stale(generation))
            };
            // Queue everything first, then hand out work once: one short page task.
            let tiling = self.tiling(&slice);
            let receivers: Vec<_> = jobs.into_iter().map(|(b, ask)| pool.submit(key, &slice, tiling, name, b, ask, live.clone())).collect();
            pool.dispatch();
            let mut pending: FuturesUnordered<_> = receivers.into_iter().enumerate().map(|(i, rx)| async move { (i, rx.await) }).collect();
            while let Some((i, answer)) = pending.next().await {
                if lane.stale(generation) {
                    return Ok(false);
                }
                match answer {
                    Ok(Ok(r)) => put(i, r.index, r.values),
                    Ok(Err(e)) => return Err(e),
                    Err(_) => return Ok(false),
                }
            }
        } else {
            for (i, (b, ask)) in jobs.into_iter().enumerate() {
                let enc = self.block(key, slice, name, &model, b);
                let (index, values) = match &ask {
                    Ask::View(view, part, parts) => {
                        let (index, coords) = self.tiling(slice).pixels_part(view, b, *part, *parts);
                        (Some(index.into_iter().map(|i| i as u32).collect()), model.sample_async(&enc, &coords, view.cell()).await?)
                    }
                    Ask::Sample(coords, cell) => (None, model.sample_async(&enc, coords, *cell).await?),
                };
                if lane.stale(generation) {
                    return Ok(false);
                }
                put(i, index, values);
                yield_to_page().await;
                if lane.stale(generation) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Decode `view` of `slice` with `method`; `progress` receives partial frames (for a
    /// learned method, the bicubic preview first, then refined blocks from the centre out).
    /// Returns `None` when a newer request on `lane` overtook this one.
    #[allow(clippy::too_many_arguments)]
    pub async fn decode(
        &self,
        lane: &Rc<Lane>,
        generation: u64,
        key: &str,
        slice: &Image,
        view: &View,
        shown: Shown,
        mut progress: impl FnMut(&Frame),
    ) -> Option<Frame> {
        let start = now();
        let method = match shown {
            // The slice itself, sample for sample.
            Shown::Truth => Method::Nearest,
            Shown::Method(m) => m,
        };
        match method {
            Method::Nearest => Some(Frame { image: view.nearest(slice), millis: now() - start, done: 1.0, failed: None }),
            Method::Bicubic => Some(Frame { image: Self::bicubic(slice, view).await, millis: now() - start, done: 1.0, failed: None }),
            Method::Zerofill => Some(Frame {
                image: view.nearest(slice),
                millis: now() - start,
                done: 1.0,
                failed: Some("zero-fill is not offered in the viewer (it needs the whole slice's spectrum)".into()),
            }),
            Method::Coord | Method::Conv => {
                let mut image = Self::bicubic(slice, view).await;
                if lane.stale(generation) {
                    return None;
                }
                progress(&Frame { image: image.clone(), millis: 0.0, done: 0.0, failed: None });
                // Decode when the hand pauses: while the wheel or a slider moves, each new view
                // overtakes this one within the pause and only the preview follows. A view that
                // came alone (the first one, a click) starts at once.
                if !lane.after_quiet() {
                    gloo::timers::future::TimeoutFuture::new(PAUSE_MS).await;
                    if lane.stale(generation) {
                        return None;
                    }
                }
                let tiling = self.tiling(slice);
                let order = tiling.visible(view);
                // Blocks that cover much of the screen are split, so the workers share them evenly
                // and refined parts arrive often.
                let jobs: Vec<(Block, Ask)> = order
                    .into_iter()
                    .flat_map(|b| {
                        let parts = tiling.parts(view, b, QUERIES_PER_JOB);
                        (0..parts).map(move |p| (b, Ask::View(*view, p, parts)))
                    })
                    .collect();
                let total = jobs.len().max(1);
                let (mut finished, mut shown) = (0usize, now());
                let result = self
                    .run_blocks(lane, generation, key, slice, method, view.aspect, jobs, |_, index, values| {
                        for (i, v) in index.unwrap_or_default().into_iter().zip(values) {
                            image.data[i as usize] = v;
                        }
                        finished += 1;
                        if finished < total && now() - shown >= PROGRESS_EVERY_MS {
                            shown = now();
                            progress(&Frame { image: image.clone(), millis: now() - start, done: finished as f64 / total as f64, failed: None });
                        }
                    })
                    .await;
                match result {
                    Ok(true) => Some(Frame { image, millis: now() - start, done: 1.0, failed: None }),
                    Ok(false) => None,
                    Err(e) => Some(Frame { image, millis: now() - start, done: 1.0, failed: Some(format!("{} failed: {e}", label(method))) }),
                }
            }
        }
    }

    /// Reconstruct the low-res `lr` on the reference grid of `grid` with `method`, exactly as
    /// the engine's evaluation does (`coordsr::methods`), block by block (in the workers on the
    /// CPU tier). `progress` gets the fraction done. `None` when the lane moved on; an error
    /// when the method is missing or failed.
    #[allow(clippy::too_many_arguments)]
    pub async fn reconstruct(
        &self,
        lane: &Rc<Lane>,
        generation: u64,
        key: &str,
        lr: &Image,
        grid: &Grid,
        method: Method,
        mut progress: impl FnMut(f64),
    ) -> Option<Result<Image, String>> {
        match method {
            Method::Nearest | Method::Bicubic | Method::Zerofill => {
                Some(Ok(Reconstruction::Classical(method).reconstruct(lr, grid, &Device::flex())))
            }
            Method::Coord | Method::Conv => {
                let coords = grid.hr_coords();
                let groups = self.tiling(lr).split(&coords);
                let total = groups.len().max(1);
                let (mut positions, mut jobs) = (Vec::new(), Vec::new());
                for (b, idx, c) in groups {
                    positions.push(idx);
                    jobs.push((b, Ask::Sample(c, grid.cell())));
                }
                let mut data = vec![0.0f32; coords.len()];
                let mut finished = 0usize;
                let result = self
                    .run_blocks(lane, generation, key, lr, method, 1.0, jobs, |job, _, values| {
                        for (i, v) in positions[job].iter().zip(values) {
                            data[*i] = v;
                        }
                        finished += 1;
                        progress(finished as f64 / total as f64);
                    })
                    .await;
                match result {
                    Ok(true) => Some(Ok(Image::new(grid.x.hr, grid.y.hr, data))),
                    Ok(false) => None,
                    Err(e) => Some(Err(e)),
                }
            }
        }
    }

    /// Read files as one scan ([`crate::scan::load`]) in a worker, so a large volume never
    /// holds the page; on the page when no worker runs.
    pub async fn read(&self, files: Vec<(String, Vec<u8>)>, serial: u64) -> Result<Scan, String> {
        let Some(pool) = &self.pool else { return scan::read(files, serial) };
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        let (arrays, transfer) = (js_sys::Array::new(), js_sys::Array::new());
        for (_, bytes) in &files {
            let a = js_sys::Uint8Array::from(&bytes[..]);
            transfer.push(&a.buffer());
            arrays.push(&a);
        }
        drop(files);
        let r = pool.run(move |id| ToWorker::Read { id, names }, arrays.into(), transfer).await?;
        match r.head {
            FromWorker::Scan { name, width, height, depth, spacing, affine, notes, .. } => {
                if width == 0 || height == 0 || width * height * depth != r.values.len() {
                    return Err(format!("{name}: a worker returned {} samples for {width}×{height}×{depth}", r.values.len()));
                }
                let slices = r.values.chunks_exact(width * height).map(|c| Image::new(width, height, c.to_vec())).collect();
                Ok(Scan { name, volume: Rc::new(Volume::new(slices, spacing, affine)), notes, serial })
            }
            other => Err(format!("a worker answered a read with {other:?}")),
        }
    }

    /// The simulated acquisition of `truth` at `1/factor` of its resolution (the engine's
    /// k-space [`Degradation`]), in a worker when one runs.
    pub async fn degrade(&self, truth: &Image, factor: f64) -> Result<(Image, Grid), String> {
        let degradation = Degradation::kspace(factor);
        let Some(pool) = &self.pool else { return Ok(degradation.apply(truth)) };
        let grid = degradation.grid(truth.width, truth.height);
        let data = js_sys::Float32Array::from(&truth.data[..]);
        let transfer = js_sys::Array::of1(&data.buffer());
        let (width, height) = (truth.width, truth.height);
        let r = pool.run(move |id| ToWorker::Degrade { id, width, height, factor }, data.into(), transfer).await?;
        if r.values.len() != grid.x.lr * grid.y.lr {
            return Err(format!("a worker returned {} low-res samples for {}×{}", r.values.len(), grid.x.lr, grid.y.lr));
        }
        Ok((Image::new(grid.x.lr, grid.y.lr, r.values), grid))
    }

    /// `recon` with its measured band replaced by that of its low-res input `lr` (the engine's
    /// [`coordsr::kspace::data_consistency`]), in a worker when one runs.
    pub async fn consistent(&self, recon: &Image, lr: &Image) -> Result<Image, String> {
        let Some(pool) = &self.pool else { return Ok(coordsr::kspace::data_consistency(recon, lr)) };
        let (a, b) = (js_sys::Float32Array::from(&recon.data[..]), js_sys::Float32Array::from(&lr.data[..]));
        let transfer = js_sys::Array::of2(&a.buffer(), &b.buffer());
        let (width, height, lr_width, lr_height) = (recon.width, recon.height, lr.width, lr.height);
        let r = pool
            .run(move |id| ToWorker::Consistent { id, width, height, lr_width, lr_height }, js_sys::Array::of2(&a, &b).into(), transfer)
            .await?;
        if r.values.len() != width * height {
            return Err(format!("a worker returned {} samples for {width}×{height}", r.values.len()));
        }
        Ok(Image::new(width, height, r.values))
    }

    /// PSNR, SSIM and VIF of `distorted` against `reference` (the engine's
    /// [`metrics::evaluate`]), in a worker when one runs.
    pub async fn score(&self, reference: &Image, distorted: &Image) -> Result<Metrics, String> {
        let Some(pool) = &self.pool else { return metrics::evaluate(reference, distorted, None).map_err(|e| e.to_string()) };
        if (reference.width, reference.height) != (distorted.width, distorted.height) {
            return metrics::evaluate(reference, distorted, None).map_err(|e| e.to_string());
        }
        let (a, b) = (js_sys::Float32Array::from(&reference.data[..]), js_sys::Float32Array::from(&distorted.data[..]));
        let transfer = js_sys::Array::of2(&a.buffer(), &b.buffer());
        let (width, height) = (reference.width, reference.height);
        let r = pool.run(move |id| ToWorker::Score { id, width, height }, js_sys::Array::of2(&a, &b).into(), transfer).await?;
        match r.head {
            FromWorker::Scored { metrics, .. } => Ok(metrics),
            other => Err(format!("a worker answered a score with {other:?}")),
        }
    }
}
