//! `coordsr upscale`: a whole scan, slice by slice, onto a grid `--scale` times finer over the same
//! field of view, written with the spacing and affine of that grid.

use crate::model::load_model;
use crate::scan::{Rescale, read_for_processing, write_output};
use crate::{Backend, bar};
use coordsr::geometry::Grid;
use coordsr::image::Image;
use coordsr::methods::{Method, Reconstruction};
use coordsr::volume::Volume;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    scan: Rescale,
    #[arg(long, value_enum, default_value_t = Method::Coord)]
    method: Method,
    /// Weights for coord/conv (.csrw); the built-in models by default.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Keep the stored grid even where the DICOM says it was interpolated from a smaller acquisition.
    #[arg(long)]
    no_acquisition_crop: bool,
}

impl Args {
    pub fn run(self, backend: Backend) -> Result<(), String> {
        let (sx, sy) = self.scan.scale()?;
        let vol = read_for_processing(&self.scan.input, self.no_acquisition_crop)?;
        let dev = backend.device()?;
        let trained = load_model(self.method, self.weights.as_deref(), &dev)?;
        let m = Reconstruction::of(self.method, trained.as_ref())?;
        let grid = Grid::upscaled(vol.width, vol.height, sx, sy);
        let pb = bar(vol.depth() as u64, "upscale");
        let slices: Vec<Image> = vol
            .slices
            .iter()
            .map(|s| {
                let o = m.reconstruct(s, &grid, &dev);
                pb.inc(1);
                o
            })
            .collect();
        pb.finish_and_clear();
        let outv = Volume {
            width: grid.x.hr,
            height: grid.y.hr,
            slices,
            spacing: [vol.spacing[0] / grid.x.scale(), vol.spacing[1] / grid.y.scale(), vol.spacing[2]],
            affine: grid.upscaled_affine(&vol.affine),
        };
        write_output(&self.scan.output, &outv)?;
        eprintln!(
            "wrote {} ({}×{}×{}, {})",
            self.scan.output.display(),
            outv.width,
            outv.height,
            outv.depth(),
            m.name()
        );
        Ok(())
    }
}
