//! A volume in 3D: a voxel grid, its spacing, slice thickness and voxel-to-world affine, and the
//! planes through it along each voxel axis.

use crate::image::Image;

/// A 3D magnitude volume stored as slices along its third voxel axis (`k`, the acquisition's
/// slice axis for 2D multi-slice series): `slices[k]` is `width × height`, `data[y * width + x]`.
///
/// `affine` maps voxel indices (x, y, k, 1) to patient/world millimetres (NIfTI RAS+ convention
/// for NIfTI files; DICOM LPS is converted to RAS when read) so a super-resolved volume lands in
/// the same place as its source in any viewer.
#[derive(Clone, Debug)]
pub struct Volume {
    pub width: usize,
    pub height: usize,
    pub slices: Vec<Image>,
    /// Voxel size in mm along x, y, k (along k: the distance between slice centres).
    pub spacing: [f64; 3],
    /// Row-major 4×4 voxel-to-world matrix.
    pub affine: [[f64; 4]; 4],
    /// Slice thickness in mm (the width of the slice profile along k) where the file says it:
    /// DICOM SliceThickness, or a NIfTI written by coordsr. `None`: unknown, and taken to equal
    /// the slice spacing (no gap) wherever it matters ([`Volume::slice_thickness`]).
    pub thickness: Option<f64>,
    /// Set, with the reader's explanation, when the slices are not evenly spaced along k: the
    /// affine then holds their mean spacing, which a through-plane reconstruction must not trust.
    pub irregular_slices: Option<String>,
}

/// A plane of voxels with one voxel axis held fixed.
///
/// Its image puts the remaining axes in a fixed order: fixed `k` gives (x → width, y → height),
/// the stored slice; fixed `y` gives (x, k); fixed `x` gives (y, k). So the slice axis, when the
/// plane contains it, is always the image's vertical axis (as thick slices are stacked in
/// [`crate::degrade::ThickSlice::apply_image`] with `vertical`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plane {
    /// The voxel axis held fixed: 0 (x), 1 (y) or 2 (k).
    pub fixed: usize,
    pub index: usize,
}

impl Plane {
    /// The voxel axes along the image's width and height.
    pub fn axes(&self) -> [usize; 2] {
        match self.fixed {
            0 => [1, 2],
            1 => [0, 2],
            _ => [0, 1],
        }
    }

    /// The voxel index of pixel `(u, v)` of this plane's image (fractional coordinates allowed).
    pub fn voxel(&self, u: f64, v: f64) -> [f64; 3] {
        let mut ijk = [0.0; 3];
        ijk[self.fixed] = self.index as f64;
        let [a, b] = self.axes();
        ijk[a] = u;
        ijk[b] = v;
        ijk
    }
}

impl Volume {
    pub fn depth(&self) -> usize {
        self.slices.len()
    }

    /// Extent along voxel axis 0, 1, 2.
    pub fn dims(&self) -> [usize; 3] {
        [self.width, self.height, self.depth()]
    }

    /// A volume from slices with the given spacing and affine, nothing else known.
    pub fn new(slices: Vec<Image>, spacing: [f64; 3], affine: [[f64; 4]; 4]) -> Volume {
        let (width, height) = slices.first().map(|s| (s.width, s.height)).unwrap_or((0, 0));
        Volume { width, height, slices, spacing, affine, thickness: None, irregular_slices: None }
    }

    /// A volume of one slice with a diagonal affine, for 2D formats (PNG, NPY).
    pub fn from_image(image: Image, spacing: [f64; 2]) -> Volume {
        let mut affine = [[0.0; 4]; 4];
        affine[0][0] = spacing[0];
        affine[1][1] = spacing[1];
        affine[2][2] = 1.0;
        affine[3][3] = 1.0;
        Volume::new(vec![image], [spacing[0], spacing[1], 1.0], affine)
    }

    /// The slice thickness in mm: the file's, else the slice spacing (no gap assumed).
    pub fn slice_thickness(&self) -> f64 {
        self.thickness.unwrap_or(self.spacing[2])
    }

    /// World position (mm) of a voxel index, fractional allowed.
    pub fn world(&self, ijk: [f64; 3]) -> [f64; 3] {
        let a = &self.affine;
        std::array::from_fn(|r| a[r][0] * ijk[0] + a[r][1] * ijk[1] + a[r][2] * ijk[2] + a[r][3])
    }

    /// Voxels along each side of `plane` as (width, height).
    pub fn plane_size(&self, plane: Plane) -> (usize, usize) {
        let d = self.dims();
        let [a, b] = plane.axes();
        (d[a], d[b])
    }

    /// Physical pixel size (mm) of `plane` as (width, height): unequal on a reformat of a
    /// thick-slice series, which is then drawn at that aspect.
    pub fn plane_spacing(&self, plane: Plane) -> (f64, f64) {
        let [a, b] = plane.axes();
        (self.spacing[a], self.spacing[b])
    }

    /// The image of `plane`. Panics if the index is outside the volume (callers iterate over
    /// [`Self::dims`]).
    pub fn plane(&self, plane: Plane) -> Image {
        let (w, h, d) = (self.width, self.height, self.depth());
        assert!(plane.index < self.dims()[plane.fixed], "plane {plane:?} outside a {w}×{h}×{d} volume");
        match plane.fixed {
            2 => self.slices[plane.index].clone(),
            1 => {
                let y = plane.index;
                let mut data = Vec::with_capacity(w * d);
                for s in &self.slices {
                    data.extend_from_slice(&s.data[y * w..(y + 1) * w]);
                }
                Image::new(w, d, data)
            }
            _ => {
                let x = plane.index;
                let mut data = Vec::with_capacity(h * d);
                for s in &self.slices {
                    data.extend((0..h).map(|y| s.data[y * w + x]));
                }
                Image::new(h, d, data)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cube() -> Volume {
        let slices = (0..4).map(|k| Image::from_fn(5, 3, |x, y| (100 * k + 10 * y + x) as f32)).collect();
        let affine = [[0.0, 0.0, 2.0, -3.0], [1.0, 0.0, 0.0, 4.0], [0.0, -0.5, 0.0, 9.0], [0.0, 0.0, 0.0, 1.0]];
        Volume::new(slices, [1.0, 0.5, 2.0], affine)
    }

    #[test]
    fn planes_hold_the_voxels_they_name() {
        let v = cube();
        for fixed in 0..3 {
            for index in 0..v.dims()[fixed] {
                let p = Plane { fixed, index };
                let img = v.plane(p);
                assert_eq!((img.width, img.height), v.plane_size(p));
                for py in 0..img.height {
                    for px in 0..img.width {
                        let [x, y, k] = p.voxel(px as f64, py as f64).map(|c| c as usize);
                        assert_eq!(img.get(px, py), v.slices[k].get(x, y), "{p:?} ({px}, {py})");
                    }
                }
            }
        }
        assert_eq!(v.plane_spacing(Plane { fixed: 1, index: 0 }), (1.0, 2.0));
    }

    #[test]
    fn world_positions_come_from_the_affine() {
        let v = cube();
        assert_eq!(v.world([0.0, 0.0, 0.0]), [-3.0, 4.0, 9.0]);
        assert_eq!(v.world([1.0, 2.0, 3.0]), [3.0, 5.0, 8.0]);
        assert_eq!(v.slice_thickness(), 2.0);
    }
}
