//! A plane of a volume as a viewer draws it: which voxel axis runs along the screen's width and
//! which along its height, in which direction, and what lies beyond each edge (R/L, A/P, S/I).
//!
//! Readers expect the patient the same way up whatever the scanner stored: an axial plane with
//! anterior at the top, coronal and sagittal with superior at the top, and in the radiological
//! convention the patient's right on the screen's left (as if facing the patient), in the
//! neurological one on its right. Sagittal planes show anterior on the left in both (the
//! convention is about left and right, which a sagittal plane does not show). As nibabel's
//! `apply_orientation` does, only flips and a transpose are used, never a resampling: every
//! pixel on screen is a stored voxel, and an oblique acquisition is drawn in its own plane,
//! labelled by the dominant direction of each screen axis and marked oblique.
//!
//! The browser, `coordsr render --plane` and the tests all go through [`OrientedPlane`], so the
//! pixels the viewer decodes, the labels it draws and the world position it reads out under the
//! pointer come from one mapping.

use crate::image::Image;
use crate::orientation::{axis_codes, opposite, plane_naming, Naming, PlaneName};
use crate::volume::{Plane, Volume};
use serde::{Deserialize, Serialize};

/// Which side of the screen the patient's right is drawn on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// Patient's right on the screen's left (radiology's habit, the default).
    #[default]
    Radiological,
    /// Patient's right on the screen's right (neurology's and most research tools' habit).
    Neurological,
}

impl Convention {
    pub fn as_str(self) -> &'static str {
        match self {
            Convention::Radiological => "radiological",
            Convention::Neurological => "neurological",
        }
    }

    /// What it means, for the screen.
    pub fn describe(self) -> &'static str {
        match self {
            Convention::Radiological => "radiological: patient's right on screen left",
            Convention::Neurological => "neurological: patient's right on screen right",
        }
    }
}

impl std::str::FromStr for Convention {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "radiological" => Ok(Self::Radiological),
            "neurological" => Ok(Self::Neurological),
            _ => Err(format!("unknown convention '{s}' (expected radiological or neurological)")),
        }
    }
}

/// What lies beyond each edge of a drawn plane: one of R, L, A, P, S, I.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    pub top: char,
    pub bottom: char,
    pub left: char,
    pub right: char,
}

/// A plane of a volume as drawn: the voxel axis held fixed and its index, the voxel axes along
/// the screen's width and height (`axes`), and whether each runs against the screen (`flip`:
/// screen x grows as that voxel index falls). Image pixel `(u, v)` is voxel `axes[0]` at `u` (or
/// `n − 1 − u` flipped) and `axes[1]` at `v` likewise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrientedPlane {
    pub fixed: usize,
    pub index: usize,
    pub axes: [usize; 2],
    pub flip: [bool; 2],
}

impl OrientedPlane {
    /// The plane `plane` as stored, unflipped (the stored slice is fixed k: x across, y down). The
    /// reader study draws slices so: its cases name points in stored slice coordinates.
    pub fn stored(plane: Plane) -> Self {
        Self { fixed: plane.fixed, index: plane.index, axes: plane.axes(), flip: [false, false] }
    }

    /// The `name`d plane through voxel index `index` along its normal, oriented for `convention`.
    ///
    /// The voxel axis held fixed is the one that points (mostly) along the plane's normal, as
    /// [`axis_codes`] assigns world directions to voxel axes; of the two left, the one that
    /// points (mostly) left–right (axial, coronal) or anterior–posterior (sagittal) runs across.
    pub fn oriented(affine: &[[f64; 4]; 4], name: PlaneName, index: usize, convention: Convention) -> Self {
        let codes = axis_codes(affine);
        let on = |pair: [char; 2]| (0..3).find(|&a| pair.contains(&codes[a])).unwrap_or(0);
        let (normal, across, right, bottom) = match name {
            PlaneName::Axial => (['S', 'I'], ['R', 'L'], convention.right_edge(), 'P'),
            PlaneName::Coronal => (['A', 'P'], ['R', 'L'], convention.right_edge(), 'I'),
            PlaneName::Sagittal => (['R', 'L'], ['A', 'P'], 'P', 'I'),
        };
        let fixed = on(normal);
        let x = on(across);
        let y = 3 - fixed - x;
        Self { fixed, index, axes: [x, y], flip: [codes[x] != right, codes[y] != bottom] }
    }

