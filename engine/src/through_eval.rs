//! Scoring through-plane reconstructions: a fine (near-isotropic) volume is thickened along its
//! slice axis ([`crate::through_plane::thicken`]), reconstructed onto the fine grid again, and
//! compared with the fine volume over the whole volume and per reformatted plane.
//!
//! What is scored, and why:
//! - **volume PSNR**: mean squared error pooled over every voxel of the reconstructed extent
//!   ([`SliceAxis::fine`] slices from the first), against the fine volume's max − min;
//! - **per plane** PSNR (same range), SSIM and VIF on coronal-type (fixed y) and sagittal-type
//!   (fixed x) planes, the reformats a reader looks at, spread evenly over the planes with anatomy
//!   (as [`crate::data::content_slices`] picks slices); the volume's SSIM and VIF are the means
//!   over these planes. Neighbouring planes are correlated, so the per-plane intervals describe
//!   this subject, not a population.

use crate::data;
use crate::degrade::ThickSlice;
use crate::geometry::SliceAxis;
use crate::metrics::{self, Metrics};
use crate::paired::bootstrap_mean_ci;
use crate::study::stats;
use crate::through_plane::{self, PlaneMethod};
use crate::volume::{Plane, Volume};
use burn::tensor::Device;
use std::fmt::Write as _;

/// One thick-slice acquisition to simulate, in fine voxels.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub slice: ThickSlice,
}

impl Case {
    /// "4× boxcar", "3× boxcar, gap 1×" (thickness, then the gap when there is one).
    pub fn label(&self) -> String {
        let s = &self.slice;
        let mut l = format!("{}× {}", crate::methods::fmt_num(s.thickness), s.profile.name());
        if s.spacing > s.thickness {
            l += &format!(", gap {}×", crate::methods::fmt_num(s.spacing - s.thickness));
        }
        l
    }
}

/// Scores of one method on one case of one volume.
#[derive(Clone, Debug)]
pub struct ThroughRow {
    pub dataset: String,
    pub case: String,
    pub method: String,
    pub volume_psnr: f64,
    /// Per-plane scores, coronal-type planes first, then sagittal-type, in the same order for
    /// every method of a case (so they pair).
    pub planes: Vec<Metrics>,
    pub seconds: f64,
}

impl ThroughRow {
    pub fn mean(&self, f: impl Fn(&Metrics) -> f64) -> f64 {
        self.planes.iter().map(f).sum::<f64>() / self.planes.len().max(1) as f64
    }
}

/// The planes scored on a reconstructed extent: up to `count` of each orientation with anatomy.
pub fn scored_planes(truth: &Volume, count: usize) -> Vec<Plane> {
    let mut out = Vec::new();
    for fixed in [1, 0] {
        let images: Vec<_> = (0..truth.dims()[fixed]).map(|index| truth.plane(Plane { fixed, index })).collect();
        for index in data::spread(&data::content_slices(&images, 0.6), count) {
            out.push(Plane { fixed, index });
        }
    }
    out
}

/// The fine volume cut to the extent a reconstruction of `axis` covers.
pub fn truth_extent(fine: &Volume, axis: &SliceAxis) -> Volume {
    let mut v = fine.clone();
    v.slices.truncate(axis.fine());
    v
}

