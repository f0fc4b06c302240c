//! NIfTI-1 and NIfTI-2 single-file images (`.nii`, gzip-compressed or not), read and written here.
//!
//! The header is parsed by hand rather than with the `nifti` crate: that crate reserves the
//! header-claimed voxel bytes before reading, and its qform code panics on a negative pixdim or a
//! bad qfac — user data must do neither. The `nifti` crate still checks this code in the tests.

use super::{IoError, Loaded, MAX_DIM, MAX_RAW_BYTES, MAX_VOXELS};
use crate::image::Image;
use crate::volume::Volume;
use flate2::read::MultiGzDecoder;
use std::io::Read;

mod geometry;
mod write;

use geometry::geometry;
pub use write::{encode_nifti, write_nifti};

const HDR1: usize = 348;
const HDR2: usize = 540;

/// True when `bytes` start with a NIfTI-1 or NIfTI-2 header (either byte order).
pub(crate) fn looks_like_nifti(bytes: &[u8]) -> bool {
    header_kind(bytes).is_some()
}

/// (version, little_endian) from `sizeof_hdr`.
fn header_kind(bytes: &[u8]) -> Option<(u8, bool)> {
    let b: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    match (i32::from_le_bytes(b), i32::from_be_bytes(b)) {
        (348, _) => Some((1, true)),
        (_, 348) => Some((1, false)),
        (540, _) => Some((2, true)),
        (_, 540) => Some((2, false)),
        _ => None,
    }
}

/// A fixed-width header text up to its first NUL, lossily decoded.
fn descrip(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

#[derive(Debug, Clone)]
struct Header {
    version: u8,
    le: bool,
    dim: [i64; 8],
    datatype: i16,
    pixdim: [f64; 8],
    vox_offset: f64,
    scl_slope: f64,
    scl_inter: f64,
    qform_code: i32,
    sform_code: i32,
    quatern: [f64; 6],
    srow: [[f64; 4]; 3],
    /// The 80-byte description (NIfTI-1 only), up to its first NUL.
    descrip: String,
}

struct Rd<'a> {
    b: &'a [u8],
    le: bool,
}

impl Rd<'_> {
    fn arr<const N: usize>(&self, o: usize) -> [u8; N] {
        // Callers only read inside a header whose length was checked.
        let mut a = [0u8; N];
        a.copy_from_slice(&self.b[o..o + N]);
        a
    }
    fn i16(&self, o: usize) -> i16 {
        let a = self.arr::<2>(o);
        if self.le { i16::from_le_bytes(a) } else { i16::from_be_bytes(a) }
    }
    fn i32(&self, o: usize) -> i32 {
        let a = self.arr::<4>(o);
        if self.le { i32::from_le_bytes(a) } else { i32::from_be_bytes(a) }
    }
    fn i64(&self, o: usize) -> i64 {
        let a = self.arr::<8>(o);
        if self.le { i64::from_le_bytes(a) } else { i64::from_be_bytes(a) }
    }
    fn f32(&self, o: usize) -> f64 {
        let a = self.arr::<4>(o);
        (if self.le { f32::from_le_bytes(a) } else { f32::from_be_bytes(a) }) as f64
    }
    fn f64(&self, o: usize) -> f64 {
        let a = self.arr::<8>(o);
        if self.le { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) }
    }
}

