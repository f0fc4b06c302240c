//! Drawing a training batch (the data loader's work, on a thread of its own): patches of
//! reference slices degraded in-plane (k-space) or through the plane (thick slices), the queries
//! of a dense window in each, their targets and the skip at them.

use super::{TrainConfig, TrainData};
use crate::data::Rng;
use crate::degrade::{Degradation, ThickSlice};
use crate::denoise::Denoiser;
use crate::image::Image;
use crate::infer::intensity_unit;
use crate::model::CONV_SCALE;
use crate::skip::{self, Skip};

/// A batch laid out for the device.
pub(super) struct Batch {
    pub(super) lr: Vec<f32>,
    pub(super) target: Vec<f32>,
    pub(super) coords: Vec<[f32; 2]>,
    pub(super) batch_index: Vec<usize>,
    pub(super) cells: Vec<[f32; 2]>,
    /// The skip's values at the targets (coord: per query; conv: the ×2 grid per patch).
    pub(super) skip: Vec<f32>,
}

/// The training slices' spectra, computed on first use by the loader (the thread that degrades).
pub(super) type Spectra = Vec<std::cell::OnceCell<crate::kspace::Spectrum>>;

pub(super) fn sample_batch(config: &TrainConfig, data: &TrainData, spectra: &Spectra, rng: &mut Rng) -> Batch {
    let p = config.patch;
    let mut b = Batch { lr: vec![], target: vec![], coords: vec![], batch_index: vec![], cells: vec![], skip: vec![] };
    for item in 0..config.batch {
        let scale = config.scale_min + (config.scale_max - config.scale_min) * rng.uniform();
        let mut tries = 0;
        loop {
            tries += 1;
            let k = rng.below(data.train.len());
            let hr = &data.train[k];
            // Where each reference pixel sits in the low-res image, per axis, and the cell.
            let (lr, maps, cell) = match config.through_plane {
                None => {
                    let deg = Degradation { kind: config.degradation, scale_x: scale, scale_y: scale };
                    let (lr, grid) = deg.apply_cached(hr, &spectra[k]);
                    (lr, [AxisMap::of(&grid.x), AxisMap::of(&grid.y)], grid.cell())
                }
                Some(profile) => {
                    // Thick slices along y or x at random: a reformat's slice axis may run either way.
                    let vertical = rng.uniform() < 0.5;
                    let deg = ThickSlice { profile, thickness: scale, spacing: scale };
                    let Ok((lr, axis)) = deg.apply_image(hr, vertical) else { continue };
                    let (thick, fine) = (AxisMap::thick(&axis), AxisMap::IDENTITY);
                    if vertical { (lr, [fine, thick], [1.0, axis.cell()]) } else { (lr, [thick, fine], [axis.cell(), 1.0]) }
                }
            };
            if lr.width < p || lr.height < p {
                continue;
            }
            let unit = intensity_unit(&lr);
            let (j0, i0) = (rng.below(lr.width - p + 1), rng.below(lr.height - p + 1));
            let lr_patch = lr.crop(j0, i0, p, p);
            // `whole`: the targets' coordinates on the whole low-res slice, where zero-fill reads.
            let (mut coords, mut whole, mut target) = (Vec::new(), Vec::new(), Vec::new());
            if config.is_coord() {
                // A dense window of reference pixels whose low-res coordinates lie inside the
                // patch with a 2-sample margin, placed at random.
                let first = |j: usize, ax: &AxisMap| ax.fine_of(j as f64 + 2.0).ceil() as usize;
                let last = |j: usize, ax: &AxisMap| ax.fine_of((j + p) as f64 - 3.0);
                let (fx, fy) = (first(j0, &maps[0]), first(i0, &maps[1]));
                let span_x = (last(j0, &maps[0]).floor() as usize).saturating_sub(fx) + 1;
                let span_y = (last(i0, &maps[1]).floor() as usize).saturating_sub(fy) + 1;
                let w = config.window;
                if span_x < w || span_y < w {
                    continue;
                }
                let (ax, ay) = (fx + rng.below(span_x - w + 1), fy + rng.below(span_y - w + 1));
                for y in ay..ay + w {
                    for x in ax..ax + w {
                        let (cx, cy) = (maps[0].lr_coord(x as f64), maps[1].lr_coord(y as f64));
                        coords.push([(cx - j0 as f64) as f32, (cy - i0 as f64) as f32]);
                        whole.push([cx as f32, cy as f32]);
                        target.push(hr.get(x, y) / unit);
                    }
                }
            } else {
                let s = CONV_SCALE;
                for y in s * i0..s * (i0 + p) {
                    for x in s * j0..s * (j0 + p) {
                        target.push(hr.get(x, y) / unit);
                    }
                }
            }
            // Skip patches of air: they teach nothing and dominate random crops of head scans.
            let mean = target.iter().sum::<f32>() / target.len() as f32;
            if mean < 0.1 && tries < 20 {
                continue;
            }
            let n_coords = coords.len();
            b.batch_index.extend(std::iter::repeat_n(item, coords.len()));
            b.cells.extend(std::iter::repeat_n(cell, coords.len()));
            b.coords.extend(coords);
            b.target.extend(target);
            let lr_norm = Image::new(p, p, lr_patch.data.iter().map(|v| v / unit).collect());
            let coords = &b.coords[b.coords.len() - n_coords..];
            b.skip.extend(match config.model.skip {
                // Bilinear reads the patch alone (clamped at its edges).
                Skip::Bilinear if config.is_coord() => skip::skip_at(Skip::Bilinear, &lr_norm, coords),
                Skip::Bilinear => skip::skip_x2(Skip::Bilinear, &lr_norm, 0, 0, p, p),
                // Zero-fill is global: the whole low-res slice's, read at the patch's targets only
                // (a DFT-matrix product per axis, not the whole slice resampled), and only for a
                // patch that is kept.
                Skip::Zerofill => {
                    let values = if config.is_coord() {
                        skip::zerofill_at(&lr, &whole)
                    } else {
                        skip::skip_x2(Skip::Zerofill, &lr, j0, i0, p, p)
                    };
                    values.into_iter().map(|v| v / unit).collect()
                }
            });
            b.lr.extend(lr_norm.data);
            break;
        }
    }
    b
}

