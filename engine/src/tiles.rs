//! Blocks of a slice: the unit of work of the viewer (encode → first layer → queries).
//!
//! A view encodes only the blocks it shows, in any order and on any worker, and memory stays
//! bounded by the block size whatever the size of the slice. This is exact, not an
//! approximation: every layer before a query is a 3×3 convolution, so a latent depends only on
//! input samples within the model's halo ([`SrModel::halo`]). Encoding a block's latents (plus the
//! [`MARGIN`] its queries read) from the input around them (plus the halo; zero padding only where
//! the slice itself ends, as in the whole-slice encoding) gives the whole slice's latents there,
//! up to summation order. Tested against whole-slice decoding at block borders, slice borders and
//! odd sizes, for both decoders.
//!
//! Blocks partition the slice's area by slice coordinate (block `b` owns `[x0 − ½, x1 − ½)` per
//! axis), so they partition the display pixels of any view ([`crate::view::View::visible`]).

use crate::image::Image;
use crate::infer::{normalise, Encoded, intensity_unit, DEFAULT_CHUNK};
use crate::model::SrModel;
use crate::view::View;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// Block sides, in low-res samples: the smallest and the largest a [`Tiling::for_workers`]
/// chooses. The encoder's halo costs most where blocks are small: with the shipped 8-block
/// encoder a 512² slice is encoded from 1.55× its area in 128² blocks (16 blocks, 638 samples
/// per axis) and from 1.17× in 256² blocks (4 blocks, 554), so large blocks win whenever they
/// still give every worker one; a 256² slice on two workers needs the small ones (one large
/// block would leave a worker idle).
pub const BLOCK: usize = 128;
pub const LARGE_BLOCK: usize = 256;

pub use crate::geometry::Rect;
pub use crate::infer::MARGIN;

/// One block of a [`Tiling`], by column and row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Block {
    pub bx: usize,
    pub by: usize,
}

/// A slice cut into square blocks of `size` samples (smaller at the right and bottom edges).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tiling {
    pub width: usize,
    pub height: usize,
    pub size: usize,
}

impl Tiling {
    /// The tiling of a slice to be shared among `workers`: [`LARGE_BLOCK`]s when there are at
    /// least as many as workers, [`BLOCK`]s otherwise.
    pub fn for_workers(width: usize, height: usize, workers: usize) -> Tiling {
        let large = Tiling::with_size(width, height, LARGE_BLOCK);
        let (nx, ny) = large.count();
        if nx * ny >= workers { large } else { Tiling::with_size(width, height, BLOCK) }
    }

    pub fn with_size(width: usize, height: usize, size: usize) -> Tiling {
        Tiling { width, height, size: size.max(1) }
    }

    /// Blocks across and down.
    pub fn count(&self) -> (usize, usize) {
        (self.width.div_ceil(self.size), self.height.div_ceil(self.size))
    }

    /// What keeping block `b` encoded costs, in samples ([`evict`]).
    pub fn weight(&self, b: Block) -> usize {
        let r = self.rect(b);
        r.width() * r.height()
    }

    pub fn rect(&self, b: Block) -> Rect {
        let s = self.size;
        Rect { x0: b.bx * s, y0: b.by * s, x1: ((b.bx + 1) * s).min(self.width), y1: ((b.by + 1) * s).min(self.height) }
    }

    /// The block owning slice coordinate `c`, or `None` outside the slice. "Outside" is exactly
    /// [`View::visible`]'s rule, so every pixel a view shows has one block.
    pub fn block_of(&self, c: [f64; 2]) -> Option<Block> {
        let (xmax, ymax) = (self.width as f64 - 0.5, self.height as f64 - 0.5);
        if !(c[0] >= -0.5 && c[0] < xmax && c[1] >= -0.5 && c[1] < ymax) {
            return None;
        }
        let (nx, ny) = self.count();
        let index = |t: f64, n: usize| (((t + 0.5) / self.size as f64).floor() as usize).min(n - 1);
        Some(Block { bx: index(c[0], nx), by: index(c[1], ny) })
    }

