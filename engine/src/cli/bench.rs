//! `coordsr bench`: decoder and encoder throughput of one model on the chosen backend, as a
//! Markdown report.

use crate::Backend;
use coordsr::methods::Trained;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    weights: PathBuf,
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Add the through-plane row: a 256×256×60 volume of 3 mm slices to 1 mm (coord models).
    #[arg(long)]
    through_plane: bool,
}

impl Args {
    pub fn run(self, backend: Backend) -> Result<(), String> {
        let dev = backend.device()?;
        let t = Trained::load(&self.weights, &dev)?;
        let name = match backend {
            Backend::Flex => "flex (CPU)",
            Backend::Ndarray => "ndarray (CPU)",
            Backend::Tch => "LibTorch (CPU)",
            Backend::Wgpu => "wgpu",
        };
        let report = coordsr::bench::run(&t, &dev, name, self.repeats, self.through_plane);
        print!("{report}");
        if let Some(o) = self.output {
            std::fs::write(&o, report).map_err(|e| format!("{}: {e}", o.display()))?;
        }
        Ok(())
    }
}
