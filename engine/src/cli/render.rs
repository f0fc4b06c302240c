//! `coordsr render`: one viewer view of a slice, computed as the web viewer computes it, so that
//! the browser tests have a native reference to compare against.

use crate::Backend;
use crate::model::load_model;
use coordsr::methods::Method;
use crate::scan::{read_for_processing, write_output};
use coordsr::view::View;
use coordsr::oriented::{Convention, OrientedPlane};
use coordsr::orientation::PlaneName;
use coordsr::volume::{Plane, Volume};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    input: PathBuf,
    /// The stored slice (k), or with --plane the plane's index along its normal voxel axis.
    #[arg(long, default_value_t = 0)]
    slice: usize,
    /// Draw this plane (axial, coronal, sagittal) oriented as the viewer draws it, at its true
    /// pixel aspect; without it, stored slice --slice as stored (as the reader study draws it).
    #[arg(long)]
    plane: Option<PlaneName>,
    /// With --plane: radiological (patient's right on screen left) or neurological.
    #[arg(long, default_value = "radiological")]
    convention: Convention,
    #[arg(long, value_enum, default_value_t = Method::Coord)]
    method: Method,
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Viewport backing size in pixels.
    #[arg(long)]
    width: usize,
    #[arg(long)]
    height: usize,
    /// Slice coordinate at the viewport centre, X,Y.
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    center: Vec<f64>,
    /// Display pixels per slice pixel (including the device pixel ratio).
    #[arg(long)]
    zoom: f64,
    #[arg(short, long)]
    output: PathBuf,
}

impl Args {
    /// The engine's [`View`], checked: a viewport the viewer could have.
    pub fn view(&self) -> Result<View, String> {
        if self.center.len() != 2 {
            return Err("--center takes X,Y".into());
        }
        let (width, height, zoom) = (self.width, self.height, self.zoom);
        if !(zoom.is_finite() && zoom > 0.0) || width == 0 || height == 0 || width * height > 64 << 20 {
            return Err("--zoom must be positive and the viewport between 1 and 64 Mpixels".into());
        }
        Ok(View::new(width, height, [self.center[0], self.center[1]], zoom))
    }

    pub fn run(self, backend: Backend) -> Result<(), String> {
        let view = self.view()?;
        let vol = read_for_processing(&self.input, false)?;
        let plane = match self.plane {
            Some(name) => OrientedPlane::oriented(&vol.affine, name, self.slice, self.convention),
            None => OrientedPlane::stored(Plane { fixed: 2, index: self.slice }),
        };
        let s = &plane.image(&vol).map_err(|e| format!("{}: {e}", self.input.display()))?;
        let [sx, sy] = plane.spacing(&vol);
        let view = if self.plane.is_some() { view.with_aspect(sy / sx) } else { view };
        let dev = backend.device()?;
        // Without --weights, coord on a reformat across thick slices is the through-plane model,
        // as in the viewer (through_plane::coord_model_for).
        let model = match (self.method, self.plane, &self.weights) {
            (Method::Coord, Some(_), None) => Some(coordsr::methods::Trained::bundled(coordsr::through_plane::coord_model_for(view.aspect), &dev)?),
            _ => load_model(self.method, self.weights.as_deref(), &dev)?,
        };
        let img = match (self.method, model) {
            (_, Some(t)) => t.model.render_view(s, &view, &dev),
            (Method::Bicubic, None) => view.bicubic(s),
            (Method::Nearest, None) => view.nearest(s),
            (Method::Zerofill, None) => return Err("zero-fill is global: use `upscale --method zerofill`".into()),
            (m @ (Method::Coord | Method::Conv), None) => return Err(format!("{m} needs weights")),
        };
        write_output(&self.output, &Volume::from_image(img, [1.0, 1.0]))
    }
}