    /// The block owning slice coordinate `c`, coordinates beyond the slice going to the block at
    /// that edge (a reference grid's last samples can lie past the last low-res sample's half
    /// pixel; their queries read the edge latents, which that block holds).
    pub fn owner(&self, c: [f32; 2]) -> Block {
        let (nx, ny) = self.count();
        let index = |t: f32, n: usize| (((t as f64 + 0.5) / self.size as f64).floor().max(0.0) as usize).min(n - 1);
        Block { bx: index(c[0], nx), by: index(c[1], ny) }
    }

    /// Arbitrary slice coordinates grouped by owning block: (block, positions in `coords`, the
    /// coordinates), blocks in first-seen order. How a reference grid (the simulation) is
    /// decoded block by block.
    pub fn split(&self, coords: &[[f32; 2]]) -> Vec<(Block, Vec<usize>, Vec<[f32; 2]>)> {
        let (nx, _) = self.count();
        let mut slot: std::collections::HashMap<usize, usize> = Default::default();
        let mut groups: Vec<(Block, Vec<usize>, Vec<[f32; 2]>)> = Vec::new();
        for (i, c) in coords.iter().enumerate() {
            let b = self.owner(*c);
            let g = *slot.entry(b.by * nx + b.bx).or_insert_with(|| {
                groups.push((b, Vec::new(), Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i);
            groups[g].2.push(*c);
        }
        groups
    }

    /// Display pixels of `view` that block `b` owns, row-major, as (pixel index, slice
    /// coordinate): the rows of [`View::visible`] that fall in this block.
    pub fn pixels(&self, view: &View, b: Block) -> (Vec<usize>, Vec<[f32; 2]>) {
        self.pixels_part(view, b, 0, 1)
    }

    /// Part `part` of `parts` of [`Self::pixels`]: the block's rows on screen cut into `parts`
    /// consecutive bands, so that a block covering much of a zoomed-in view is shared evenly by
    /// the workers (each band visits only its own rows).
    pub fn pixels_part(&self, view: &View, b: Block, part: usize, parts: usize) -> (Vec<usize>, Vec<[f32; 2]>) {
        let r = self.rect(b);
        // A display rectangle that surely contains the block's pixels (one pixel of slack each
        // side); the exact rule then picks them.
        let lo = view.display_coord([r.x0 as f64 - 0.5, r.y0 as f64 - 0.5]);
        let hi = view.display_coord([r.x1 as f64 - 0.5, r.y1 as f64 - 0.5]);
        let span = |a: f64, b: f64, n: usize| {
            let from = (a.min(b).floor() - 1.0).max(0.0) as usize;
            let to = ((a.max(b).ceil() + 2.0).max(0.0) as usize).min(n);
            from.min(to)..to
        };
        let (us, vs) = (span(lo[0], hi[0], view.width), span(lo[1], hi[1], view.height));
        let parts = parts.max(1);
        let part = part.min(parts - 1);
        let rows = vs.end - vs.start;
        let vs = vs.start + rows * part / parts..vs.start + rows * (part + 1) / parts;
        let (mut idx, mut coords) = (Vec::new(), Vec::new());
        for v in vs {
            for u in us.clone() {
                let c = view.slice_coord(u, v);
                if self.block_of(c) == Some(b) {
                    idx.push(v * view.width + u);
                    coords.push([c[0] as f32, c[1] as f32]);
                }
            }
        }
        (idx, coords)
    }

    /// How many parts block `b` of `view` needs for at most about `queries` display pixels
    /// each, from the area it covers on screen (no pixel visited).
    pub fn parts(&self, view: &View, b: Block, queries: usize) -> usize {
        let r = self.rect(b);
        let lo = view.display_coord([r.x0 as f64 - 0.5, r.y0 as f64 - 0.5]);
        let hi = view.display_coord([r.x1 as f64 - 0.5, r.y1 as f64 - 0.5]);
        // The block's rectangle on screen, cut to the view.
        let w = (hi[0].min(view.width as f64) - lo[0].max(0.0)).max(0.0);
        let h = (hi[1].min(view.height as f64) - lo[1].max(0.0)).max(0.0);
        ((w * h / queries.max(1) as f64).ceil() as usize).max(1)
    }

    /// The blocks `view` shows, the one nearest its centre first (refined tiles appear from the
    /// centre out, where the reader looks). Cheap (no pixel is visited): a block at the edge may
    /// own no pixel of the view, and then its job is empty.
    pub fn visible(&self, view: &View) -> Vec<Block> {
        let clamp = |c: [f64; 2]| [c[0].clamp(-0.5, self.width as f64 - 0.75), c[1].clamp(-0.5, self.height as f64 - 0.75)];
        let a = view.slice_coord(0, 0);
        let z = view.slice_coord(view.width.saturating_sub(1), view.height.saturating_sub(1));
        let outside = z[0] < -0.5 || z[1] < -0.5 || a[0] >= self.width as f64 - 0.5 || a[1] >= self.height as f64 - 0.5;
        if view.width == 0 || view.height == 0 || outside {
            return Vec::new();
        }
        let (Some(first), Some(last)) = (self.block_of(clamp(a)), self.block_of(clamp(z))) else { return Vec::new() };
        let mut blocks: Vec<Block> = (first.by..=last.by).flat_map(|by| (first.bx..=last.bx).map(move |bx| Block { bx, by })).collect();
        let centre = view.center;
        let dist = |b: &Block| {
            let r = self.rect(*b);
            let (cx, cy) = ((r.x0 + r.x1) as f64 / 2.0 - 0.5, (r.y0 + r.y1) as f64 / 2.0 - 0.5);
            (cx - centre[0]).powi(2) + (cy - centre[1]).powi(2)
        };
        blocks.sort_by(|a, b| dist(a).total_cmp(&dist(b)));
        blocks
    }
}

/// A slice prepared for block-wise work: normalised once, with the unit and tiling every block
/// shares (the unit must be the whole slice's, or blocks would disagree in brightness).
pub struct Blocks {
    pub norm: std::sync::Arc<Image>,
    pub unit: f32,
    pub tiling: Tiling,
}

impl Blocks {
    /// `slice` cut into blocks of side `size`.
    pub fn new(slice: &Image, size: usize) -> Blocks {
        let unit = intensity_unit(slice);
        Blocks { norm: std::sync::Arc::new(normalise(slice, unit)), unit, tiling: Tiling::with_size(slice.width, slice.height, size) }
    }

    /// Encode block `b` (its latents and margin; see the module comment).
    pub fn encode(&self, model: &SrModel, b: Block, device: &Device) -> Encoded {
        model.encode_rect(&self.norm, self.unit, self.tiling.rect(b), device)
    }
}

/// Slices and their encoded blocks, most recently used kept: what a decoding worker holds, and
/// the page when it decodes itself (no workers). One mechanism for both, and one eviction rule
/// ([`evict`]) that the page's mirror of a worker follows too.
pub struct BlockCache {
    slices: Vec<(String, std::rc::Rc<Blocks>)>,
    /// (slice key, model name, block) → encoding and its weight (the block's samples), least
    /// recently used first.
    encoded: Vec<((String, &'static str, Block), std::rc::Rc<Encoded>, usize)>,
}

/// Samples of encoded blocks a holder keeps. A 128² block of the shipped coord model keeps
/// ~9 MB of first-layer rows (a 256² block four times that); 24 such blocks bound a holder near
/// 220 MB and keep a 512² slice's blocks with room to spare.
pub const KEEP_SAMPLES: usize = 24 * BLOCK * BLOCK;

/// Forget the least recently used entries of `lru` (oldest first) until those left weigh at
/// most [`KEEP_SAMPLES`]; the newest always stays. A worker's [`BlockCache`] and the page's
/// mirror of it both call this, so the mirror knows exactly what the worker holds.
pub fn evict<T>(lru: &mut Vec<T>, weight: impl Fn(&T) -> usize) {
    let mut total: usize = lru.iter().map(&weight).sum();
    while lru.len() > 1 && total > KEEP_SAMPLES {
        total -= weight(&lru.remove(0));
    }
}

impl Default for BlockCache {
    fn default() -> Self {
        Self { slices: Vec::new(), encoded: Vec::new() }
    }
}

impl BlockCache {
    /// Slices kept (their encoded blocks go with them).
    pub const KEEP_SLICES: usize = 4;

    /// Keep `slice` under `key`, cut into blocks of side `size` (replacing one of the same key),
    /// forgetting the oldest slice beyond [`Self::KEEP_SLICES`]; returns the key forgotten, if any.
    pub fn insert(&mut self, key: &str, slice: &Image, size: usize) -> Option<String> {
        self.forget(key);
        self.slices.push((key.to_string(), std::rc::Rc::new(Blocks::new(slice, size))));
        if self.slices.len() > Self::KEEP_SLICES {
            let gone = self.slices.remove(0).0;
            self.forget(&gone);
            return Some(gone);
        }
        None
    }

    /// Drop a slice and its encoded blocks.
    pub fn forget(&mut self, key: &str) {
        self.slices.retain(|(k, _)| k != key);
        self.encoded.retain(|((k, _, _), _, _)| k != key);
    }

    pub fn blocks(&self, key: &str) -> Option<std::rc::Rc<Blocks>> {
        self.slices.iter().find(|(k, _)| k == key).map(|(_, b)| b.clone())
    }

    /// Block `b` of slice `key` encoded by `model` (named `name`), from the cache or now; `None`
    /// when the slice is not held.
    pub fn encoded(&mut self, key: &str, name: &'static str, model: &SrModel, b: Block, device: &Device) -> Option<std::rc::Rc<Encoded>> {
        if let Some(i) = self.encoded.iter().position(|((k, m, blk), _, _)| k == key && *m == name && *blk == b) {
            let e = self.encoded.remove(i);
            let enc = e.1.clone();
            self.encoded.push(e);
            return Some(enc);
        }
        let blocks = self.blocks(key)?;
        let enc = std::rc::Rc::new(blocks.encode(model, b, device));
        self.encoded.push(((key.to_string(), name, b), enc.clone(), blocks.tiling.weight(b)));
        evict(&mut self.encoded, |e| e.2);
        Some(enc)
    }
}

impl SrModel {
    /// The values at slice coordinates `coords` inside an encoded rectangle, in scanner units:
    /// coord queries with output pixels of `cell`, or conv's ×2 sampled bicubically. Native
    /// and workers (synchronous read-back).
    pub fn sample(&self, enc: &Encoded, coords: &[[f32; 2]], cell: [f32; 2]) -> Vec<f32> {
        if self.is_coord() {
            self.decode_coords(enc, coords, cell, DEFAULT_CHUNK)
        } else {
            let x2 = self.conv_x2(enc);
            coords.iter().map(|c| enc.conv_at(&x2, *c)).collect()
        }
    }

    /// [`Self::sample`] with asynchronous read-back (the browser's WebGPU tier).
    pub async fn sample_async(&self, enc: &Encoded, coords: &[[f32; 2]], cell: [f32; 2]) -> Result<Vec<f32>, String> {
        if self.is_coord() {
            let mut out = Vec::with_capacity(coords.len());
            for part in coords.chunks(DEFAULT_CHUNK) {
                out.extend(self.query_chunk(enc, part, cell).into_values_async().await?.into_iter().map(|v| v * enc.unit));
            }
            Ok(out)
        } else {
            let x2 = self.conv_x2_async(enc).await?;
            Ok(coords.iter().map(|c| enc.conv_at(&x2, *c)).collect())
        }
    }

    /// One block of a view: its display pixel indices and their values in scanner units.
    pub fn render_block(&self, blocks: &Blocks, view: &View, b: Block, device: &Device) -> (Vec<usize>, Vec<f32>) {
        let (idx, coords) = blocks.tiling.pixels(view, b);
        if idx.is_empty() {
            return (idx, Vec::new());
        }
        let enc = blocks.encode(self, b, device);
        (idx, self.sample(&enc, &coords, view.cell()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::Trained;
    use crate::phantom::shepp_logan;
    use crate::skip::Skip;

    fn view_of(w: usize, h: usize, center: [f64; 2], zoom: f64) -> View {
        View::new(w, h, center, zoom)
    }

    #[test]
    fn the_block_cache_keeps_the_most_recent() {
        let device = Device::flex();
        let t = Trained::bundled("coord", &device).unwrap();
        let mut cache = BlockCache::default();
        let slice = shepp_logan(40, 30);
        assert!(cache.encoded("a", "coord", &t.model, Block { bx: 0, by: 0 }, &device).is_none(), "slice not held");
        for k in 0..BlockCache::KEEP_SLICES {
            assert_eq!(cache.insert(&format!("s{k}"), &slice, BLOCK), None);
        }
        let first = cache.encoded("s1", "coord", &t.model, Block { bx: 0, by: 0 }, &device).unwrap();
        let again = cache.encoded("s1", "coord", &t.model, Block { bx: 0, by: 0 }, &device).unwrap();
        assert!(std::rc::Rc::ptr_eq(&first, &again), "a held block is not encoded again");
        // One slice too many: the oldest goes, with its blocks.
        assert_eq!(cache.insert("s9", &slice, BLOCK), Some("s0".into()));
        assert!(cache.blocks("s0").is_none() && cache.blocks("s1").is_some());
        cache.forget("s1");
        assert!(cache.encoded("s1", "coord", &t.model, Block { bx: 0, by: 0 }, &device).is_none());
    }

    #[test]
    fn large_blocks_when_every_worker_still_gets_one() {
        assert_eq!(Tiling::for_workers(512, 512, 2).size, LARGE_BLOCK);
        assert_eq!(Tiling::for_workers(512, 512, 4).size, LARGE_BLOCK);
        assert_eq!(Tiling::for_workers(512, 512, 8).size, BLOCK);
        assert_eq!(Tiling::for_workers(256, 256, 2).size, BLOCK);
        assert_eq!(Tiling::for_workers(256, 256, 1).size, LARGE_BLOCK);
        assert_eq!(Tiling::for_workers(300, 200, 2).size, LARGE_BLOCK, "2 × 1 large blocks");
    }

    #[test]
    fn eviction_forgets_the_oldest_beyond_the_budget() {
        let large = LARGE_BLOCK * LARGE_BLOCK;
        let fit = KEEP_SAMPLES / large;
        let mut lru: Vec<(usize, usize)> = (0..fit + 2).map(|i| (i, large)).collect();
        evict(&mut lru, |e| e.1);
        assert_eq!(lru.len(), fit);
        assert_eq!(lru[0].0, 2, "the two oldest went");
        // Small blocks weigh less: the same budget keeps four times as many.
        let mut small: Vec<usize> = vec![BLOCK * BLOCK; 4 * fit + 1];
        evict(&mut small, |w| *w);
        assert_eq!(small.len(), 4 * fit);
        // One block over the budget on its own is still kept (it is the one in use).
        let mut one = vec![2 * KEEP_SAMPLES];
        evict(&mut one, |w| *w);
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn blocks_partition_the_visible_pixels() {
        let t = Tiling::with_size(45, 30, 16);
        for view in [
            view_of(97, 61, [22.0, 14.5], 2.0),
            view_of(64, 64, [3.3, 40.0], 3.7),
            view_of(200, 150, [22.0, 14.5], 1.3),
            view_of(10, 10, [300.0, 300.0], 1.0),
        ] {
            let (all, _) = view.visible(45, 30, 0..view.height);
            let mut got: Vec<usize> = t.visible(&view).iter().flat_map(|b| t.pixels(&view, *b).0).collect();
            got.sort_unstable();
            assert_eq!(got, all, "{view:?}");
        }
        // Parts of a block are its pixels, shared out in order.
        let view = view_of(97, 61, [22.0, 14.5], 2.0);
        let b = Block { bx: 1, by: 0 };
        let whole = t.pixels(&view, b).0;
        let parts = t.parts(&view, b, 100);
        assert!(parts > 1 && whole.len() <= parts * 100, "{parts} parts for {} pixels", whole.len());
        let joined: Vec<usize> = (0..parts).flat_map(|p| t.pixels_part(&view, b, p, parts).0).collect();
        assert_eq!(joined, whole);
        // Centre first.
        let view = view_of(97, 61, [40.0, 25.0], 2.0);
        assert_eq!(t.visible(&view)[0], Block { bx: 2, by: 1 });
    }

    /// Block-wise equals whole-slice decoding within 1e-5 (relative to the slice's range) on the
    /// shipped weights: odd slice size, blocks that do not divide it, a view crossing block
    /// borders and slice borders, zoom in and out, both decoders.
    #[test]
    fn blocks_equal_the_whole_slice() {
        let device = Device::flex();
        let slice = shepp_logan(75, 53).map(|v| 300.0 * v + 20.0);
        let range = 320.0;
        // Both skips: bilinear is local, zero-fill reads the whole slice from every block.
        for (method, skip) in [("coord", Skip::Bilinear), ("conv", Skip::Bilinear), ("coord", Skip::Zerofill), ("conv", Skip::Zerofill)] {
            let mut t = Trained::bundled(method, &device).unwrap();
            t.model.skip = skip;
            let blocks = Blocks::new(&slice, 24);
            for view in [view_of(181, 127, [37.0, 26.0], 2.3), view_of(60, 50, [2.0, 51.0], 4.0), view_of(50, 40, [37.0, 26.0], 0.6)] {
                let whole = t.model.render_view(&slice, &view, &device);
                let mut tiled = vec![f32::NAN; view.width * view.height];
                for b in blocks.tiling.visible(&view) {
                    let (idx, values) = t.model.render_block(&blocks, &view, b, &device);
                    for (i, v) in idx.into_iter().zip(values) {
                        tiled[i] = v;
                    }
                }
                let mut worst = 0.0f32;
                for (a, b) in whole.data.iter().zip(&tiled) {
                    assert_eq!(a.is_nan(), b.is_nan(), "{method} {skip:?}: coverage differs in {view:?}");
                    if !a.is_nan() {
                        worst = worst.max((a - b).abs() / range);
                    }
                }
                assert!(worst < 1e-5, "{method} {skip:?} {view:?}: worst relative difference {worst}");
            }
        }
        // A reference grid (the simulation's reconstruction), split by block, at scales below
        // and above 2 (above 2, the grid's last samples lie beyond the slice's last half pixel).
        let mut t = Trained::bundled("coord", &device).unwrap();
        t.model.skip = Skip::Zerofill;
        let blocks = Blocks::new(&slice, 24);
        for scale in [1.5, 2.5] {
            let grid = crate::geometry::Grid::upscaled(75, 53, scale, scale);
            let whole = t.model.upscale(&slice, &grid, &device);
            let mut tiled = vec![f32::NAN; whole.data.len()];
            for (b, idx, coords) in blocks.tiling.split(&grid.hr_coords()) {
                let enc = blocks.encode(&t.model, b, &device);
                for (i, v) in idx.into_iter().zip(t.model.sample(&enc, &coords, grid.cell())) {
                    tiled[i] = v;
                }
            }
            let worst = whole.data.iter().zip(&tiled).map(|(a, b)| (a - b).abs() / range).fold(0.0f32, f32::max);
            assert!(worst < 1e-5, "grid at {scale}×: worst relative difference {worst}");
        }
    }
}