    /// The same orientation through another voxel index along the normal.
    pub fn at(self, index: usize) -> Self {
        Self { index, ..self }
    }

    /// The engine's plane of voxels this one draws.
    pub fn plane(&self) -> Plane {
        Plane { fixed: self.fixed, index: self.index }
    }

    /// Planes along the normal.
    pub fn count(&self, volume: &Volume) -> usize {
        volume.dims()[self.fixed]
    }

    /// Drawn size in pixels (width, height).
    pub fn size(&self, volume: &Volume) -> (usize, usize) {
        let d = volume.dims();
        (d[self.axes[0]], d[self.axes[1]])
    }

    /// Millimetres per pixel along the screen's width and height: unequal on a reformat of a
    /// thick-slice series, which is drawn at that aspect.
    pub fn spacing(&self, volume: &Volume) -> [f64; 2] {
        [volume.spacing[self.axes[0]], volume.spacing[self.axes[1]]]
    }

    /// The drawn image, or an error naming the plane when its index is outside the volume.
    pub fn image(&self, volume: &Volume) -> Result<Image, String> {
        let n = self.count(volume);
        if self.index >= n {
            return Err(format!("no plane {} along voxel axis {} (the volume has {n})", self.index, self.fixed));
        }
        let stored = volume.plane(self.plane());
        let (w, h) = self.size(volume);
        // In the stored plane image the lower voxel axis runs across: a transpose when the
        // drawn width is the higher one.
        let transposed = self.axes[0] > self.axes[1];
        let mut data = Vec::with_capacity(w * h);
        for v in 0..h {
            let b = if self.flip[1] { h - 1 - v } else { v };
            for u in 0..w {
                let a = if self.flip[0] { w - 1 - u } else { u };
                data.push(if transposed { stored.data[a * stored.width + b] } else { stored.data[b * stored.width + a] });
            }
        }
        Ok(Image::new(w, h, data))
    }

    /// The voxel index (fractional) under drawn pixel coordinate `(u, v)`; sample `j` sits at `j`
    /// as everywhere in the engine ([`crate::geometry`]).
    pub fn voxel(&self, volume: &Volume, u: f64, v: f64) -> [f64; 3] {
        let (w, h) = self.size(volume);
        let mut ijk = [0.0; 3];
        ijk[self.fixed] = self.index as f64;
        ijk[self.axes[0]] = if self.flip[0] { (w - 1) as f64 - u } else { u };
        ijk[self.axes[1]] = if self.flip[1] { (h - 1) as f64 - v } else { v };
        ijk
    }

    /// The drawn pixel coordinate of voxel index `ijk` (its component along the normal ignored):
    /// the inverse of [`Self::voxel`], where the crosshair is drawn.
    pub fn pixel(&self, volume: &Volume, ijk: [f64; 3]) -> [f64; 2] {
        let (w, h) = self.size(volume);
        let along = |k: usize, n: usize| if self.flip[k] { (n - 1) as f64 - ijk[self.axes[k]] } else { ijk[self.axes[k]] };
        [along(0, w), along(1, h)]
    }

    /// What lies beyond each edge: the direction each screen axis's voxel index grows toward (the
    /// opposite where it is flipped), as nibabel's `aff2axcodes` names voxel axes.
    pub fn labels(&self, affine: &[[f64; 4]; 4]) -> Labels {
        let codes = axis_codes(affine);
        let toward = |k: usize| if self.flip[k] { opposite(codes[self.axes[k]]) } else { codes[self.axes[k]] };
        let (right, bottom) = (toward(0), toward(1));
        Labels { top: opposite(bottom), bottom, left: opposite(right), right }
    }

