//! Writing float32 NIfTI-1 (`.nii`, `.nii.gz`): what `coordsr upscale` and the viewer's export produce.

use super::geometry::affine_to_quatern;
use crate::io::{IoError, check_volume, write_bytes};
use crate::volume::Volume;
use std::path::Path;

/// A float32 NIfTI-1 file in memory (`gzip` compresses it): sform and qform from
/// `volume.affine`, pixdim from `volume.spacing`, units mm.
pub fn encode_nifti(volume: &Volume, gzip: bool) -> Result<Vec<u8>, IoError> {
    check_volume("NIfTI output", volume)?;
    let (w, h, d) = (volume.width, volume.height, volume.depth());
    for (i, n) in [w, h, d].iter().enumerate() {
        if *n > i16::MAX as usize {
            return Err(IoError::new("NIfTI output", format!("axis {i} has {n} voxels; NIfTI-1 allows at most 32767")));
        }
    }
    let mut hdr = vec![0u8; 352];
    let put = |hdr: &mut Vec<u8>, o: usize, b: &[u8]| hdr[o..o + b.len()].copy_from_slice(b);
    put(&mut hdr, 0, &348i32.to_le_bytes());
    let dims: [i16; 8] = [3, w as i16, h as i16, d as i16, 1, 1, 1, 1];
    for (i, v) in dims.iter().enumerate() {
        put(&mut hdr, 40 + 2 * i, &v.to_le_bytes());
    }
    put(&mut hdr, 70, &16i16.to_le_bytes()); // float32
    put(&mut hdr, 72, &32i16.to_le_bytes()); // bitpix
    let (quat, qfac) = affine_to_quatern(&volume.affine);
    let pixdim: [f32; 8] =
        [qfac as f32, volume.spacing[0] as f32, volume.spacing[1] as f32, volume.spacing[2] as f32, 1.0, 0.0, 0.0, 0.0];
    for (i, v) in pixdim.iter().enumerate() {
        put(&mut hdr, 76 + 4 * i, &v.to_le_bytes());
    }
    put(&mut hdr, 108, &352f32.to_le_bytes()); // vox_offset
    put(&mut hdr, 112, &1f32.to_le_bytes()); // scl_slope
    put(&mut hdr, 116, &0f32.to_le_bytes()); // scl_inter
    hdr[123] = 2 | 8; // xyzt_units: mm, s
    put(&mut hdr, 148, descrip_of(volume).as_bytes());
    put(&mut hdr, 252, &1i16.to_le_bytes()); // qform_code: scanner anatomical
    put(&mut hdr, 254, &1i16.to_le_bytes()); // sform_code
    let qvals = [quat[0], quat[1], quat[2], volume.affine[0][3], volume.affine[1][3], volume.affine[2][3]];
    for (i, v) in qvals.iter().enumerate() {
        put(&mut hdr, 256 + 4 * i, &(*v as f32).to_le_bytes());
    }
    for r in 0..3 {
        for c in 0..4 {
            put(&mut hdr, 280 + 16 * r + 4 * c, &(volume.affine[r][c] as f32).to_le_bytes());
        }
    }
    put(&mut hdr, 344, b"n+1\0");
    // 348..352: extension flag, all zero.

    let mut raw = hdr;
    raw.reserve(w * h * d * 4);
    for s in &volume.slices {
        for v in &s.data {
            raw.extend_from_slice(&v.to_le_bytes());
        }
    }
    if !gzip {
        return Ok(raw);
    }
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&raw)
        .and_then(|_| enc.finish())
        .map_err(|e| IoError::new("NIfTI output", format!("gzip failed: {e}")))
}

/// The description coordsr writes: its name, and the slice thickness when it is known (NIfTI has
/// no field for it, and a through-plane upscale of a series with gaps needs it back).
fn descrip_of(volume: &Volume) -> String {
    match volume.thickness {
        Some(t) => format!("coordsr slice_thickness={t:.6}mm"),
        None => "coordsr".into(),
    }
}

/// The slice thickness recorded by [`descrip_of`], if this description is one of ours.
pub(super) fn thickness_from_descrip(descrip: &str) -> Option<f64> {
    let v = descrip.strip_prefix("coordsr slice_thickness=")?.strip_suffix("mm")?;
    v.parse::<f64>().ok().filter(|t| t.is_finite() && *t > 0.0)
}

/// Write `volume` as float32 NIfTI-1: `.nii.gz` (by the name) is gzip-compressed, anything else plain.
pub fn write_nifti(path: &Path, volume: &Volume) -> Result<(), IoError> {
    let gz = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
    let bytes = encode_nifti(volume, gz).map_err(|e| IoError::new(path.display().to_string(), e.problem))?;
    write_bytes(path, &bytes)
}
