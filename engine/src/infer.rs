//! Running a trained model on whole slices: normalisation, one encoding per slice, chunked
//! queries. Shared by `upscale`, evaluation, the benchmark and the web app.

use crate::geometry::Grid;
use crate::image::Image;
use crate::interp;
use crate::model::{HostDecoder, HostEncoder, QueryPlan, SrModel, CONV_SCALE};
use crate::geometry::Rect;
use crate::skip::{self, Skip};
use burn::tensor::{Device, Tensor, TensorData};
use std::sync::Arc;

/// Latents beyond an encoded rectangle (a viewer block, [`crate::tiles`]) that its own queries read. A coordinate `c` in `[x0 − ½, x1 − ½)` reads
/// latents `⌊c⌋` and `⌊c⌋ + 1` (the four-neighbour ensemble), so `x0 − 1 ..= x1`; conv's bicubic
/// on the ×2 grid reads ×2 samples `⌊2c⌋ − 1 ..= ⌊2c⌋ + 2`, low-res `x0 − 1 ..= x1 + 1`. Two covers both.
pub const MARGIN: usize = 2;

/// Queries per device call: bounds memory to ~`chunk · 4 · hidden` floats per layer (≈ 8 MB at 128).
pub const DEFAULT_CHUNK: usize = 16_384;

/// The intensity unit of a slice: its 99.5th percentile (falling back to the maximum, then 1).
///
/// Scanners write arbitrary units (12-bit, rescaled, 8-bit); the network sees slices divided by
/// this so it works across vendors. It is computed from the low-res input alone, so inference
/// never peeks at the reference.
pub fn intensity_unit(lr: &Image) -> f32 {
    let mut v: Vec<f32> = lr.data.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 1.0;
    }
    let k = ((v.len() - 1) as f64 * 0.995).round() as usize;
    let (_, p, _) = v.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    let p = *p;
    if p > 0.0 {
        p
    } else {
        let m = v.iter().fold(0.0f32, |a, &b| a.max(b.abs()));
        if m > 0.0 { m } else { 1.0 }
    }
}

/// The conv decoder's ×2 output sampled at slice coordinate `c`: bicubic on the ×2 grid, where
/// slice sample `j` sits at `2j`. This is how conv is shown at any zoom other than 2×.
pub fn conv_at(x2: &Image, c: [f32; 2]) -> f32 {
    let s = CONV_SCALE as f32;
    interp::bicubic_at(x2, c[0] * s, c[1] * s)
}

/// A slice, or a rectangle of it ([`crate::tiles`]), encoded once, ready to be queried at any
/// scale (coord) or decoded at ×2 (conv).
pub struct Encoded {
    /// The encoded rectangle's size in low-res samples (the whole slice's, or a block's plus its
    /// margin).
    pub width: usize,
    pub height: usize,
    /// Where the rectangle's first sample sits in the slice: queries take slice coordinates and
    /// are shifted by this (exactly: an integer subtracted from an f32 of larger magnitude).
    pub origin: [usize; 2],
    /// The normalised low-res samples of the rectangle, for the bilinear skip.
    pub lr_norm: Vec<f32>,
    /// The whole normalised slice: the zero-fill skip reads all of it, whatever the rectangle.
    pub slice: Arc<Image>,
    /// Multiply outputs by this to return to scanner units.
    pub unit: f32,
    /// Coord: the latent-side first-layer rows `[h·w, hidden]` ([`crate::model::CoordDecoder::prepare`]).
    pub rows: Option<Rows>,
    /// Conv: the ×2 output `[1, 1, 2h, 2w]`.
    pub conv_out: Option<Tensor<4>>,
}

impl Encoded {
    /// The conv ×2 output `x2` of this encoding (from [`SrModel::conv_x2`]) at slice
    /// coordinate `c`, wherever the encoded rectangle sits.
    pub fn conv_at(&self, x2: &Image, c: [f32; 2]) -> f32 {
        conv_at(x2, [c[0] - self.origin[0] as f32, c[1] - self.origin[1] as f32])
    }
}

/// Where a coord encoding's rows live, which decides how its queries run.
pub enum Rows {
    /// On a GPU: queries are burn ops on the device, read back by the caller.
    Device(Tensor<2>),
    /// On a CPU device: on the host, with the decoder's query-side weights, for the fused
    /// kernel of [`HostDecoder`] (a third of the time of flex's op-by-op path).
    Host { rows: Vec<f32>, decoder: HostDecoder },
}

/// One chunk of coord queries in normalised units: decoded already (CPU), or a tensor the
/// caller reads back (GPU: synchronously natively, asynchronously in the browser).
pub enum Chunk {
    Ready(Vec<f32>),
    Pending(Tensor<1>),
}

impl Chunk {
    /// The values, reading a device tensor back synchronously (native callers).
    pub fn into_values(self) -> Vec<f32> {
        match self {
            Chunk::Ready(v) => v,
            Chunk::Pending(t) => t.into_data().try_into_vec::<f32>().expect("f32 output"),
        }
    }

