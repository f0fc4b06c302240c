//! A scan in, a scan out: what `upscale`, `degrade` and `render` share to read the input (with
//! the reader's notes shown) and write the output by its extension, and the arguments of the two
//! that change a scan's grid.

use coordsr::io;
use coordsr::volume::Volume;
use std::path::{Path, PathBuf};

/// The scan, the factor and where the result goes, for `upscale` and `degrade` alike.
#[derive(clap::Args)]
pub struct Rescale {
    pub input: PathBuf,
    /// In-plane scale, or SX,SY.
    #[arg(long, value_delimiter = ',', num_args = 1..=2)]
    scale: Vec<f64>,
    #[arg(short, long)]
    pub output: PathBuf,
}

impl Rescale {
    /// `--scale S` or `--scale SX,SY`, each within what the models and the degradation accept.
    pub fn scale(&self) -> Result<(f64, f64), String> {
        if self.scale.is_empty() {
            return Err("--scale is required (or --slice-thickness / --through-plane for the slice direction)".into());
        }
        let (sx, sy) = (self.scale[0], *self.scale.get(1).unwrap_or(&self.scale[0]));
        if !(sx.is_finite() && sy.is_finite() && (1.0..=16.0).contains(&sx) && (1.0..=16.0).contains(&sy)) {
            return Err(format!("--scale must be between 1 and 16 per axis, got {sx},{sy}"));
        }
        Ok((sx, sy))
    }
}

impl Rescale {
    /// Whether `--scale` was given (it is refused with the slice-direction options).
    pub fn has_scale(&self) -> bool {
        !self.scale.is_empty()
    }
}

/// Read a scan, telling the user on stderr what the reader did (crops, skipped files, assumptions).
pub fn read_for_processing(input: &Path, no_acquisition_crop: bool) -> Result<Volume, String> {
    let opts = io::ReadOptions { crop_to_acquisition: !no_acquisition_crop };
    let loaded = io::read_volume_with(input, &opts).map_err(|e| e.to_string())?;
    for n in &loaded.notes {
        eprintln!("{}: {n}", input.display());
    }
    Ok(loaded.volume)
}

/// Write by extension: NIfTI (.nii, .nii.gz) for volumes; PNG or NPY for a single slice.
pub fn write_output(path: &Path, volume: &Volume) -> Result<(), String> {
    let name = path.to_string_lossy().to_lowercase();
    let single = || {
        if volume.depth() == 1 {
            Ok(&volume.slices[0])
        } else {
            Err(format!(
                "{}: PNG and NPY hold one slice; this volume has {} (write .nii.gz)",
                path.display(),
                volume.depth()
            ))
        }
    };
    if name.ends_with(".png") {
        io::write_png(path, single()?, None).map_err(|e| e.to_string())
    } else if name.ends_with(".npy") {
        io::write_npy(path, single()?).map_err(|e| e.to_string())
    } else if name.ends_with(".nii") || name.ends_with(".nii.gz") {
        io::write_nifti(path, volume).map_err(|e| e.to_string())
    } else {
        Err(format!("{}: unknown output format (use .nii, .nii.gz, .png or .npy)", path.display()))
    }
}
