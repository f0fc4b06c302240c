//! Patient orientation from an affine: which way each voxel axis points (R/L, A/P, S/I) and what a
//! plane through the volume is called (axial, coronal, sagittal).
//!
//! World coordinates are RAS+, as NIfTI and nibabel define them: +x toward the patient's Right,
//! +y Anterior, +z Superior (DICOM's LPS is converted on reading). A voxel axis is named by the
//! world direction its index *increases toward*, as nibabel's `aff2axcodes` does: an identity
//! affine is ("R", "A", "S"), and a screen edge is labelled with the direction that lies beyond it.
//!
//! The name of a plane comes from its normal, not from the voxel axis held fixed: a sagittal
//! acquisition's slices (fixed k) are sagittal, and its fixed-x plane is axial or coronal
//! depending on how the scanner laid the in-plane axes out. A plane whose normal is more than
//! [`OBLIQUE_DEGREES`] off the world axis it is named after is marked oblique.

use crate::volume::Plane;

/// A plane is oblique when its normal leaves its dominant world axis by more than this. Scanners
/// tilt slices by fractions of a degree for no clinical reason; a reader should be told when a
/// plane is tilted enough that "left" on screen is not quite the patient's left.
pub const OBLIQUE_DEGREES: f64 = 1.0;

/// The world direction voxel index `axis` increases toward: one of R, L, A, P, S, I.
///
/// Each voxel axis takes the world axis with which its column has the largest share, choosing
/// the most dominant pairs first so that no two voxel axes take the same world axis (nibabel's
/// `io_orientation` does the same greedy choice after orthonormalising the columns; for the
/// near-orthogonal affines scanners write the two agree).
pub fn axis_codes(affine: &[[f64; 4]; 4]) -> [char; 3] {
    // Normalised columns.
    let col = |c: usize| -> [f64; 3] {
        let v = [affine[0][c], affine[1][c], affine[2][c]];
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(f64::MIN_POSITIVE);
        [v[0] / n, v[1] / n, v[2] / n]
    };
    let cols = [col(0), col(1), col(2)];
    let mut taken_voxel = [false; 3];
    let mut taken_world = [false; 3];
    let mut out = ['?'; 3];
    for _ in 0..3 {
        let mut best = (-1.0, 0, 0);
        for (v, c) in cols.iter().enumerate() {
            for (w, &x) in c.iter().enumerate() {
                if !taken_voxel[v] && !taken_world[w] && x.abs() > best.0 {
                    best = (x.abs(), v, w);
                }
            }
        }
        let (_, v, w) = best;
        taken_voxel[v] = true;
        taken_world[w] = true;
        let positive = cols[v][w] >= 0.0;
        out[v] = match (w, positive) {
            (0, true) => 'R',
            (0, false) => 'L',
            (1, true) => 'A',
            (1, false) => 'P',
            (2, true) => 'S',
            _ => 'I',
        };
    }
    out
}

/// The code of the opposite direction (R↔L, A↔P, S↔I).
pub fn opposite(code: char) -> char {
    match code {
        'R' => 'L',
        'L' => 'R',
        'A' => 'P',
        'P' => 'A',
        'S' => 'I',
        'I' => 'S',
        other => other,
    }
}

/// What a plane is called in patient terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaneName {
    Sagittal,
    Coronal,
    Axial,
}

impl std::str::FromStr for PlaneName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        PlaneName::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| format!("unknown plane '{s}' (expected axial, coronal or sagittal)"))
    }
}

impl PlaneName {
    /// In the order a three-pane layout shows them.
    pub const ALL: [PlaneName; 3] = [PlaneName::Axial, PlaneName::Coronal, PlaneName::Sagittal];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaneName::Sagittal => "sagittal",
            PlaneName::Coronal => "coronal",
            PlaneName::Axial => "axial",
        }
    }
}

/// A plane's name and how far its normal leaves the world axis of that name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Naming {
    pub name: PlaneName,
    /// Angle between the plane's normal and its dominant world axis, in degrees.
    pub tilt_degrees: f64,
}

impl Naming {
    pub fn oblique(&self) -> bool {
        self.tilt_degrees > OBLIQUE_DEGREES
    }

    /// "coronal", or "coronal (oblique 30°)".
    pub fn describe(&self) -> String {
        if self.oblique() {
            format!("{} (oblique {:.0}°)", self.name.as_str(), self.tilt_degrees)
        } else {
            self.name.as_str().to_string()
        }
    }
}