    /// The values, reading a device tensor back asynchronously (the browser's WebGPU cannot
    /// read synchronously).
    pub async fn into_values_async(self) -> Result<Vec<f32>, String> {
        match self {
            Chunk::Ready(v) => Ok(v),
            Chunk::Pending(t) => {
                let data = t.into_data_async().await.map_err(|e| format!("read-back failed: {e:?}"))?;
                data.try_into_vec::<f32>().map_err(|e| format!("read-back: {e:?}"))
            }
        }
    }
}

/// Whether `device` computes on this CPU (flex), where the host kernel is the fast path.
pub fn is_cpu(device: &Device) -> bool {
    *device == Device::flex()
}

/// A slice divided by its intensity unit: what the network sees.
pub fn normalise(lr: &Image, unit: f32) -> Image {
    lr.map(|v| v / unit)
}

/// The encoder's input for an encoded slice: its normalised low-res samples `[1, 1, h, w]`.
pub fn normalised_input(enc: &Encoded, device: &Device) -> Tensor<4> {
    Tensor::<4>::from_data(TensorData::new(enc.lr_norm.clone(), [1, 1, enc.height, enc.width]), device)
}

impl SrModel {
    pub fn is_coord(&self) -> bool {
        self.coord.is_some()
    }

    /// Encode one low-res slice (the expensive, once-per-slice half).
    pub fn encode(&self, lr: &Image, device: &Device) -> Encoded {
        let unit = intensity_unit(lr);
        self.encode_rect(&Arc::new(normalise(lr, unit)), unit, Rect::whole(lr.width, lr.height), device)
    }

    /// Encode what the queries inside `rect` of a normalised slice read, so that they equal the
    /// whole slice's queries ([`crate::tiles`] says why this is exact): latents on `rect` plus
    /// [`MARGIN`], computed from that plus the model's [`SrModel::halo`] of input.
    /// For the whole slice nothing is cropped: this is the one encoding path.
    pub fn encode_rect(&self, norm: &Arc<Image>, unit: f32, rect: Rect, device: &Device) -> Encoded {
        let (w, h) = (norm.width, norm.height);
        let keep = rect.grow(MARGIN, w, h);
        let input_rect = keep.grow(self.halo(), w, h);
        let input_img = input_rect.crop(norm);
        // The kept rectangle inside the input rectangle.
        let (kx, ky) = (keep.x0 - input_rect.x0, keep.y0 - input_rect.y0);
        let (mut rows, mut conv_out) = (None, None);
        if let Some(dec) = &self.coord {
            let hidden = dec.hidden();
            let (iw, ih) = (input_rect.width(), input_rect.height());
            rows = Some(if is_cpu(device) {
                // The host kernel ([`HostEncoder`]): 3–5× burn's op-by-op convolutions on a CPU.
                let all = HostEncoder::new(&self.encoder, dec).rows(&input_img.data, iw, ih);
                let mut kept = Vec::with_capacity(keep.width() * keep.height() * hidden);
                for y in ky..ky + keep.height() {
                    kept.extend_from_slice(&all[(y * iw + kx) * hidden..(y * iw + kx + keep.width()) * hidden]);
                }
                Rows::Host { rows: kept, decoder: HostDecoder::new(dec) }
            } else {
                let input = Tensor::<4>::from_data(TensorData::new(input_img.data.clone(), [1, 1, ih, iw]), device);
                Rows::Device(
                    dec.prepare(self.encoder.forward(input))
                        .reshape([ih, iw, hidden])
                        .slice([ky..ky + keep.height(), kx..kx + keep.width(), 0..hidden])
                        .reshape([keep.height() * keep.width(), hidden]),
                )
            });
        } else {
            let s = CONV_SCALE;
            let (iw, ih) = (input_rect.width(), input_rect.height());
            let input = Tensor::<4>::from_data(TensorData::new(input_img.data.clone(), [1, 1, ih, iw]), device);
            // Bilinear reads the crop (clamped at its edges, as training did); the halo that this
            // touches is cropped away below, so blocks still equal the whole slice.
            let skip = match self.skip {
                Skip::Bilinear => skip::skip_x2(Skip::Bilinear, &input_img, 0, 0, iw, ih),
                Skip::Zerofill => skip::skip_x2(Skip::Zerofill, norm, input_rect.x0, input_rect.y0, iw, ih),
            };
            let skip = Tensor::<4>::from_data(TensorData::new(skip, [1, 1, s * ih, s * iw]), device);
            conv_out = Some(self.forward_conv(input, skip).slice([
                0..1,
                0..1,
                s * ky..s * (ky + keep.height()),
                s * kx..s * (kx + keep.width()),
            ]));
        }
        Encoded {
            width: keep.width(),
            height: keep.height(),
            origin: [keep.x0, keep.y0],
            lr_norm: keep.crop(norm).data,
            slice: norm.clone(),
            unit,
            rows,
            conv_out,
        }
    }

