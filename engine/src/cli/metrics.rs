//! `coordsr metrics`: the paper's three scores of one 2D image against another, as JSON for
//! scripts.

use coordsr::image::Image;
use coordsr::io;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    reference: PathBuf,
    distorted: PathBuf,
    #[arg(long)]
    data_range: Option<f64>,
}

impl Args {
    pub fn run(self) -> Result<(), String> {
        let r = read_image(&self.reference)?;
        let d = read_image(&self.distorted)?;
        let m = coordsr::metrics::evaluate(&r, &d, self.data_range)
            .map_err(|e| format!("{}: {e}", self.distorted.display()))?;
        println!("{}", serde_json::to_string(&m).unwrap());
        Ok(())
    }
}

/// The metrics compare slices: a volume of more than one is refused, not silently cut.
fn read_image(path: &Path) -> Result<Image, String> {
    let v = io::read_volume(path).map_err(|e| e.to_string())?;
    if v.depth() != 1 {
        return Err(format!("{}: expected a 2D image, found {} slices", path.display(), v.depth()));
    }
    Ok(v.slices.into_iter().next().unwrap())
}
