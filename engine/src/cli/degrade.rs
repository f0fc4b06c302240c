//! `coordsr degrade`: the options become the engine's [`Degradation`], applied to every slice of
//! a scan; the low-res scan keeps the field of view, so its spacing grows.

use crate::scan::{Rescale, read_for_processing, write_output};
use coordsr::degrade::{Degradation, DegradationKind};
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
}

impl Args {
    /// The degradation at `--scale`, checked.
    pub fn degradation(&self) -> Result<Degradation, String> {
        let (sx, sy) = self.scan.scale()?;
        Ok(Degradation { kind: self.degradation, scale_x: sx, scale_y: sy })
    }

    pub fn run(self) -> Result<(), String> {
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
        let outv = Volume {
            width: grid.x.lr,
            height: grid.y.lr,
            slices,
            spacing: [vol.spacing[0] * grid.x.scale(), vol.spacing[1] * grid.y.scale(), vol.spacing[2]],
            affine,
        };
        write_output(&self.scan.output, &outv)?;
        eprintln!("wrote {} ({}×{}×{})", self.scan.output.display(), outv.width, outv.height, outv.depth());
        Ok(())
    }
}