    /// The coord queries of one chunk, skip included, in normalised units: decoded at once on a
    /// CPU, queued on a GPU. Native and browser callers both come through here.
    pub fn query_chunk(&self, enc: &Encoded, coords: &[[f32; 2]], cell: [f32; 2]) -> Chunk {
        let dec = self.coord.as_ref().expect("query_chunk on a conv model");
        let skip = match self.skip {
            Skip::Zerofill => skip::zerofill_at(&enc.slice, coords),
            Skip::Bilinear => Vec::new(),
        };
        let shifted: Vec<[f32; 2]>;
        let coords = if enc.origin == [0, 0] {
            coords
        } else {
            let o = [enc.origin[0] as f32, enc.origin[1] as f32];
            shifted = coords.iter().map(|c| [c[0] - o[0], c[1] - o[1]]).collect();
            &shifted
        };
        let plan = QueryPlan::build(coords, &vec![0; coords.len()], enc.width, enc.height, &[dec.clip_cell(cell)]);
        let skip = if self.skip == Skip::Bilinear { plan.blend(&enc.lr_norm) } else { skip };
        match enc.rows.as_ref().expect("encoded by a coord model") {
            Rows::Host { rows, decoder } => {
                let mut v = decoder.decode(rows, &plan);
                v.iter_mut().zip(&skip).for_each(|(v, s)| *v += s);
                Chunk::Ready(v)
            }
            Rows::Device(rows) => {
                let skip = Tensor::<1>::from_data(TensorData::new(skip, [plan.n]), &rows.device());
                Chunk::Pending(dec.query(rows.clone(), &plan) + skip)
            }
        }
    }

    /// Decode arbitrary low-res coordinates with output pixels of `cell` low-res units, in
    /// chunks, back in scanner units. Native only (synchronous read-back).
    pub fn decode_coords(&self, enc: &Encoded, coords: &[[f32; 2]], cell: [f32; 2], chunk: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(coords.len());
        for part in coords.chunks(chunk.max(1)) {
            out.extend(self.query_chunk(enc, part, cell).into_values().into_iter().map(|x| x * enc.unit));
        }
        out
    }

    /// Super-resolve one slice onto the reference grid of `grid`. Coord decodes the grid
    /// directly; conv decodes ×2 and goes through [`conv_on_grid`].
    pub fn upscale(&self, lr: &Image, grid: &Grid, device: &Device) -> Image {
        let enc = self.encode(lr, device);
        if self.is_coord() {
            let data = self.decode_coords(&enc, &grid.hr_coords(), grid.cell(), DEFAULT_CHUNK);
            Image::new(grid.x.hr, grid.y.hr, data)
        } else {
            conv_on_grid(self.conv_x2(&enc), grid)
        }
    }
}

/// The conv decoder's ×2 output placed on the reference grid of `grid`: itself when the grid is
/// exactly ×2, resampled bicubically otherwise (all conv can do at other scales; that is the
/// point of the comparison).
pub fn conv_on_grid(x2: Image, grid: &Grid) -> Image {
    if (grid.x.hr, grid.y.hr) == (x2.width, x2.height) {
        x2
    } else {
        Image::new(grid.x.hr, grid.y.hr, grid.hr_coords().iter().map(|c| conv_at(&x2, *c)).collect())
    }
}

impl SrModel {
    /// The conv decoder's ×2 output of an encoded slice or rectangle, in scanner units (native
    /// read-back). Sample it with [`Encoded::conv_at`].
    pub fn conv_x2(&self, enc: &Encoded) -> Image {
        let out = enc.conv_out.clone().expect("encoded by a conv model");
        let data: Vec<f32> = out.into_data().try_into_vec::<f32>().expect("f32 output");
        Image::new(CONV_SCALE * enc.width, CONV_SCALE * enc.height, data.into_iter().map(|v| v * enc.unit).collect())
    }

    /// [`Self::conv_x2`] with asynchronous read-back (the browser's WebGPU tier).
    pub async fn conv_x2_async(&self, enc: &Encoded) -> Result<Image, String> {
        let out = enc.conv_out.clone().ok_or("encoded by a coord model")?;
        let data = out.into_data_async().await.map_err(|e| format!("read-back failed: {e:?}"))?;
        let values = data.try_into_vec::<f32>().map_err(|e| format!("read-back: {e:?}"))?;
        Ok(Image::new(CONV_SCALE * enc.width, CONV_SCALE * enc.height, values.into_iter().map(|v| v * enc.unit).collect()))
    }

    /// Render a viewer view of `slice` natively, exactly as the web viewer computes it: coord
    /// queries at the view's pixel centres with the view's cell, or conv ×2 resampled.
    pub fn render_view(&self, slice: &Image, view: &crate::view::View, device: &Device) -> Image {
        let enc = self.encode(slice, device);
        if self.is_coord() {
            view.render(slice.width, slice.height, |c| self.decode_coords(&enc, c, view.cell(), DEFAULT_CHUNK))
        } else {
            let x2 = self.conv_x2(&enc);
            view.render(slice.width, slice.height, |c| c.iter().map(|p| enc.conv_at(&x2, *p)).collect())
        }
    }
}