/// One axis of a training pair: reference pixel `i` sits at low-res coordinate
/// `(i − offset)/step` (the k-space grid: offset 0, step = scale; thick slices: the first slice's
/// centre and the slice spacing, [`crate::geometry::SliceAxis`]).
#[derive(Clone, Copy)]
struct AxisMap {
    offset: f64,
    step: f64,
}

impl AxisMap {
    const IDENTITY: AxisMap = AxisMap { offset: 0.0, step: 1.0 };

    fn of(axis: &crate::geometry::Axis) -> AxisMap {
        AxisMap { offset: 0.0, step: axis.scale() }
    }

    fn thick(axis: &crate::geometry::SliceAxis) -> AxisMap {
        AxisMap { offset: axis.centre(0.0), step: axis.spacing }
    }

    fn lr_coord(&self, i: f64) -> f64 {
        (i - self.offset) / self.step
    }

    fn fine_of(&self, lr: f64) -> f64 {
        self.offset + lr * self.step
    }
}

/// Denoised copies of the prediction, per patch (the stop-gradient target of `L_d`).
pub(super) fn denoised_target(pred: &[f32], patches: usize, side: usize, denoiser: &Denoiser) -> Vec<f32> {
    let mut out = Vec::with_capacity(pred.len());
    for k in 0..patches {
        let img = Image::new(side, side, pred[k * side * side..(k + 1) * side * side].to_vec());
        out.extend(denoiser.apply(&img).data);
    }
    out
}

