//! A stack of 2D slices with the geometry a scanner wrote, so `upscale` can write it back.

use crate::image::Image;

/// A 3D magnitude volume stored as axial-in-file slices: `slices[k]` is slice k, each of
/// `width × height` with `data[y * width + x]`.
///
/// `affine` maps voxel indices (x, y, k, 1) to patient/world millimetres (NIfTI RAS+ convention
/// for NIfTI files; DICOM LPS is converted to RAS when read) so a super-resolved volume lands in
/// the same place as its source in any viewer.
#[derive(Clone, Debug)]
pub struct Volume {
    pub width: usize,
    pub height: usize,
    pub slices: Vec<Image>,
    /// Voxel size in mm along x, y, k.
    pub spacing: [f64; 3],
    /// Row-major 4×4 voxel-to-world matrix.
    pub affine: [[f64; 4]; 4],
}

impl Volume {
    pub fn depth(&self) -> usize {
        self.slices.len()
    }

    /// A volume of one slice with a diagonal affine, for 2D formats (PNG, NPY).
    pub fn from_image(image: Image, spacing: [f64; 2]) -> Volume {
        let mut affine = [[0.0; 4]; 4];
        affine[0][0] = spacing[0];
        affine[1][1] = spacing[1];
        affine[2][2] = 1.0;
        affine[3][3] = 1.0;
        Volume {
            width: image.width,
            height: image.height,
            slices: vec![image],
            spacing: [spacing[0], spacing[1], 1.0],
            affine,
        }
    }
}
