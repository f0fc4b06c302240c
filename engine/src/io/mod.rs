//! Medical image I/O: NIfTI-1/2 (`.nii`, `.nii.gz`), DICOM (single files, multi-frame files and
//! series), NumPy `.npy` (2D) and PNG (2D grayscale), read into a [`Volume`] of `f32` magnitude
//! values with the scanner's geometry (RAS+ affine, spacing in mm), and NIfTI / PNG / NPY writers.
//!
//! Rules every reader keeps:
//! - every failure on user data is an [`IoError`] naming the file and the problem in one line;
//!   nothing panics on user data;
//! - nothing is allocated because a header merely claims it: claimed sizes are checked against the
//!   bytes that are actually there (after bounded decompression) before any voxel buffer exists;
//! - values are what the scanner measured: rescale slope/intercept applied, NaN/Inf rejected;
//! - DICOM series whose AcquisitionMatrix is smaller than the stored grid (the scanner zero-filled
//!   k-space) are cropped back to the acquired matrix in k-space by default (see
//!   [`ReadOptions::crop_to_acquisition`]), so that "ground truth" is what was acquired.

mod dicom;
mod nifti;
mod npy;
mod png;

use crate::image::Image;
use crate::volume::Volume;
use std::fmt;
use std::path::Path;

pub use self::dicom::{read_dicom_series, read_dicom_series_with};
pub use self::nifti::{encode_nifti, write_nifti};
pub use self::npy::{encode_npy, write_npy};
pub use self::png::{encode_png_gray8, write_png};

/// A failure reading or writing user data: which file, and what is wrong with it, in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoError {
    pub file: String,
    pub problem: String,
}

impl IoError {
    pub fn new(file: impl Into<String>, problem: impl Into<String>) -> Self {
        Self { file: file.into(), problem: problem.into() }
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

impl std::error::Error for IoError {}

/// How to read.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Crop DICOM images whose AcquisitionMatrix (0018,1310) is smaller than the stored grid back
    /// to the acquired matrix in k-space (default `true`). The scanner's zero-filled interpolation
    /// adds no information; keeping it makes super-resolution look easier than it is.
    pub crop_to_acquisition: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { crop_to_acquisition: true }
    }
}

/// What the k-space crop to the acquisition matrix did.
#[derive(Clone, Debug, PartialEq)]
pub struct AcquisitionCrop {
    /// Stored grid (width, height) before the crop.
    pub stored: (usize, usize),
    /// Acquired grid (width, height) after the crop.
    pub acquired: (usize, usize),
    /// Fraction of the k-space energy outside the acquired band (checked on central slices):
    /// tiny (~1e-3) when the stored grid really was zero-filled from this matrix.
    pub energy_outside: f64,
}

/// A volume plus what the reader did to it or noticed about it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub volume: Volume,
    /// Set when the DICOM grid was cropped in k-space to the acquisition matrix.
    pub acquisition_crop: Option<AcquisitionCrop>,
    /// One line each, for the user: crops, skipped files, assumptions made.
    pub notes: Vec<String>,
}

impl Loaded {
    pub(crate) fn plain(volume: Volume) -> Self {
        Self { volume, acquisition_crop: None, notes: Vec::new() }
    }
}

/// Largest accepted extent of one axis.
pub(crate) const MAX_DIM: u64 = 1 << 16;
/// Largest accepted number of voxels, sized for where the reader runs: 1 GiB as f32 on a 64-bit
/// machine (a 512³ volume is an eighth of it), 256 MiB on a 32-bit one (wasm32 in a browser
/// page has less than 4 GiB in all, and the viewer keeps copies), where 2³⁰ voxels could never
/// be held and a header claiming them must be refused before any allocation.
#[cfg(target_pointer_width = "64")]
pub(crate) const MAX_VOXELS: u64 = 1 << 28;
#[cfg(not(target_pointer_width = "64"))]
pub(crate) const MAX_VOXELS: u64 = 1 << 26;
/// Largest number of bytes a reader decompresses or takes as raw samples plus headers: as many
/// as the f32 volume it makes (MAX_VOXELS × 4), and 16 MiB for headers and extensions. Every
/// decompression (NIfTI gzip, DICOM deflate, PNG) stops there, whatever a header claims.
pub(crate) const MAX_RAW_BYTES: u64 = 4 * MAX_VOXELS + (16 << 20);