    /// The plane's name in patient terms and its tilt (oblique above one degree).
    pub fn naming(&self, affine: &[[f64; 4]; 4]) -> Naming {
        plane_naming(affine, self.plane())
    }

    /// A short key for caches: the same key is the same pixels for one volume.
    pub fn key(&self) -> String {
        let f = |b: bool| if b { "-" } else { "+" };
        format!("p{}@{}:{}{}{}{}", self.fixed, self.index, f(self.flip[0]), self.axes[0], f(self.flip[1]), self.axes[1])
    }
}

impl Convention {
    /// The label of the right edge of an axial or coronal plane.
    fn right_edge(self) -> char {
        match self {
            Convention::Radiological => 'L',
            Convention::Neurological => 'R',
        }
    }
}

/// A scale bar for `mm_per_px` millimetres per screen pixel: the round length (1, 2 or 5 × a
/// power of ten mm) whose bar is the longest not over `max_px` pixels, and that bar's length in
/// pixels. `None` when not even 0.1 mm fits (or the input is not a positive number).
pub fn scale_bar(mm_per_px: f64, max_px: f64) -> Option<(f64, f64)> {
    if !(mm_per_px.is_finite() && mm_per_px > 0.0 && max_px > 0.0) {
        return None;
    }
    let longest = max_px * mm_per_px;
    let mut best = None;
    for exp in -1..=4 {
        for m in [1.0, 2.0, 5.0] {
            let mm = m * 10f64.powi(exp);
            if mm <= longest + 1e-9 {
                best = Some((mm, mm / mm_per_px));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(affine: [[f64; 4]; 4], dims: [usize; 3]) -> Volume {
        // Voxel (x, y, k) holds 10000 k + 100 y + x: every pixel says where it came from.
        let slices = (0..dims[2])
            .map(|k| Image::new(dims[0], dims[1], (0..dims[0] * dims[1]).map(|i| (10000 * k + 100 * (i / dims[0]) + i % dims[0]) as f32).collect()))
            .collect();
        let spacing = std::array::from_fn(|c| (0..3).map(|r| affine[r][c] * affine[r][c]).sum::<f64>().sqrt());
        Volume::new(slices, spacing, affine)
    }

    fn diag(d: [f64; 3]) -> [[f64; 4]; 4] {
        [[d[0], 0.0, 0.0, 0.0], [0.0, d[1], 0.0, 0.0], [0.0, 0.0, d[2], 0.0], [0.0, 0.0, 0.0, 1.0]]
    }

    /// Every drawn pixel is the voxel `voxel` names, and that voxel lies in the direction the
    /// labels say: one pixel right moves the world position toward `labels.right`, one down
    /// toward `labels.bottom`.
    fn check(vol: &Volume, p: OrientedPlane) -> Labels {
        let img = p.image(vol).unwrap();
        let (w, h) = p.size(vol);
        assert_eq!((img.width, img.height), (w, h));
        for v in 0..h {
            for u in 0..w {
                let ijk = p.voxel(vol, u as f64, v as f64);
                let want = 10000.0 * ijk[2] + 100.0 * ijk[1] + ijk[0];
                assert_eq!(img.data[v * w + u] as f64, want, "pixel ({u}, {v}) of {p:?}");
                let back = p.pixel(vol, ijk);
                assert_eq!(back, [u as f64, v as f64]);
            }
        }
        let labels = p.labels(&vol.affine);
        let dir = |code: char| -> [f64; 3] {
            match code {
                'R' => [1.0, 0.0, 0.0],
                'L' => [-1.0, 0.0, 0.0],
                'A' => [0.0, 1.0, 0.0],
                'P' => [0.0, -1.0, 0.0],
                'S' => [0.0, 0.0, 1.0],
                _ => [0.0, 0.0, -1.0],
            }
        };
        let step = |du: f64, dv: f64| {
            let a = vol.world(p.voxel(vol, 1.0, 1.0));
            let b = vol.world(p.voxel(vol, 1.0 + du, 1.0 + dv));
            [b[0] - a[0], b[1] - a[1], b[2] - a[2]]
        };
        let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        let (right, down) = (step(1.0, 0.0), step(0.0, 1.0));
        // The labelled direction is the step's largest component, with its sign.
        let norm = |v: [f64; 3]| dot(v, v).sqrt();
        assert!(dot(right, dir(labels.right)) > 0.5 * norm(right), "{p:?}: right {right:?} vs {}", labels.right);
        assert!(dot(down, dir(labels.bottom)) > 0.5 * norm(down), "{p:?}: down {down:?} vs {}", labels.bottom);
        labels
    }

    fn l(top: char, bottom: char, left: char, right: char) -> Labels {
        Labels { top, bottom, left, right }
    }

    const RADIO: Convention = Convention::Radiological;
    const NEURO: Convention = Convention::Neurological;

    #[test]
    fn ras_nifti_is_drawn_the_conventional_way_up() {
        let vol = volume(diag([1.0, 1.0, 3.0]), [6, 5, 4]);
        let ax = OrientedPlane::oriented(&vol.affine, PlaneName::Axial, 2, RADIO);
        // RAS stored: x grows to R, y to A; radiological axial wants L on the right, P at the
        // bottom: both flipped (the stored slice turned 180°).
        assert_eq!((ax.fixed, ax.axes, ax.flip), (2, [0, 1], [true, true]));
        assert_eq!(check(&vol, ax), l('A', 'P', 'R', 'L'));
        let neuro = OrientedPlane::oriented(&vol.affine, PlaneName::Axial, 2, NEURO);
        assert_eq!(check(&vol, neuro), l('A', 'P', 'L', 'R'));
        let cor = OrientedPlane::oriented(&vol.affine, PlaneName::Coronal, 1, RADIO);
        assert_eq!((cor.fixed, cor.axes), (1, [0, 2]));
        assert_eq!(check(&vol, cor), l('S', 'I', 'R', 'L'));
        assert_eq!(cor.spacing(&vol), [1.0, 3.0]);
        let sag = OrientedPlane::oriented(&vol.affine, PlaneName::Sagittal, 0, NEURO);
        assert_eq!((sag.fixed, sag.axes), (0, [1, 2]));
        assert_eq!(check(&vol, sag), l('S', 'I', 'A', 'P'));
    }

    #[test]
    fn las_and_lps_flip_only_what_differs() {
        // LAS (FSL's radiological storage): x grows to L, already the radiological right edge.
        let las = volume(diag([-1.0, 1.0, 1.0]), [4, 5, 3]);
        let ax = OrientedPlane::oriented(&las.affine, PlaneName::Axial, 0, RADIO);
        assert_eq!(ax.flip, [false, true]);
        assert_eq!(check(&las, ax), l('A', 'P', 'R', 'L'));
        // DICOM LPS read into RAS: x to L, y to P — the stored DICOM slice is already radiological.
        let lps = volume(diag([-0.5, -0.5, 2.0]), [4, 5, 3]);
        let ax = OrientedPlane::oriented(&lps.affine, PlaneName::Axial, 1, RADIO);
        assert_eq!(ax.flip, [false, false]);
        assert_eq!(ax.image(&lps).unwrap(), lps.slices[1]);
        assert_eq!(check(&lps, ax), l('A', 'P', 'R', 'L'));
        for name in [PlaneName::Coronal, PlaneName::Sagittal] {
            for c in [RADIO, NEURO] {
                check(&lps, OrientedPlane::oriented(&lps.affine, name, 1, c));
            }
        }
    }

    #[test]
    fn a_sagittal_acquisition_shows_its_slices_as_sagittal() {
        // DICOM sagittal (rows along A→P... read into RAS): voxel x → world −y (P), voxel y →
        // world −z (I), slices k → world +x (R); nibabel's aff2axcodes says ('P', 'I', 'R').
        let affine = [[0.0, 0.0, 1.2, -30.0], [-1.0, 0.0, 0.0, 90.0], [0.0, -1.0, 0.0, 100.0], [0.0, 0.0, 0.0, 1.0]];
        let vol = volume(affine, [6, 7, 5]);
        assert_eq!(axis_codes(&vol.affine), ['P', 'I', 'R']);
        let sag = OrientedPlane::oriented(&vol.affine, PlaneName::Sagittal, 3, RADIO);
        // Its stored slices, already anterior-left, superior-up: unflipped.
        assert_eq!((sag.fixed, sag.axes, sag.flip), (2, [0, 1], [false, false]));
        assert_eq!(check(&vol, sag), l('S', 'I', 'A', 'P'));
        let ax = OrientedPlane::oriented(&vol.affine, PlaneName::Axial, 4, RADIO);
        assert_eq!((ax.fixed, ax.axes), (1, [2, 0]));
        assert_eq!(check(&vol, ax), l('A', 'P', 'R', 'L'));
        assert_eq!(ax.naming(&vol.affine).name, PlaneName::Axial);
        let cor = OrientedPlane::oriented(&vol.affine, PlaneName::Coronal, 2, NEURO);
        assert_eq!(check(&vol, cor), l('S', 'I', 'L', 'R'));
        assert_eq!(cor.spacing(&vol), [1.2, 1.0]);
    }

    #[test]
    fn an_oblique_acquisition_is_labelled_by_its_dominant_directions_and_marked() {
        // Axial slices tilted 30° about x (toward coronal).
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let affine = [[1.0, 0.0, 0.0, 0.0], [0.0, c, -2.0 * s, 0.0], [0.0, s, 2.0 * c, 0.0], [0.0, 0.0, 0.0, 1.0]];
        let vol = volume(affine, [5, 6, 4]);
        let ax = OrientedPlane::oriented(&vol.affine, PlaneName::Axial, 1, RADIO);
        assert_eq!(ax.fixed, 2);
        assert_eq!(check(&vol, ax), l('A', 'P', 'R', 'L'));
        let n = ax.naming(&vol.affine);
        assert!(n.oblique() && (n.tilt_degrees - 30.0).abs() < 1e-9, "{n:?}");
        assert_eq!(n.describe(), "axial (oblique 30°)");
        let cor = OrientedPlane::oriented(&vol.affine, PlaneName::Coronal, 2, RADIO);
        assert_eq!(check(&vol, cor), l('S', 'I', 'R', 'L'));
        assert!(cor.naming(&vol.affine).oblique());
    }

    #[test]
    fn stored_is_the_slice_as_read_and_out_of_range_is_an_error() {
        let vol = volume(diag([1.0, 1.0, 1.0]), [3, 4, 2]);
        let p = OrientedPlane::stored(Plane { fixed: 2, index: 1 });
        assert_eq!(p.image(&vol).unwrap(), vol.slices[1]);
        assert_eq!(p.labels(&vol.affine), l('P', 'A', 'L', 'R'));
        assert!(p.at(2).image(&vol).unwrap_err().contains("no plane 2 along voxel axis 2"));
        assert_ne!(p.key(), OrientedPlane::oriented(&vol.affine, PlaneName::Axial, 1, RADIO).key());
    }

    #[test]
    fn scale_bars_are_round_and_fit() {
        assert_eq!(scale_bar(0.5, 100.0), Some((50.0, 100.0)));
        assert_eq!(scale_bar(0.3, 100.0), Some((20.0, 20.0 / 0.3)));
        assert_eq!(scale_bar(0.01, 120.0), Some((1.0, 100.0)));
        assert_eq!(scale_bar(2.0, 40.0), Some((50.0, 25.0)));
        assert_eq!(scale_bar(1.0, 0.05), None);
        assert_eq!(scale_bar(f64::NAN, 100.0), None);
    }
}
