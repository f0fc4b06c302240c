//! Through-plane super-resolution: a thick-slice volume to any slice spacing, in-plane untouched.
//!
//! SMORE's recipe (Zhao et al., IEEE TMI 2021) with a scale-agnostic decoder: every plane that
//! contains the slice axis (the coronal and sagittal reformats of an axial series) is a 2D image
//! that is fine along its in-plane axis and thick along the slice axis; the coordinate decoder
//! renders it at cell `(1, 1/s)` onto the fine grid of [`SliceAxis`], and the two orthogonal
//! estimates of each voxel are averaged. Interpolation along the slice axis (linear, cubic) is the
//! baseline, on the same geometry. Memory is the output volume plus one plane at a time.

use crate::degrade::ThickSlice;
use crate::geometry::SliceAxis;
use crate::image::Image;
use crate::infer::DEFAULT_CHUNK;
use crate::interp;
use crate::model::SrModel;
use crate::skip::{self, Skip};
use crate::volume::{Plane, Volume};
use burn::tensor::Device;

/// Pixels more than this much taller than wide (or wider than tall) make a plane a reformat
/// across thick slices rather than an acquired image: in-plane pixels of one scan differ by a
/// few percent at most, slice spacings by 1.5× and more.
pub const REFORMAT_ASPECT: f64 = 1.1;

/// The coord model a viewer decodes a drawn plane with: the through-plane model (built-in name
/// `coord-through`) on a reformat across thick slices, whose pixels are `aspect` (height over
/// width, mm) times as tall as wide, as it was trained (thick slices stacked along one image
/// axis); the in-plane model (`coord`) on an acquired plane. The browser and `coordsr render
/// --plane` choose by this one rule.
pub fn coord_model_for(aspect: f64) -> &'static str {
    if aspect > REFORMAT_ASPECT || aspect < 1.0 / REFORMAT_ASPECT { "coord-through" } else { "coord" }
}

/// How a plane is brought from thick slices to the fine grid along its vertical (slice) axis.
#[derive(Clone, Copy)]
pub enum PlaneMethod<'a> {
    /// Linear interpolation between slice centres (what a viewer's reformat shows).
    Linear,
    /// Keys' cubic convolution along the slice axis (the "cubic" of the literature).
    Cubic,
    /// A coordinate decoder at cell (1, 1/s): a through-plane model, or an in-plane one used as is.
    Model(&'a SrModel),
}

impl PlaneMethod<'_> {
    /// Whether the two orthogonal planes through a voxel can disagree (interpolation along the
    /// slice axis gives both the same value, so one pass is enough).
    fn uses_both_planes(&self) -> bool {
        matches!(self, PlaneMethod::Model(_))
    }

    /// `plane` (thick slices as rows) on the fine grid of `axis`: `plane.width × axis.fine()`.
    pub fn upsample(&self, plane: &Image, axis: &SliceAxis, device: &Device) -> Image {
        assert_eq!(plane.height, axis.count, "a plane's rows are its thick slices");
        let (w, m) = (plane.width, axis.fine());
        let mut coords = Vec::with_capacity(w * m);
        for i in 0..m {
            let v = axis.lr_coord(i as f64) as f32;
            coords.extend((0..w).map(|x| [x as f32, v]));
        }
        let data = match self {
            PlaneMethod::Linear => skip::skip_at(Skip::Bilinear, plane, &coords),
            PlaneMethod::Cubic => coords.iter().map(|c| interp::bicubic_at(plane, c[0], c[1])).collect(),
            PlaneMethod::Model(model) => {
                let enc = model.encode(plane, device);
                model.decode_coords(&enc, &coords, [1.0, axis.cell()], DEFAULT_CHUNK)
            }
        };
        Image::new(w, m, data)
    }
}

/// The fine grid of a thick-slice volume at slice spacing `spacing_mm` (default: the finer
/// in-plane spacing), checked: at least two slices, evenly spaced, a spacing no larger than the
/// input's.
pub fn target_axis(vol: &Volume, spacing_mm: Option<f64>) -> Result<SliceAxis, String> {
    if vol.depth() < 2 {
        return Err(format!("a through-plane upscale needs at least two slices; this volume has {}", vol.depth()));
    }
    if let Some(why) = &vol.irregular_slices {
        return Err(format!("the slices are not evenly spaced ({why}); a through-plane upscale needs a regular stack"));
    }
    let step = vol.spacing[2];
    let target = spacing_mm.unwrap_or(vol.spacing[0].min(vol.spacing[1]));
    if !(target > 0.0 && target.is_finite()) {
        return Err(format!("slice spacing {target} mm must be a positive number"));
    }
    if target > step * (1.0 + 1e-9) {
        return Err(format!("the requested slice spacing {target} mm is larger than the input's ({step} mm): nothing to upscale"));
    }
    let thickness = vol.slice_thickness();
    // A header's thickness decides the output's extent: one far beyond the spacing is a broken
    // header, not an acquisition (overlapping slices reach about twice the spacing).
    if thickness > MAX_OVERLAP * step {
        return Err(format!("the slice thickness ({thickness} mm) is more than {MAX_OVERLAP} times the slice spacing ({step} mm); the header is not believable"));
    }
    let axis = SliceAxis { count: vol.depth(), spacing: step / target, thickness: thickness / target };
    let voxels = (vol.width * vol.height) as u64 * axis.fine() as u64;
    if voxels > crate::io::MAX_VOXELS {
        return Err(format!("{target} mm slices would make {voxels} voxels, more than this reader's limit of {}; ask for a coarser spacing", crate::io::MAX_VOXELS));
    }
    Ok(axis)
}

