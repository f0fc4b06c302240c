//! DICOM: single files, multi-frame files (classic or enhanced) and series, with rescale applied,
//! geometry converted from LPS to RAS, slices sorted along the slice normal, and the optional
//! k-space crop back to the acquisition matrix.
//!
//! Safety against lying headers: before `dicom-object` parses a file, [`prescan`] walks its
//! element structure and checks every defined length against the bytes that are actually there
//! (the parser would otherwise allocate and zero whatever an element claims, up to 4 GiB). Pixel
//! data sizes are checked against the real pixel bytes before any image is built.
//!
//! Pixel decoding: native (uncompressed) pixel data is decoded here, so rescaling, bit masking and
//! signedness follow the header exactly; encapsulated JPEG (baseline, extended, lossless) and RLE
//! go through `dicom-pixeldata`'s pure-Rust decoders. Everything else (JPEG 2000, JPEG-LS,
//! JPEG XL, video…) needs C libraries this build does not have: that is reported by name.
//!
//! One concern per file, in the order a file goes through them:
//! - [`syntax`]: the transfer syntaxes this build decodes, and the names of the others;
//! - [`prescan`]: every claimed length checked against the bytes there, before parsing;
//! - [`file`]: one file → frames, with rescale and each frame's geometry;
//! - [`series`]: frames → one volume, sorted along the slice normal, LPS → RAS;
//! - [`crop`]: the k-space crop back to the acquisition matrix.

mod crop;
mod file;
mod prescan;
mod series;
mod syntax;
#[cfg(test)]
mod synthetic;

use super::{IoError, Loaded, ReadOptions};
use crate::volume::Volume;
use file::read_file;
use series::assemble;
use std::path::Path;

/// A Part 10 file: `DICM` after the 128-byte preamble (or, from some writers, with no preamble).
pub(crate) fn has_dicm_magic(b: &[u8]) -> bool {
    b.get(128..132) == Some(&b"DICM"[..]) || b.get(0..4) == Some(&b"DICM"[..])
}

/// Read one DICOM series given as (name, bytes) pairs; files without the DICM magic are skipped.
pub fn read_dicom_series(files: Vec<(String, Vec<u8>)>) -> Result<Volume, IoError> {
    read_dicom_series_with(files, &ReadOptions::default()).map(|l| l.volume)
}

/// [`read_dicom_series`] with options, returning what was done.
pub fn read_dicom_series_with(files: Vec<(String, Vec<u8>)>, options: &ReadOptions) -> Result<Loaded, IoError> {
    let label = format!("DICOM series ({} files)", files.len());
    read_dicom_series_named(&label, files, options)
}

/// [`read_dicom_series_with`] under the caller's label (the file's own name when one file was opened).
pub(crate) fn read_dicom_series_named(
    label: &str,
    files: Vec<(String, Vec<u8>)>,
    options: &ReadOptions,
) -> Result<Loaded, IoError> {
    let mut infos = Vec::new();
    let mut skipped = Vec::new();
    for (name, bytes) in files {
        if !has_dicm_magic(&bytes) {
            skipped.push(name);
            continue;
        }
        infos.push(read_file(&name, &bytes)?);
    }
    assemble(label, infos, skipped, options)
}

/// A folder holding one series; files without the DICM magic are skipped and named in a note.
pub(crate) fn read_dicom_dir(dir: &Path, options: &ReadOptions) -> Result<Loaded, IoError> {
    let label = dir.display().to_string();
    let rd = std::fs::read_dir(dir).map_err(|e| IoError::new(&label, format!("cannot list the folder: {e}")))?;
    let mut paths: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    let mut infos = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        let bytes = std::fs::read(&p).map_err(|e| IoError::new(&name, format!("cannot read: {e}")))?;
        if !has_dicm_magic(&bytes) {
            skipped.push(p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or(name));
            continue;
        }
        infos.push(read_file(&name, &bytes)?);
    }
    assemble(&label, infos, skipped, options)
}
