//! `coordsr upscale`: a whole scan, slice by slice, onto a grid `--scale` times finer over the same
//! field of view, written with the spacing and affine of that grid; or, with `--through-plane`,
//! a thick-slice scan onto finer slices ([`coordsr::through_plane`]).

use crate::model::load_model;
use crate::scan::{Rescale, read_for_processing, write_output};
use crate::{Backend, bar};
use coordsr::geometry::Grid;
use coordsr::image::Image;
use coordsr::methods::{Method, Reconstruction, Trained};
use coordsr::through_plane::{self, PlaneMethod};
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
    /// Upscale along the slice axis instead of in-plane: --method coord decodes every coronal and
    /// sagittal plane of the stack at cell (1, 1/s) and averages the two estimates (default
    /// weights: the built-in through-plane model); --method bicubic interpolates cubically along
    /// the slice axis.
    #[arg(long)]
    through_plane: bool,
    /// With --through-plane: the output's slice spacing in mm (default: the in-plane spacing).
    #[arg(long, requires = "through_plane")]
    slice_spacing: Option<f64>,
}

impl Args {
    pub fn run(self, backend: Backend) -> Result<(), String> {
        if self.through_plane {
            return self.run_through_plane(backend);
        }
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
        let mut outv = Volume::new(
            slices,
            [vol.spacing[0] / grid.x.scale(), vol.spacing[1] / grid.y.scale(), vol.spacing[2]],
            grid.upscaled_affine(&vol.affine),
        );
        outv.thickness = vol.thickness;
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

    fn run_through_plane(self, backend: Backend) -> Result<(), String> {
        if self.scan.has_scale() {
            return Err("--scale is in-plane; with --through-plane give --slice-spacing".into());
        }
        let input = self.scan.input.display().to_string();
        let method = match self.method {
            Method::Coord => None,
            Method::Bicubic => Some(PlaneMethod::Cubic),
            Method::Nearest | Method::Zerofill | Method::Conv => {
                return Err(format!("--through-plane runs coord, or bicubic (cubic along the slice axis); not {}", self.method));
            }
        };
        let vol = read_for_processing(&self.scan.input, self.no_acquisition_crop)?;
        let axis = through_plane::target_axis(&vol, self.slice_spacing).map_err(|e| format!("{input}: {e}"))?;
        if vol.thickness.is_none() {
            eprintln!("{input}: no slice thickness in the file: taken to equal the slice spacing ({} mm, no gap)", vol.spacing[2]);
        }
        let dev = backend.device()?;
        let trained = match method {
            Some(_) => None,
            None => Some(match self.weights.as_deref() {
                Some(p) => Trained::load(p, &dev)?,
                None => Trained::bundled("coord-through", &dev)?,
            }),
        };
        let method = method.unwrap_or_else(|| PlaneMethod::Model(&trained.as_ref().expect("loaded above").model));
        let pb = bar(0, "through-plane");
        let outv = through_plane::upscale(&vol, &axis, method, &dev, |done, total| {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        });
        pb.finish_and_clear();
        write_output(&self.scan.output, &outv)?;
        eprintln!(
            "wrote {} ({}×{}×{}, slices {:.3} mm apart from {:.3} mm{})",
            self.scan.output.display(),
            outv.width,
            outv.height,
            outv.depth(),
            outv.spacing[2],
            vol.spacing[2],
            trained.as_ref().map(|t| format!(", {}", t.header.facts())).unwrap_or_default()
        );
        Ok(())
    }
}
