//! The scan on screen: a volume with its name, read from bytes in the browser (nothing uploaded).

use coordsr::io;
use coordsr::oriented::OrientedPlane;
use coordsr::volume::Volume;
use std::rc::Rc;

#[derive(Clone)]
pub struct Scan {
    pub name: String,
    pub volume: Rc<Volume>,
    pub notes: Vec<String>,
    /// Distinguishes scans with the same name in the encoder cache.
    pub serial: u64,
}

impl Scan {
    /// The cache key of a plane of this scan as drawn: the same key is the same pixels.
    pub fn key(&self, plane: &OrientedPlane) -> String {
        format!("{}#{}#{}", self.serial, self.name, plane.key())
    }
}

/// Read one file (NIfTI, DICOM, NPY, PNG) or several files of one DICOM series: the scan's
/// name and what the engine read. What a worker runs for the page ([`crate::decoder::Compute::read`]).
pub fn load(files: Vec<(String, Vec<u8>)>) -> Result<(String, io::Loaded), String> {
    let options = io::ReadOptions::default();
    match files.len() {
        0 => Err("no file given".into()),
        1 => {
            let (name, bytes) = files.into_iter().next().unwrap();
            let l = io::read_volume_bytes_with(&name, &bytes, &options).map_err(|e| e.to_string())?;
            Ok((name, l))
        }
        n => {
            let name = format!("{} (+{} files)", files[0].0, n - 1);
            Ok((name, io::read_dicom_series_with(files, &options).map_err(|e| e.to_string())?))
        }
    }
}

/// [`load`] on this thread.
pub fn read(files: Vec<(String, Vec<u8>)>, serial: u64) -> Result<Scan, String> {
    let (name, loaded) = load(files)?;
    Ok(Scan { name, volume: Rc::new(loaded.volume), notes: loaded.notes, serial })
}