/// Read a volume from a path: a directory is one DICOM series; a file is detected by its content
/// (gzip → NIfTI, NIfTI magic, DICOM preamble, NPY magic, PNG signature), then by its extension.
pub fn read_volume(path: &Path) -> Result<Volume, IoError> {
    read_volume_with(path, &ReadOptions::default()).map(|l| l.volume)
}

/// [`read_volume`] with options, returning what was done to the data.
pub fn read_volume_with(path: &Path, options: &ReadOptions) -> Result<Loaded, IoError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| IoError::new(&name, format!("cannot open: {e}")))?;
    if meta.is_dir() {
        return dicom::read_dicom_dir(path, options);
    }
    let bytes = std::fs::read(path).map_err(|e| IoError::new(&name, format!("cannot read: {e}")))?;
    read_volume_bytes_with(&name, &bytes, options)
}

/// Read a volume from bytes (the browser has bytes, not paths). `name` is used in errors and,
/// when the content does not say, for format detection by extension.
pub fn read_volume_bytes(name: &str, bytes: &[u8]) -> Result<Volume, IoError> {
    read_volume_bytes_with(name, bytes, &ReadOptions::default()).map(|l| l.volume)
}

/// [`read_volume_bytes`] with options, returning what was done to the data.
pub fn read_volume_bytes_with(name: &str, bytes: &[u8], options: &ReadOptions) -> Result<Loaded, IoError> {
    match detect(name, bytes) {
        Format::Empty => Err(IoError::new(name, "the file is empty")),
        Format::Nifti => nifti::read_nifti_bytes(name, bytes),
        Format::Dicom if !dicom::has_dicm_magic(bytes) => Err(IoError::new(
            name,
            "not a DICOM file: no DICM magic at byte 128 (DICOM without the Part 10 file header is not supported)",
        )),
        Format::Dicom => dicom::read_dicom_series_named(name, vec![(name.to_string(), bytes.to_vec())], options),
        Format::Npy => npy::read_npy_bytes(name, bytes).map(Loaded::plain),
        Format::Png => png::read_png_bytes(name, bytes).map(Loaded::plain),
        Format::Unknown => Err(IoError::new(name, unknown_format_problem(bytes))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Empty,
    Nifti,
    Dicom,
    Npy,
    Png,
    Unknown,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
const NPY_MAGIC: [u8; 6] = [0x93, b'N', b'U', b'M', b'P', b'Y'];

fn detect(name: &str, bytes: &[u8]) -> Format {
    if bytes.is_empty() {
        return Format::Empty;
    }
    if bytes.starts_with(&GZIP_MAGIC) || nifti::looks_like_nifti(bytes) {
        return Format::Nifti;
    }
    if dicom::has_dicm_magic(bytes) {
        return Format::Dicom;
    }
    if bytes.starts_with(&NPY_MAGIC) {
        return Format::Npy;
    }
    if bytes.starts_with(&PNG_MAGIC) {
        return Format::Png;
    }
    // Content said nothing: fall back on the name, so the reader can say what is wrong.
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".nii") || lower.ends_with(".nii.gz") {
        Format::Nifti
    } else if lower.ends_with(".dcm") || lower.ends_with(".dicom") {
        Format::Dicom
    } else if lower.ends_with(".npy") {
        Format::Npy
    } else if lower.ends_with(".png") {
        Format::Png
    } else {
        Format::Unknown
    }
}

fn unknown_format_problem(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(512)];
    let texty = head.iter().all(|&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80);
    let what = if texty {
        "it looks like a text file".to_string()
    } else {
        format!("it starts with bytes {}", hex(&bytes[..bytes.len().min(8)]))
    };
    format!(
        "not a recognised image ({what}); expected NIfTI (.nii, .nii.gz), DICOM (a file or a folder of one series), NumPy .npy (2D) or PNG"
    )
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// Check a `Volume` before writing it: a programming error elsewhere must still not panic here.
pub(crate) fn check_volume(file: &str, v: &Volume) -> Result<(), IoError> {
    if v.width == 0 || v.height == 0 || v.slices.is_empty() {
        return Err(IoError::new(
            file,
            format!("cannot write an empty volume ({}×{}×{})", v.width, v.height, v.slices.len()),
        ));
    }
    for (k, s) in v.slices.iter().enumerate() {
        if s.width != v.width || s.height != v.height || s.data.len() != v.width * v.height {
            return Err(IoError::new(
                file,
                format!(
                    "slice {k} is {}×{} ({} values) in a {}×{} volume",
                    s.width,
                    s.height,
                    s.data.len(),
                    v.width,
                    v.height
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn check_image(file: &str, im: &Image) -> Result<(), IoError> {
    if im.width == 0 || im.height == 0 || im.data.len() != im.width * im.height {
        return Err(IoError::new(
            file,
            format!("cannot write a {}×{} image holding {} values", im.width, im.height, im.data.len()),
        ));
    }
    Ok(())
}

/// Write bytes to a path, naming the path on failure.
pub(crate) fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    std::fs::write(path, bytes).map_err(|e| IoError::new(path.display().to_string(), format!("cannot write: {e}")))
}

#[cfg(test)]
pub(crate) mod test_util {
    use std::path::PathBuf;

    /// A fresh, empty directory under the system temp dir, unique to this test and process.
    pub fn temp_dir(tag: &str) -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("coordsr-io-{}-{}-{}", tag, std::process::id(), n));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        dir
    }

    /// `<data root>/sub` if it exists, else a visible skip line and `None`.
    pub fn data(sub: &str, test: &str) -> Option<PathBuf> {
        crate::data::real_data(sub, test)
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn io_error_display_is_one_line() {
        let e = IoError::new("a/b.nii", "bad things");
        assert_eq!(e.to_string(), "a/b.nii: bad things");
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let dir = temp_dir("missing");
        let p = dir.join("nope.nii.gz");
        let e = read_volume(&p).unwrap_err();
        assert!(e.file.ends_with("nope.nii.gz"), "{e}");
        assert!(e.problem.contains("cannot open"), "{e}");
    }

    #[test]
    fn text_file_is_not_an_image() {
        let dir = temp_dir("text");
        let p = dir.join("notes.txt");
        std::fs::write(&p, "hello, this is not an image\n").unwrap();
        let e = read_volume(&p).unwrap_err();
        assert!(e.problem.contains("not a recognised image") && e.problem.contains("text"), "{e}");
        // The same text named like an image is reported by that format's reader.
        for (name, says) in [
            ("x.nii", "not a NIfTI"),
            ("x.dcm", "no DICM magic"),
            ("x.npy", "not a NumPy"),
            ("x.png", "not a readable PNG"),
        ] {
            let e = read_volume_bytes(name, b"hello, this is not an image\n").unwrap_err();
            assert_eq!(e.file, name);
            assert!(e.problem.contains(says), "{e}");
        }
        let e = read_volume_bytes("empty.nii", b"").unwrap_err();
        assert!(e.problem.contains("empty"), "{e}");
    }

    #[test]
    fn garbage_never_panics() {
        // Prefixes of valid files of every format, and random bytes behind each magic.
        let mut s = 0x9e3779b97f4a7c15u64;
        let mut rnd = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    (s >> 24) as u8
                })
                .collect()
        };
        let vol = Volume::from_image(Image::from_fn(7, 5, |x, y| (x * 3 + y) as f32), [0.5, 0.7]);
        let nii = encode_nifti(&vol, false).unwrap();
        let niigz = encode_nifti(&vol, true).unwrap();
        let png = encode_png_gray8(&vol.slices[0], None).unwrap();
        let npy = encode_npy(&vol.slices[0]).unwrap();
        for good in [&nii, &niigz, &png, &npy] {
            for cut in 0..good.len() {
                let _ = read_volume_bytes("cut", &good[..cut]);
            }
            for i in 0..good.len() {
                let mut bad = good.clone();
                bad[i] ^= 0xff;
                let _ = read_volume_bytes("flip", &bad);
            }
        }
        let mut prefixes: Vec<Vec<u8>> = vec![GZIP_MAGIC.to_vec(), PNG_MAGIC.to_vec(), NPY_MAGIC.to_vec()];
        let mut dicm = vec![0u8; 128];
        dicm.extend_from_slice(b"DICM");
        prefixes.push(dicm);
        for p in prefixes {
            for n in [0, 1, 10, 100, 400, 2000] {
                let mut b = p.clone();
                b.extend(rnd(n));
                let _ = read_volume_bytes("rnd", &b);
            }
        }
    }
}
