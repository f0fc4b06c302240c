//! `coordsr eval`: the options become an [`EvalConfig`]; the scores go to files in `--out` and
//! the poster's table to stdout.

use crate::{Backend, bar};
use coordsr::data::{DataSplit, default_data_root};
use coordsr::degrade::DegradationKind;
use coordsr::eval::{self, EvalConfig};
use coordsr::methods::Trained;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Weights files (.csrw) to evaluate.
    #[arg(long, num_args = 0..)]
    weights: Vec<PathBuf>,
    #[arg(short, long)]
    out: PathBuf,
    #[arg(long, value_delimiter = ',', default_value = "1.5,2,3,4")]
    scales: Vec<f64>,
    /// Slices per scan, spread over the anatomy.
    #[arg(long, default_value_t = 16)]
    slices: usize,
    /// Skip the out-of-distribution knee and shoulder.
    #[arg(long)]
    no_ood: bool,
    #[arg(long, default_value = "kspace")]
    degradation: DegradationKind,
    /// Also score every model with data consistency: its output's measured band replaced by the
    /// input's (rows "coord+dc", "conv+dc").
    #[arg(long)]
    dc: bool,
    #[arg(long)]
    data: Option<PathBuf>,
}

impl Args {
    /// The evaluation on the default split, under `--data` or the default data root.
    pub fn config(&self) -> EvalConfig {
        EvalConfig {
            data_root: self.data.clone().unwrap_or_else(default_data_root),
            split: DataSplit::default(),
            scales: self.scales.clone(),
            slices: self.slices,
            degradation: self.degradation,
            ood: !self.no_ood,
            dc: self.dc,
        }
    }

    pub fn run(self, backend: Backend) -> Result<(), String> {
        let dev = backend.device()?;
        let models = self.weights.iter().map(|p| Trained::load(p, &dev)).collect::<Result<Vec<_>, _>>()?;
        let config = self.config();
        eprintln!("{}", config.split.describe());
        let datasets = eval::load_datasets(&config)?;
        let per_ds = config.scales.len() * (2 + models.len() * if config.dc { 2 } else { 1 });
        let pb = bar((datasets.len() * per_ds) as u64, "eval");
        let rows = eval::evaluate(&config, &datasets, &models, &dev, |what| {
            pb.inc(1);
            pb.set_prefix(what.to_string());
        })?;
        pb.finish_and_clear();
        let fig =
            datasets.first().and_then(|d| d.slices.get(d.slices.len() / 2)).map(|hr| eval::figure(hr, &models, &dev)).transpose()?;
        eval::write_outputs(&self.out, &rows, &config, fig)?;
        print!("{}", eval::to_markdown(&rows, &config));
        Ok(())
    }
}