fn parse_header(h: &[u8]) -> Result<Header, String> {
    let (version, le) =
        header_kind(h).ok_or_else(|| "not a NIfTI file (sizeof_hdr is neither 348 nor 540)".to_string())?;
    let need = if version == 1 { HDR1 } else { HDR2 };
    if h.len() < need {
        return Err(format!("truncated NIfTI-{version} header ({} of {need} bytes)", h.len()));
    }
    let r = Rd { b: h, le };
    if version == 1 {
        match &h[344..348] {
            b"n+1\0" => {}
            b"ni1\0" => {
                return Err(
                    "a header-only NIfTI (.hdr/.img pair) is not supported; convert it to a single .nii file".into()
                );
            }
            m => {
                return Err(format!(
                    "NIfTI-1 magic is {:?}, not \"n+1\" (ANALYZE 7.5 is not supported)",
                    String::from_utf8_lossy(m)
                ));
            }
        }
        let mut dim = [0i64; 8];
        let mut pixdim = [0f64; 8];
        for i in 0..8 {
            dim[i] = r.i16(40 + 2 * i) as i64;
            pixdim[i] = r.f32(76 + 4 * i);
        }
        let mut quatern = [0f64; 6];
        for (i, q) in quatern.iter_mut().enumerate() {
            *q = r.f32(256 + 4 * i);
        }
        let mut srow = [[0f64; 4]; 3];
        for (i, row) in srow.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = r.f32(280 + 16 * i + 4 * j);
            }
        }
        Ok(Header {
            version,
            le,
            dim,
            datatype: r.i16(70),
            pixdim,
            vox_offset: r.f32(108),
            scl_slope: r.f32(112),
            scl_inter: r.f32(116),
            qform_code: r.i16(252) as i32,
            sform_code: r.i16(254) as i32,
            quatern,
            srow,
            descrip: descrip(&r.b[148..228]),
        })
    } else {
        match &h[4..8] {
            b"n+2\0" => {}
            b"ni2\0" => {
                return Err(
                    "a header-only NIfTI-2 (.hdr/.img pair) is not supported; convert it to a single .nii file".into()
                );
            }
            m => return Err(format!("NIfTI-2 magic is {:?}, not \"n+2\"", String::from_utf8_lossy(m))),
        }
        let mut dim = [0i64; 8];
        let mut pixdim = [0f64; 8];
        for i in 0..8 {
            dim[i] = r.i64(16 + 8 * i);
            pixdim[i] = r.f64(104 + 8 * i);
        }
        let mut quatern = [0f64; 6];
        for (i, q) in quatern.iter_mut().enumerate() {
            *q = r.f64(352 + 8 * i);
        }
        let mut srow = [[0f64; 4]; 3];
        for (i, row) in srow.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = r.f64(400 + 32 * i + 8 * j);
            }
        }
        Ok(Header {
            version,
            le,
            dim,
            datatype: r.i16(12),
            pixdim,
            vox_offset: r.i64(168) as f64,
            scl_slope: r.f64(176),
            scl_inter: r.f64(184),
            qform_code: r.i32(344),
            sform_code: r.i32(348),
            quatern,
            srow,
            descrip: descrip(&r.b[240..320]),
        })
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    U8,
    I8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    C64,
    C128,
}

fn datatype_kind(code: i16) -> Result<(Kind, usize), String> {
    Ok(match code {
        2 => (Kind::U8, 1),
        256 => (Kind::I8, 1),
        4 => (Kind::I16, 2),
        512 => (Kind::U16, 2),
        8 => (Kind::I32, 4),
        768 => (Kind::U32, 4),
        1024 => (Kind::I64, 8),
        1280 => (Kind::U64, 8),
        16 => (Kind::F32, 4),
        64 => (Kind::F64, 8),
        32 => (Kind::C64, 8),
        1792 => (Kind::C128, 16),
        1 => return Err("binary (1-bit) NIfTI data is not supported".into()),
        128 | 2304 => {
            return Err(format!(
                "RGB NIfTI data (datatype {code}) is not supported; a grayscale magnitude image is needed"
            ));
        }
        1536 => return Err("float128 NIfTI data is not supported".into()),
        2048 => return Err("complex256 NIfTI data is not supported".into()),
        c => return Err(format!("unknown NIfTI datatype code {c}")),
    })
}

/// Shape (nx, ny, nz) after the dimension checks.
fn shape(h: &Header) -> Result<(usize, usize, usize), String> {
    let nd = h.dim[0];
    if !(1..=7).contains(&nd) {
        return Err(format!("invalid number of dimensions dim[0] = {nd} (must be 1 to 7)"));
    }
    let nd = nd as usize;
    let dims: Vec<i64> = (1..=nd).map(|i| h.dim[i]).collect();
    let shown = dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×");
    if dims.iter().any(|&d| d <= 0) {
        return Err(format!("zero or negative dimension (dims {shown})"));
    }
    if dims.iter().any(|&d| d as u64 > MAX_DIM) {
        return Err(format!("absurd dimensions (dims {shown}; at most {MAX_DIM} per axis)"));
    }
    if dims.iter().skip(3).any(|&d| d > 1) {
        return Err(format!("4D volumes are not supported (dims {shown}); extract one 3D volume first"));
    }
    let get = |i: usize| if i < dims.len() { dims[i] as u64 } else { 1 };
    let (nx, ny, nz) = (get(0), get(1), get(2));
    let nvox = nx.saturating_mul(ny).saturating_mul(nz);
    if nvox > MAX_VOXELS {
        return Err(format!("absurd dimensions (dims {shown}: {nvox} voxels, at most {MAX_VOXELS})"));
    }
    Ok((nx as usize, ny as usize, nz as usize))
}