/// Score one reconstruction against the truth extent.
pub fn score(truth: &Volume, out: &Volume, planes: &[Plane]) -> Result<(f64, Vec<Metrics>), String> {
    if truth.dims() != out.dims() {
        return Err(format!("reconstruction {:?} does not match the truth {:?}", out.dims(), truth.dims()));
    }
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    let (mut se, mut n) = (0.0f64, 0usize);
    for (t, o) in truth.slices.iter().zip(&out.slices) {
        let (a, b) = t.min_max();
        (lo, hi) = (lo.min(a), hi.max(b));
        se += t.data.iter().zip(&o.data).map(|(x, y)| ((x - y) as f64).powi(2)).sum::<f64>();
        n += t.data.len();
    }
    let range = (hi - lo) as f64;
    let volume_psnr = 10.0 * (range * range / (se / n as f64)).log10();
    let per_plane = planes
        .iter()
        .map(|&p| metrics::evaluate(&truth.plane(p), &out.plane(p), Some(range)).map_err(|e| format!("plane {p:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((volume_psnr, per_plane))
}

/// Every method on every case of one fine volume; `progress` is told each finished row.
pub fn evaluate(
    dataset: &str,
    fine: &Volume,
    cases: &[Case],
    methods: &[(String, PlaneMethod)],
    planes_per_orientation: usize,
    device: &Device,
    mut progress: impl FnMut(&ThroughRow),
) -> Result<Vec<ThroughRow>, String> {
    let mut rows = Vec::new();
    for case in cases {
        let thick = through_plane::thicken(fine, &case.slice)?;
        let axis = through_plane::target_axis(&thick, Some(fine.spacing[2]))?;
        let truth = truth_extent(fine, &axis);
        let planes = scored_planes(&truth, planes_per_orientation);
        for (name, method) in methods {
            let t0 = std::time::Instant::now();
            let out = through_plane::upscale(&thick, &axis, *method, device, |_, _| {});
            let seconds = t0.elapsed().as_secs_f64();
            let (volume_psnr, planes) = score(&truth, &out, &planes)?;
            let row = ThroughRow { dataset: dataset.to_string(), case: case.label(), method: name.clone(), volume_psnr, planes, seconds };
            progress(&row);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// One row per (dataset, case, method): `dataset,case,method,volume_psnr,psnr,ssim,vif,planes,seconds`.
pub fn to_csv(rows: &[ThroughRow]) -> String {
    let mut out = String::from("dataset,case,method,volume_psnr,psnr,ssim,vif,planes,seconds\n");
    for r in rows {
        let fields = [
            r.dataset.clone(),
            r.case.clone(),
            r.method.clone(),
            format!("{:.4}", r.volume_psnr),
            format!("{:.4}", r.mean(|m| m.psnr)),
            format!("{:.5}", r.mean(|m| m.ssim)),
            format!("{:.5}", r.mean(|m| m.vif)),
            r.planes.len().to_string(),
            format!("{:.1}", r.seconds),
        ];
        let _ = writeln!(out, "{}", crate::csv::line(&fields));
    }
    out
}

/// `a − b` per plane for each score of one case: (mean, 95 % bootstrap interval, Wilcoxon p).
pub fn paired(a: &ThroughRow, b: &ThroughRow, f: impl Fn(&Metrics) -> f64) -> (f64, (f64, f64), Option<f64>) {
    let d: Vec<f64> = a.planes.iter().zip(&b.planes).map(|(x, y)| f(x) - f(y)).collect();
    (stats::mean(&d).unwrap_or(f64::NAN), bootstrap_mean_ci(&d, 0.95, 10_000, 1), stats::wilcoxon(&d).map(|w| w.p))
}

/// The Markdown tables: scores per dataset and case, then each method's per-plane margin over
/// `baseline` (PSNR and VIF).
pub fn to_markdown(rows: &[ThroughRow], baseline: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| dataset | slices | method | volume PSNR (dB) | plane PSNR | plane SSIM | plane VIF | s |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.2} | {:.4} | {:.4} | {:.0} |",
            r.dataset,
            r.case,
            r.method,
            r.volume_psnr,
            r.mean(|m| m.psnr),
            r.mean(|m| m.ssim),
            r.mean(|m| m.vif),
            r.seconds
        );
    }
    let _ = writeln!(out, "\nPaired over the scored planes, method − {baseline} (mean, 95 % bootstrap interval, Wilcoxon p):\n");
    let _ = writeln!(out, "| dataset | slices | method | planes | volume PSNR | plane PSNR | plane VIF |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for r in rows.iter().filter(|r| r.method != baseline) {
        let Some(b) = rows.iter().find(|b| b.method == baseline && b.dataset == r.dataset && b.case == r.case) else { continue };
        let cell = |(m, (lo, hi), p): (f64, (f64, f64), Option<f64>)| {
            format!("{m:+.4} [{lo:+.4}, {hi:+.4}] p {}", p.map(|p| format!("{p:.2e}")).unwrap_or_else(|| "–".into()))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:+.2} | {} | {} |",
            r.dataset,
            r.case,
            r.method,
            r.planes.len(),
            r.volume_psnr - b.volume_psnr,
            cell(paired(r, b, |m| m.psnr)),
            cell(paired(r, b, |m| m.vif))
        );
    }
    out
}

/// A coronal-type reformat (the plane through the middle of y) of `fine` thickened by `case`,
/// reconstructed by each of `methods`, beside the thick input and the truth ([`reformat_figure`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn figure(fine: &Volume, case: &Case, methods: &[(String, PlaneMethod)], device: &Device) -> Result<Vec<u8>, String> {
    let thick = through_plane::thicken(fine, &case.slice)?;
    let axis = through_plane::target_axis(&thick, Some(fine.spacing[2]))?;
    reformat_figure(&thick, &axis, &format!("thick input ({})", case.label()), methods, Some(&truth_extent(fine, &axis)), device)
}

/// The middle coronal-type plane of a thick-slice volume on the fine grid of `axis`: the input
/// (nearest along the slice axis, so its staircase shows), each method, and the truth when there
/// is one; a second row zooms into the middle third. Superior (or anterior, or right, for other
/// acquisitions) up: row 0 of a plane is k = 0, so rows are flipped when k runs toward one of
/// those. PNG bytes.
#[cfg(not(target_arch = "wasm32"))]
pub fn reformat_figure(
    thick: &Volume,
    axis: &SliceAxis,
    input_title: &str,
    methods: &[(String, PlaneMethod)],
    truth: Option<&Volume>,
    device: &Device,
) -> Result<Vec<u8>, String> {
    use crate::chart::{self, Panel};
    use crate::image::Image;
    let plane = Plane { fixed: 1, index: thick.height / 2 };
    let thick_plane = thick.plane(plane);
    let flip = matches!(crate::orientation::axis_codes(&thick.affine)[2], 'S' | 'A' | 'R');
    let upright = |img: Image| if flip { Image::from_fn(img.width, img.height, |x, y| img.get(x, img.height - 1 - y)) } else { img };
    let last = (axis.count - 1) as f64;
    let nearest = Image::from_fn(thick_plane.width, axis.fine(), |x, y| thick_plane.get(x, axis.lr_coord(y as f64).round().clamp(0.0, last) as usize));
    let mut images = vec![(input_title.to_string(), nearest)];
    for (name, m) in methods {
        images.push((name.clone(), m.upsample(&thick_plane, axis, device)));
    }
    if let Some(t) = truth {
        images.push(("truth".into(), t.plane(plane)));
    }
    let images: Vec<(String, Image)> = images.into_iter().map(|(t, i)| (t, upright(i))).collect();
    let (lo, hi) = images.last().expect("the input at least").1.min_max();
    let mut panels: Vec<Panel> = images.iter().map(|(t, i)| Panel { title: t.clone(), image: i.clone(), window: (lo, hi) }).collect();
    for (t, i) in &images {
        let (w, h) = (i.width / 3, i.height / 3);
        panels.push(Panel { title: format!("{t}, zoom"), image: i.crop(w, h, w, h), window: (lo, hi) });
    }
    chart::figure_png(&panels, images.len(), 280)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::degrade::SliceProfile;
    use crate::image::Image;

    #[test]
    fn interpolation_is_scored_against_the_fine_volume() {
        // A smooth volume: linear and cubic reconstruct it nearly exactly between slice centres.
        let slices = (0..48).map(|k| Image::from_fn(48, 44, |x, y| 50.0 + (x as f32 * 0.3).sin() * 10.0 + y as f32 + k as f32 * 2.0)).collect();
        let fine = Volume::new(slices, [1.0, 1.0, 1.0], [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]);
        let cases = [Case { slice: ThickSlice { profile: SliceProfile::Boxcar, thickness: 4.0, spacing: 4.0 } }];
        let methods = [("linear".to_string(), PlaneMethod::Linear), ("cubic".to_string(), PlaneMethod::Cubic)];
        let rows = evaluate("ramp", &fine, &cases, &methods, 4, &Device::flex(), |_| {}).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].case, "4× boxcar");
        assert_eq!(rows[0].planes.len(), 8);
        // Only the ends (outside the first and last slice centres) are extrapolated.
        assert!(rows.iter().all(|r| r.volume_psnr > 30.0), "{:?}", rows.iter().map(|r| r.volume_psnr).collect::<Vec<_>>());
        let md = to_markdown(&rows, "cubic");
        assert!(md.contains("| ramp | 4× boxcar | linear |"));
        assert!(to_csv(&rows).lines().count() == 3);
        let gap = Case { slice: ThickSlice { profile: SliceProfile::Boxcar, thickness: 3.0, spacing: 4.0 } };
        assert_eq!(gap.label(), "3× boxcar, gap 1×");
    }
}
