//! `coordsr degrade`: the options become the engine's [`Degradation`], applied to every slice of
//! a scan; the low-res scan keeps the field of view, so its spacing grows. With
//! `--slice-thickness` it simulates a 2D multi-slice acquisition along the slice axis instead
//! ([`ThickSlice`], [`coordsr::through_plane::thicken`]).

use crate::scan::{Rescale, read_for_processing, write_output};
use coordsr::degrade::{Degradation, DegradationKind, SliceProfile, ThickSlice};
use coordsr::image::Image;
use coordsr::volume::Volume;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    scan: Rescale,
    #[arg(long, default_value = "kspace")]
    degradation: DegradationKind,
    #[arg(long)]
    no_acquisition_crop: bool,
    /// Simulate thick slices along the slice axis (the file's third axis), this thick in mm,
    /// instead of an in-plane degradation. Real multiples of the voxel size are allowed.
    #[arg(long)]
    slice_thickness: Option<f64>,
    /// Distance between the thick slices' centres in mm (default: the thickness; larger leaves a gap).
    #[arg(long, requires = "slice_thickness")]
    slice_spacing: Option<f64>,
    /// The slice profile: boxcar (uniform over the thickness) or gaussian (FWHM = the thickness).
    #[arg(long, default_value = "boxcar", requires = "slice_thickness")]
    profile: SliceProfile,
}

impl Args {
    /// The degradation at `--scale`, checked.
    pub fn degradation(&self) -> Result<Degradation, String> {
        let (sx, sy) = self.scan.scale()?;
        Ok(Degradation { kind: self.degradation, scale_x: sx, scale_y: sy })
    }

    /// The thick-slice acquisition in the volume's voxels along k, checked.
    fn thick_slice(&self, thickness_mm: f64, vol: &Volume) -> Result<ThickSlice, String> {
        let spacing_mm = self.slice_spacing.unwrap_or(thickness_mm);
        let d = vol.spacing[2];
        if spacing_mm < thickness_mm * 0.5 {
            return Err(format!("--slice-spacing {spacing_mm} mm overlaps slices {thickness_mm} mm thick by more than half"));
        }
        if thickness_mm < d * (1.0 - 1e-9) || spacing_mm < d * (1.0 - 1e-9) {
            return Err(format!(
                "--slice-thickness {thickness_mm} mm and --slice-spacing {spacing_mm} mm must be at least the scan's slice spacing ({d} mm)"
            ));
        }
        Ok(ThickSlice { profile: self.profile, thickness: thickness_mm / d, spacing: spacing_mm / d })
    }

    pub fn run(self) -> Result<(), String> {
        if let Some(t) = self.slice_thickness {
            if self.scan.has_scale() {
                return Err("--scale (in-plane) and --slice-thickness (the slice direction) are separate degradations; give one".into());
            }
            let vol = read_for_processing(&self.scan.input, self.no_acquisition_crop)?;
            let slice = self.thick_slice(t, &vol).map_err(|e| format!("{}: {e}", self.scan.input.display()))?;
            let outv = coordsr::through_plane::thicken(&vol, &slice).map_err(|e| format!("{}: {e}", self.scan.input.display()))?;
            write_output(&self.scan.output, &outv)?;
            eprintln!(
                "wrote {} ({}×{}×{}, {} mm {} slices every {} mm)",
                self.scan.output.display(),
                outv.width,
                outv.height,
                outv.depth(),
                outv.slice_thickness(),
                self.profile.name(),
                outv.spacing[2]
            );
            return Ok(());
        }
        let deg = self.degradation()?;
        let vol = read_for_processing(&self.scan.input, self.no_acquisition_crop)?;
        let grid = deg.grid(vol.width, vol.height);
        let slices: Vec<Image> = vol.slices.iter().map(|s| deg.apply(s).0).collect();
        // The low-res grid covers the same field of view: spacing grows, origin stays.
        let mut affine = vol.affine;
        for row in affine.iter_mut().take(3) {
            row[0] *= grid.x.scale();
            row[1] *= grid.y.scale();
        }
        let mut outv = Volume::new(slices, [vol.spacing[0] * grid.x.scale(), vol.spacing[1] * grid.y.scale(), vol.spacing[2]], affine);
        outv.thickness = vol.thickness;
        write_output(&self.scan.output, &outv)?;
        eprintln!("wrote {} ({}×{}×{})", self.scan.output.display(), outv.width, outv.height, outv.depth());
        Ok(())
    }
}