/// The patient-terms name of planes of voxel axes `plane.axes()` under `affine`: from the normal
/// of the plane (the cross product of its two in-plane columns, so a sheared affine is named by
/// the plane actually drawn), whose dominant world component is x (sagittal), y (coronal) or z
/// (axial).
pub fn plane_naming(affine: &[[f64; 4]; 4], plane: Plane) -> Naming {
    let [a, b] = plane.axes();
    let u = [affine[0][a], affine[1][a], affine[2][a]];
    let v = [affine[0][b], affine[1][b], affine[2][b]];
    let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt().max(f64::MIN_POSITIVE);
    let (w, big) = n.iter().enumerate().map(|(i, x)| (i, x.abs() / len)).fold((0, -1.0), |b, (i, x)| if x > b.1 { (i, x) } else { b });
    let name = [PlaneName::Sagittal, PlaneName::Coronal, PlaneName::Axial][w];
    Naming { name, tilt_degrees: big.clamp(-1.0, 1.0).acos().to_degrees() }
}

/// The voxel axis whose planes are `name`d, for volumes where one is (the first that is, in
/// order k, y, x; `None` if no voxel plane carries that name).
pub fn plane_axis(affine: &[[f64; 4]; 4], name: PlaneName) -> Option<usize> {
    [2, 1, 0].into_iter().find(|&fixed| plane_naming(affine, Plane { fixed, index: 0 }).name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(d: [f64; 3]) -> [[f64; 4]; 4] {
        [[d[0], 0.0, 0.0, 0.0], [0.0, d[1], 0.0, 0.0], [0.0, 0.0, d[2], 0.0], [0.0, 0.0, 0.0, 1.0]]
    }

    // Expected codes are what nibabel.aff2axcodes prints for the same affines.
    #[test]
    fn axis_codes_match_nibabel() {
        assert_eq!(axis_codes(&diag([1.0, 1.0, 1.0])), ['R', 'A', 'S']);
        assert_eq!(axis_codes(&diag([-1.0, 1.0, 1.0])), ['L', 'A', 'S']);
        // DICOM LPS read as RAS: an axial DICOM's rows run to the patient's left, columns posterior.
        assert_eq!(axis_codes(&diag([-0.8, -0.8, 3.0])), ['L', 'P', 'S']);
        // A sagittal acquisition: rows toward posterior, columns toward inferior (DICOM row
        // cosines (0,1,0), column cosines (0,0,−1) in LPS), slices stacked toward the left.
        let sag = [[0.0, 0.0, -1.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]];
        assert_eq!(axis_codes(&sag), ['P', 'I', 'L']);
        // 30° oblique about x: y's column is mostly A still, k's mostly S.
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let obl = [[1.0, 0.0, 0.0, 0.0], [0.0, c, -s, 0.0], [0.0, s, c, 0.0], [0.0, 0.0, 0.0, 1.0]];
        assert_eq!(axis_codes(&obl), ['R', 'A', 'S']);
        assert_eq!(opposite('P'), 'A');
    }

    #[test]
    fn planes_are_named_by_their_normal() {
        let axial = diag([1.0, 1.0, 3.0]);
        let name = |a: &[[f64; 4]; 4], fixed| plane_naming(a, Plane { fixed, index: 0 });
        assert_eq!(name(&axial, 2).name, PlaneName::Axial);
        assert_eq!(name(&axial, 1).name, PlaneName::Coronal);
        assert_eq!(name(&axial, 0).name, PlaneName::Sagittal);
        assert!(!name(&axial, 0).oblique());
        // A sagittal acquisition's stored slices are sagittal; its fixed-x planes are coronal.
        let sag = [[0.0, 0.0, -1.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]];
        assert_eq!(name(&sag, 2).name, PlaneName::Sagittal);
        assert_eq!(name(&sag, 0).name, PlaneName::Coronal);
        assert_eq!(name(&sag, 1).name, PlaneName::Axial);
        assert_eq!(plane_axis(&sag, PlaneName::Axial), Some(1));
        // 30° oblique: still axial by dominance, marked oblique by 30°.
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let obl = [[1.0, 0.0, 0.0, 0.0], [0.0, c, -s, 0.0], [0.0, s, c, 0.0], [0.0, 0.0, 0.0, 1.0]];
        let n = name(&obl, 2);
        assert_eq!(n.name, PlaneName::Axial);
        assert!((n.tilt_degrees - 30.0).abs() < 1e-9 && n.oblique());
        assert_eq!(n.describe(), "axial (oblique 30°)");
    }
}