/// Largest slice thickness accepted, in slice spacings.
const MAX_OVERLAP: f64 = 4.0;

/// A thick-slice acquisition of a (near-)isotropic volume along its slice axis `k`: each thick
/// slice the profile-weighted fine slices under it, written where its tissue is (the affine's
/// origin at the first slice's centre, [`SliceAxis::thick_affine`]), with its thickness recorded.
/// `slice` is in fine voxels (thickness and spacing over the volume's own k spacing).
pub fn thicken(vol: &Volume, slice: &ThickSlice) -> Result<Volume, String> {
    let (slices, axis) = slice.apply_stack(&vol.slices)?;
    if axis.count < 2 {
        return Err(format!("slices {} voxels thick leave fewer than two slices of {}", slice.thickness, vol.depth()));
    }
    let mut out = Volume::new(slices, [vol.spacing[0], vol.spacing[1], vol.spacing[2] * slice.spacing], axis.thick_affine(&vol.affine, 2));
    out.thickness = Some(vol.spacing[2] * slice.thickness);
    Ok(out)
}

/// Upscale a thick-slice volume along `k` onto the fine grid `axis` ([`target_axis`]). `progress`
/// is told (planes done, planes in all).
pub fn upscale(vol: &Volume, axis: &SliceAxis, method: PlaneMethod, device: &Device, mut progress: impl FnMut(usize, usize)) -> Volume {
    let (w, h, m) = (vol.width, vol.height, axis.fine());
    let mut out: Vec<Image> = (0..m).map(|_| Image::zeros(w, h)).collect();
    let both = method.uses_both_planes();
    let total = if both { w + h } else { h };
    let weight = if both { 0.5 } else { 1.0 };
    // Coronal-type planes (fixed y): width x, rows k.
    for y in 0..h {
        let fine = method.upsample(&vol.plane(Plane { fixed: 1, index: y }), axis, device);
        for (i, s) in out.iter_mut().enumerate() {
            let row = &mut s.data[y * w..(y + 1) * w];
            row.iter_mut().zip(&fine.data[i * w..(i + 1) * w]).for_each(|(o, v)| *o += weight * v);
        }
        progress(y + 1, total);
    }
    if both {
        // Sagittal-type planes (fixed x): width y, rows k.
        for x in 0..w {
            let fine = method.upsample(&vol.plane(Plane { fixed: 0, index: x }), axis, device);
            for (i, s) in out.iter_mut().enumerate() {
                for y in 0..h {
                    s.data[y * w + x] += weight * fine.data[i * h + y];
                }
            }
            progress(h + x + 1, total);
        }
    }
    Volume::new(out, [vol.spacing[0], vol.spacing[1], vol.spacing[2] / axis.spacing], axis.fine_affine(&vol.affine, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reformats_of_thick_slices_get_the_through_plane_model() {
        assert_eq!(coord_model_for(1.0), "coord");
        assert_eq!(coord_model_for(1.05), "coord");
        assert_eq!(coord_model_for(4.0), "coord-through");
        assert_eq!(coord_model_for(0.25), "coord-through");
        assert!(crate::methods::bundled::bytes(coord_model_for(4.0)).is_some(), "the built-in through-plane model exists");
    }
    use crate::degrade::SliceProfile;

    fn oblique_volume(w: usize, h: usize, d: usize) -> Volume {
        let slices = (0..d).map(|k| Image::from_fn(w, h, |x, y| (x as f32 * 0.7).sin() * 20.0 + y as f32 + 3.0 * k as f32)).collect();
        let (c, s) = (0.5f64.cos(), 0.5f64.sin());
        let affine = [[-0.8 * c, 0.0, 0.9 * s, 31.0], [0.0, -0.8, 0.0, 17.0], [0.8 * s, 0.0, 0.9 * c, -42.0], [0.0, 0.0, 0.0, 1.0]];
        Volume::new(slices, [0.8, 0.8, 0.9], affine)
    }

    #[test]
    fn thick_slices_land_where_their_tissue_is() {
        for (d, t, s) in [(40, 4.0, 4.0), (41, 3.0, 3.0), (37, 2.5, 3.5)] {
            let v = oblique_volume(5, 4, d);
            let slice = ThickSlice { profile: SliceProfile::Boxcar, thickness: t, spacing: s };
            let thick = thicken(&v, &slice).unwrap();
            assert_eq!(thick.thickness, Some(0.9 * t));
            let axis = slice.axis(d).unwrap();
            for j in 0..thick.depth() {
                // Thick voxel j is at the centre of the tissue it averaged, in world coordinates.
                let (p, q) = (thick.world([2.0, 1.0, j as f64]), v.world([2.0, 1.0, axis.centre(j as f64)]));
                assert!((0..3).all(|r| (p[r] - q[r]).abs() < 1e-9), "{d} {t} {s} slice {j}: {p:?} vs {q:?}");
                // For whole-voxel thicknesses that is also the centre of mass of its weights.
                if t.fract() == 0.0 {
                    let (first, wts) = slice.weights(&axis, j, d);
                    let com: f64 = wts.iter().enumerate().map(|(i, &w)| (first + i) as f64 * w as f64).sum();
                    assert!((com - axis.centre(j as f64)).abs() < 1e-5);
                }
            }
        }
    }

    #[test]
    fn an_upscale_at_the_original_spacing_returns_the_original_grid() {
        // Odd and even depths, real factors, a gap: the output's voxels sit on the source's.
        for (d, t, s) in [(40, 4.0, 4.0), (41, 3.0, 3.0), (50, 2.5, 2.5), (37, 2.0, 3.0)] {
            let v = oblique_volume(6, 5, d);
            let thick = thicken(&v, &ThickSlice { profile: SliceProfile::Boxcar, thickness: t, spacing: s }).unwrap();
            let axis = target_axis(&thick, Some(0.9)).unwrap();
            assert!((axis.spacing - s).abs() < 1e-12 && (axis.thickness - t).abs() < 1e-12);
            let out = upscale(&thick, &axis, PlaneMethod::Linear, &Device::flex(), |_, _| {});
            assert!(out.depth() <= d && out.depth() + s.ceil() as usize > d, "{d}: {}", out.depth());
            for k in [0, out.depth() / 2, out.depth() - 1] {
                let (p, q) = (out.world([1.0, 3.0, k as f64]), v.world([1.0, 3.0, k as f64]));
                assert!((0..3).all(|r| (p[r] - q[r]).abs() < 1e-9), "{d} {t} {s} k {k}: {p:?} vs {q:?}");
            }
            // A linear ramp along k is reproduced between the first and last slice centres (for
            // whole-voxel thicknesses, where a slice's mean is its centre's value).
            let mid = out.depth() / 2;
            if t.fract() == 0.0 {
                assert!((out.slices[mid].get(0, 0) - v.slices[mid].get(0, 0)).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn bad_through_plane_requests_are_refused() {
        let v = oblique_volume(4, 4, 10);
        assert!(target_axis(&v, Some(2.0)).unwrap_err().contains("larger than the input"));
        let one = Volume::new(vec![Image::zeros(4, 4)], [1.0, 1.0, 3.0], v.affine);
        assert!(target_axis(&one, None).unwrap_err().contains("at least two slices"));
        let mut irregular = v.clone();
        irregular.irregular_slices = Some("slice gaps are not uniform (1 to 3 mm)".into());
        assert!(target_axis(&irregular, None).unwrap_err().contains("not evenly spaced"));
        assert!(target_axis(&v, Some(0.0)).is_err());
        // Output sizes and thicknesses no scan has: refused before anything is allocated.
        assert!(target_axis(&v, Some(1e-7)).unwrap_err().contains("voxels"));
        let mut thick = v.clone();
        thick.thickness = Some(1e6);
        assert!(target_axis(&thick, None).unwrap_err().contains("not believable"));
        assert!(thicken(&v, &ThickSlice { profile: SliceProfile::Boxcar, thickness: 6.0, spacing: 6.0 }).is_err());
    }

    #[test]
    fn both_planes_are_decoded_and_averaged_for_a_model() {
        // An untrained model still must give the mean of its coronal and sagittal estimates.
        let dev = Device::flex();
        let model = crate::model::ModelConfig {
            encoder: crate::model::EncoderConfig { channels: 4, blocks: 1, res_scale: 1.0 },
            ..crate::model::ModelConfig::coord()
        }
        .init_seeded(&dev, 3);
        let v = oblique_volume(6, 5, 12);
        let thick = thicken(&v, &ThickSlice { profile: SliceProfile::Boxcar, thickness: 3.0, spacing: 3.0 }).unwrap();
        let axis = target_axis(&thick, Some(0.9)).unwrap();
        let mut calls = 0;
        let out = upscale(&thick, &axis, PlaneMethod::Model(&model), &dev, |_, n| {
            calls += 1;
            assert_eq!(n, 11);
        });
        assert_eq!(calls, 11);
        let cor = PlaneMethod::Model(&model).upsample(&thick.plane(Plane { fixed: 1, index: 2 }), &axis, &dev);
        let sag = PlaneMethod::Model(&model).upsample(&thick.plane(Plane { fixed: 0, index: 4 }), &axis, &dev);
        let want = 0.5 * (cor.get(4, 7) + sag.get(2, 7));
        assert!((out.slices[7].get(4, 2) - want).abs() < 1e-4);
    }
}