fn vox_offset(h: &Header) -> Result<usize, String> {
    let min = if h.version == 1 { HDR1 } else { HDR2 };
    let o = h.vox_offset;
    if !o.is_finite() || o < 0.0 || o.fract() != 0.0 {
        return Err(format!("invalid vox_offset {o}"));
    }
    // Header extensions are kilobytes; an offset past what the reader ever holds is a lie
    // (and must not be cast to a 32-bit usize on wasm32, nor decompressed up to).
    if o > MAX_RAW_BYTES as f64 {
        return Err(format!("vox_offset {o} lies beyond anything this reader accepts ({MAX_RAW_BYTES} bytes)"));
    }
    // Some writers leave vox_offset 0 for .nii; the data then starts right after the extension flag.
    let o = o as usize;
    Ok(if o < min { min + 4 } else { o })
}

/// Read a NIfTI volume from bytes (gzip detected by its magic, not by the name).
pub(crate) fn read_nifti_bytes(name: &str, bytes: &[u8]) -> Result<Loaded, IoError> {
    let err = |p: String| IoError::new(name, p);
    if bytes.starts_with(&super::GZIP_MAGIC) {
        let mut dec = MultiGzDecoder::new(bytes);
        // Header first (enough for either version), then exactly the claimed data, growing the
        // buffer only as decompressed bytes arrive.
        let mut buf = Vec::new();
        read_up_to(&mut dec, &mut buf, HDR2 as u64).map_err(|e| err(gz_problem(&e, buf.len())))?;
        if header_kind(&buf).is_none() {
            return Err(err("gzip data does not contain a NIfTI image (no NIfTI header after decompression)".into()));
        }
        let h = parse_header(&buf).map_err(err)?;
        let (nx, ny, nz) = shape(&h).map_err(err)?;
        let (_, bpv) = datatype_kind(h.datatype).map_err(err)?;
        // The decompressed bytes are bounded by what this reader accepts, not by the header's
        // claim alone (a 1 MB .nii.gz of zeros inflates to a gigabyte).
        let need = (vox_offset(&h).map_err(err)? as u64) + (nx * ny * nz) as u64 * bpv as u64;
        if need > MAX_RAW_BYTES {
            return Err(err(format!(
                "the header claims {nx}×{ny}×{nz} voxels of {bpv} bytes: {need} bytes to decompress, more than this reader accepts ({MAX_RAW_BYTES})"
            )));
        }
        read_up_to(&mut dec, &mut buf, need).map_err(|e| err(gz_problem(&e, buf.len())))?;
        decode(name, &buf, h)
    } else {
        let h = parse_header(bytes).map_err(err)?;
        decode(name, bytes, h)
    }
}

fn gz_problem(e: &std::io::Error, got: usize) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        format!("truncated gzip data: the compressed stream ends early (after {got} decompressed bytes)")
    } else {
        format!("corrupt gzip data after {got} decompressed bytes: {e}")
    }
}

/// Read until `buf` holds `total` bytes or the stream ends cleanly.
fn read_up_to(r: &mut impl Read, buf: &mut Vec<u8>, total: u64) -> std::io::Result<()> {
    let have = buf.len() as u64;
    if total > have {
        r.take(total - have).read_to_end(buf)?;
    }
    Ok(())
}

fn decode(name: &str, bytes: &[u8], h: Header) -> Result<Loaded, IoError> {
    let err = |p: String| IoError::new(name, p);
    let (nx, ny, nz) = shape(&h).map_err(err)?;
    let (kind, bpv) = datatype_kind(h.datatype).map_err(err)?;
    let off = vox_offset(&h).map_err(err)?;
    let nvox = nx * ny * nz; // ≤ MAX_VOXELS, no overflow
    let need = nvox as u64 * bpv as u64;
    let have = (bytes.len() as u64).saturating_sub(off as u64);
    if have < need {
        return Err(err(format!(
            "the header claims {nx}×{ny}×{nz} voxels of {bpv} bytes ({need} bytes from offset {off}) but the file holds only {have}: truncated or corrupt"
        )));
    }
    let data = &bytes[off..off + need as usize];

    let (slope, inter) = if h.scl_slope.is_finite() && h.scl_slope != 0.0 {
        (h.scl_slope, if h.scl_inter.is_finite() { h.scl_inter } else { 0.0 })
    } else {
        (1.0, 0.0)
    };
    let le = h.le;
    let get = |i: usize| -> f64 {
        let b = &data[i * bpv..(i + 1) * bpv];
        macro_rules! num {
            ($t:ty) => {{
                let a = b.try_into().unwrap_or([0u8; std::mem::size_of::<$t>()]);
                (if le { <$t>::from_le_bytes(a) } else { <$t>::from_be_bytes(a) }) as f64
            }};
        }
        match kind {
            Kind::U8 => b[0] as f64,
            Kind::I8 => b[0] as i8 as f64,
            Kind::I16 => num!(i16),
            Kind::U16 => num!(u16),
            Kind::I32 => num!(i32),
            Kind::U32 => num!(u32),
            Kind::I64 => num!(i64),
            Kind::U64 => num!(u64),
            Kind::F32 => num!(f32),
            Kind::F64 => num!(f64),
            Kind::C64 | Kind::C128 => {
                let half = bpv / 2;
                let part = |p: &[u8]| -> f64 {
                    if half == 4 {
                        let a: [u8; 4] = p.try_into().unwrap_or([0; 4]);
                        (if le { f32::from_le_bytes(a) } else { f32::from_be_bytes(a) }) as f64
                    } else {
                        let a: [u8; 8] = p.try_into().unwrap_or([0; 8]);
                        if le { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) }
                    }
                };
                part(&b[..half]).hypot(part(&b[half..]))
            }
        }
    };

    let mut slices = Vec::with_capacity(nz);
    for k in 0..nz {
        let mut px = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                let v = (get(i + nx * (j + ny * k)) * slope + inter) as f32;
                if !v.is_finite() {
                    return Err(err(format!("voxel ({i}, {j}, {k}) is {v}: NaN or infinite values are not accepted")));
                }
                px.push(v);
            }
        }
        slices.push(Image::new(nx, ny, px));
    }
    let (affine, spacing) = geometry(&h);
    let mut volume = Volume::new(slices, spacing, affine);
    // NIfTI has no slice-thickness field; a file coordsr wrote records it in its description.
    volume.thickness = write::thickness_from_descrip(&h.descrip);
    let mut loaded = Loaded::plain(volume);
    if matches!(kind, Kind::C64 | Kind::C128) {
        loaded.notes.push(format!(
            "{name}: complex data (datatype {}) read as its magnitude |z|; the phase is dropped",
            h.datatype
        ));
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::{read_volume, read_volume_bytes};
    use super::*;
    use ::nifti::{IntoNdArray, NiftiObject, NiftiVolume};

    fn test_volume() -> Volume {
        let (w, h, d) = (13, 9, 5);
        let slices = (0..d)
            .map(|k| {
                Image::from_fn(w, h, |x, y| (x as f32 * 1.5 - y as f32 * 0.25 + k as f32 * 10.0).sin() * 100.0 + 7.0)
            })
            .collect();
        // An oblique, left-handed affine (like most LPS→RAS conversions of axial scans).
        let (ca, sa) = (0.3f64.cos(), 0.3f64.sin());
        let sp = [0.8, 0.9, 2.5];
        let affine = [
            [ca * sp[0], -sa * sp[1], 0.0, -40.0],
            [sa * sp[0], ca * sp[1], 0.0, 12.5],
            [0.0, 0.0, -sp[2], 30.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let _ = (w, h);
        Volume::new(slices, sp, affine)
    }

    fn assert_same(a: &Volume, b: &Volume, tol_affine: f64) {
        assert_eq!((a.width, a.height, a.depth()), (b.width, b.height, b.depth()));
        for (sa, sb) in a.slices.iter().zip(&b.slices) {
            assert_eq!(sa.data, sb.data);
        }
        for i in 0..3 {
            assert!((a.spacing[i] - b.spacing[i]).abs() < 1e-5, "{:?} vs {:?}", a.spacing, b.spacing);
        }
        for r in 0..4 {
            for c in 0..4 {
                assert!((a.affine[r][c] - b.affine[r][c]).abs() < tol_affine, "{:?}\nvs\n{:?}", a.affine, b.affine);
            }
        }
    }

    #[test]
    fn nifti_round_trip_plain_and_gz() {
        let dir = temp_dir("nifti-rt");
        let v = test_volume();
        for name in ["a.nii", "a.nii.gz"] {
            let p = dir.join(name);
            write_nifti(&p, &v).unwrap();
            let bytes = std::fs::read(&p).unwrap();
            assert_eq!(bytes.starts_with(&[0x1f, 0x8b]), name.ends_with(".gz"));
            let back = read_volume(&p).unwrap();
            assert_same(&v, &back, 1e-5);
            // Detection is by content, not name: the gz bytes under a misleading name still read.
            let back = read_volume_bytes("misnamed.png", &bytes).unwrap();
            assert_same(&v, &back, 1e-5);
        }
    }

    #[test]
    fn qform_written_matches_affine() {
        // Zero the sform code: the reader then uses the qform, which must give the same affine.
        let v = test_volume();
        let mut bytes = encode_nifti(&v, false).unwrap();
        bytes[254..256].copy_from_slice(&0i16.to_le_bytes());
        let back = read_volume_bytes("q.nii", &bytes).unwrap();
        assert_same(&v, &back, 1e-4);
    }

    #[test]
    fn written_file_is_read_alike_by_nifti_crate() {
        let v = test_volume();
        let bytes = encode_nifti(&v, false).unwrap();
        let obj =
            ::nifti::InMemNiftiObject::from_reader(std::io::Cursor::new(&bytes)).expect("nifti crate reads our file");
        let hdr = obj.header().clone();
        assert_eq!(&hdr.dim[..4], &[3, 13, 9, 5]);
        assert_eq!(hdr.datatype, 16);
        assert_eq!(hdr.sform_code, 1);
        assert!((hdr.pixdim[3] - 2.5).abs() < 1e-6);
        assert!((hdr.srow_x[3] + 40.0).abs() < 1e-6);
        let vol = obj.into_volume();
        assert_eq!(vol.dim(), &[13, 9, 5]);
        let raw: Vec<f32> = vol.into_nifti_typed_data().unwrap();
        let ours: Vec<f32> = v.slices.iter().flat_map(|s| s.data.iter().copied()).collect();
        assert_eq!(raw, ours);
    }

    #[test]
    fn templates_read_and_match_nifti_crate() {
        let Some(dir) = data("nifti", "templates_read_and_match_nifti_crate") else { return };
        for (file, dims, slope) in [
            ("MR_Gd.nii.gz", (176, 188, 144), Some(6.48)),
            ("mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz", (0, 0, 0), None),
        ] {
            let p = dir.join(file);
            let v = read_volume(&p).unwrap();
            println!("{file}: {}×{}×{} spacing {:?} affine {:?}", v.width, v.height, v.depth(), v.spacing, v.affine);
            if dims.0 > 0 {
                assert_eq!((v.width, v.height, v.depth()), dims);
            }
            // Independent reading with the nifti crate (it applies scl_slope in into_ndarray).
            let bytes = std::fs::read(&p).unwrap();
            let obj = ::nifti::InMemNiftiObject::from_reader(flate2::read::GzDecoder::new(&bytes[..])).unwrap();
            let hdr = obj.header().clone();
            if let Some(s) = slope {
                assert!((hdr.scl_slope as f64 - s).abs() < 0.01, "slope {}", hdr.scl_slope);
            }
            assert_eq!(hdr.dim[1] as usize, v.width);
            assert_eq!(hdr.dim[2] as usize, v.height);
            assert_eq!(hdr.dim[3] as usize, v.depth());
            let arr = obj.into_volume().into_ndarray::<f32>().unwrap();
            let mut max_diff = 0f32;
            let mut max_val = 0f32;
            for (x, y, z) in [
                (0, 0, 0),
                (v.width / 2, v.height / 2, v.depth() / 2),
                (v.width / 3, v.height / 2 + 3, v.depth() / 2 - 5),
                (v.width - 1, v.height - 1, v.depth() - 1),
            ] {
                let a = arr[&[x, y, z][..]];
                let b = v.slices[z].get(x, y);
                max_diff = max_diff.max((a - b).abs());
                max_val = max_val.max(a.abs());
            }
            for z in (0..v.depth()).step_by(7) {
                for y in (0..v.height).step_by(5) {
                    for x in (0..v.width).step_by(3) {
                        let a = arr[&[x, y, z][..]];
                        max_diff = max_diff.max((a - v.slices[z].get(x, y)).abs());
                        max_val = max_val.max(a.abs());
                    }
                }
            }
            assert!(max_val > 0.0);
            assert!(max_diff <= 1e-5 * max_val.max(1.0), "{file}: max diff {max_diff}");
            // The affine is the sform (or qform) of the file: check the translation column.
            if hdr.sform_code > 0 {
                assert!((v.affine[0][3] - hdr.srow_x[3] as f64).abs() < 1e-4);
                assert!((v.affine[2][2] - hdr.srow_z[2] as f64).abs() < 1e-6);
            }
            for s in v.spacing {
                assert!(s > 0.5 && s < 1.5, "{:?}", v.spacing);
            }
        }
    }

    /// A minimal NIfTI-1 header (little endian, float32 unless changed) for hand-made bad inputs.
    fn header(dims: &[i16], datatype: i16) -> Vec<u8> {
        let mut h = vec![0u8; 352];
        h[0..4].copy_from_slice(&348i32.to_le_bytes());
        let mut d = [1i16; 8];
        d[0] = dims.len() as i16;
        d[1..=dims.len()].copy_from_slice(dims);
        for (i, v) in d.iter().enumerate() {
            h[40 + 2 * i..42 + 2 * i].copy_from_slice(&v.to_le_bytes());
        }
        h[70..72].copy_from_slice(&datatype.to_le_bytes());
        for i in 0..8 {
            h[76 + 4 * i..80 + 4 * i].copy_from_slice(&1f32.to_le_bytes());
        }
        h[108..112].copy_from_slice(&352f32.to_le_bytes());
        h[344..348].copy_from_slice(b"n+1\0");
        h
    }

    #[test]
    fn hand_made_header_reads() {
        // Sanity for the helper: a valid 2×2×1 int16 with slope 2 and intercept 1.
        let mut b = header(&[2, 2, 1], 4);
        b[112..116].copy_from_slice(&2f32.to_le_bytes());
        b[116..120].copy_from_slice(&1f32.to_le_bytes());
        for v in [1i16, -2, 3, 400] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let v = read_volume_bytes("ok.nii", &b).unwrap();
        assert_eq!(v.slices[0].data, vec![3.0, -3.0, 7.0, 801.0]);
        // Big-endian version of the same file.
        let mut be = vec![0u8; 352];
        be[0..4].copy_from_slice(&348i32.to_be_bytes());
        for (i, d) in [3i16, 2, 2, 1, 1, 1, 1, 1].iter().enumerate() {
            be[40 + 2 * i..42 + 2 * i].copy_from_slice(&d.to_be_bytes());
        }
        be[70..72].copy_from_slice(&4i16.to_be_bytes());
        be[108..112].copy_from_slice(&352f32.to_be_bytes());
        be[344..348].copy_from_slice(b"n+1\0");
        for v in [1i16, -2, 3, 400] {
            be.extend_from_slice(&v.to_be_bytes());
        }
        let v = read_volume_bytes("be.nii", &be).unwrap();
        assert_eq!(v.slices[0].data, vec![1.0, -2.0, 3.0, 400.0]);
    }

    #[test]
    fn absurd_dimensions_error_without_allocating() {
        // 30000³ float32 claimed (the NIfTI-1 maximum is 32767 per axis), 10 bytes of data.
        let mut b = header(&[30000, 30000, 30000], 16);
        b.extend_from_slice(&[0u8; 10]);
        let e = read_volume_bytes("huge.nii", &b).unwrap_err();
        assert!(e.problem.contains("absurd") || e.problem.contains("claims"), "{e}");
        // 640³ (within the voxel limit, 1 GB claimed) with 10 bytes: the byte check catches it.
        let mut b = header(&[640, 640, 640], 16);
        b.extend_from_slice(&[0u8; 10]);
        let e = read_volume_bytes("big.nii", &b).unwrap_err();
        assert!(e.problem.contains("claims") && e.problem.contains("truncated"), "{e}");
        // Same, gzip-compressed: decompression stops at what is there.
        let gz = gzip(&b);
        let e = read_volume_bytes("big.nii.gz", &gz).unwrap_err();
        assert!(e.problem.contains("claims"), "{e}");
        // NIfTI-2 claiming 100000³.
        let mut h2 = vec![0u8; 544];
        h2[0..4].copy_from_slice(&540i32.to_le_bytes());
        h2[4..8].copy_from_slice(b"n+2\0");
        for (i, d) in [3i64, 100000, 100000, 100000, 1, 1, 1, 1].iter().enumerate() {
            h2[16 + 8 * i..24 + 8 * i].copy_from_slice(&d.to_le_bytes());
        }
        h2[12..14].copy_from_slice(&16i16.to_le_bytes());
        h2[168..176].copy_from_slice(&544i64.to_le_bytes());
        h2.extend_from_slice(&[0u8; 10]);
        let e = read_volume_bytes("huge2.nii", &h2).unwrap_err();
        assert!(e.problem.contains("absurd"), "{e}");
        // Zero and negative dimensions.
        let e = read_volume_bytes("zero.nii", &header(&[4, 0, 3], 16)).unwrap_err();
        assert!(e.problem.contains("zero"), "{e}");
        let e = read_volume_bytes("neg.nii", &header(&[4, -3, 3], 16)).unwrap_err();
        assert!(e.problem.contains("negative"), "{e}");
        let mut b = header(&[2, 2], 16);
        b[40..42].copy_from_slice(&9i16.to_le_bytes());
        let e = read_volume_bytes("nd.nii", &b).unwrap_err();
        assert!(e.problem.contains("dim[0]"), "{e}");
    }

    fn gzip(b: &[u8]) -> Vec<u8> {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(b).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn four_d_is_an_error_but_trailing_unit_dims_are_fine() {
        let mut b = header(&[2, 2, 2, 3], 16);
        b.extend(std::iter::repeat_n(0u8, 2 * 2 * 2 * 3 * 4));
        let e = read_volume_bytes("4d.nii", &b).unwrap_err();
        assert!(e.problem.contains("4D volumes are not supported (dims 2×2×2×3)"), "{e}");
        let mut b = header(&[2, 2, 2, 1, 1], 16);
        b.extend(std::iter::repeat_n(0u8, 2 * 2 * 2 * 4));
        let v = read_volume_bytes("4d1.nii", &b).unwrap();
        assert_eq!(v.depth(), 2);
    }

    #[test]
    fn nan_and_inf_are_errors() {
        for bad in [f32::NAN, f32::INFINITY] {
            let mut b = header(&[2, 2, 1], 16);
            for v in [1.0f32, 2.0, bad, 4.0] {
                b.extend_from_slice(&v.to_le_bytes());
            }
            let e = read_volume_bytes("nan.nii", &b).unwrap_err();
            assert!(e.problem.contains("voxel (0, 1, 0)") && e.problem.contains("NaN or infinite"), "{e}");
        }
    }

    #[test]
    fn truncated_gzip_is_a_clear_error() {
        let v = test_volume();
        let gz = encode_nifti(&v, true).unwrap();
        let cut = &gz[..gz.len() / 2];
        let dir = temp_dir("trunc");
        let p = dir.join("cut.nii.gz");
        std::fs::write(&p, cut).unwrap();
        let e = read_volume(&p).unwrap_err();
        assert!(e.problem.contains("truncated gzip"), "{e}");
        assert!(e.file.ends_with("cut.nii.gz"));
        // Cut inside the header as well.
        let e = read_volume_bytes("cut2.nii.gz", &gz[..20]).unwrap_err();
        assert!(e.problem.contains("gzip"), "{e}");
        // Gzip of something that is not NIfTI.
        let e = read_volume_bytes("text.gz", &gzip(b"just some text, long enough to be more than a header? no"))
            .unwrap_err();
        assert!(e.problem.contains("does not contain a NIfTI"), "{e}");
    }

    #[test]
    fn complex_is_magnitude_and_rgb_is_refused() {
        let mut b = header(&[2, 1, 1], 32);
        for v in [3.0f32, 4.0, -6.0, 8.0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let l = crate::io::read_volume_bytes_with("c.nii", &b, &Default::default()).unwrap();
        assert_eq!(l.volume.slices[0].data, vec![5.0, 10.0]);
        assert!(l.notes.iter().any(|n| n.contains("c.nii") && n.contains("magnitude")), "{:?}", l.notes);
        let mut b = header(&[2, 1, 1], 128);
        b.extend_from_slice(&[0u8; 6]);
        let e = read_volume_bytes("rgb.nii", &b).unwrap_err();
        assert!(e.problem.contains("RGB"), "{e}");
        let mut b = header(&[2, 1, 1], 16);
        b[344..348].copy_from_slice(b"ni1\0");
        let e = read_volume_bytes("pair.nii", &b).unwrap_err();
        assert!(e.problem.contains(".hdr/.img"), "{e}");
    }
}
