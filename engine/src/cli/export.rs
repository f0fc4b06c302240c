//! `coordsr export`: weights re-encoded for the web app, with a JSON sidecar saying what the model
//! is and, from an eval `results.csv`, how it scored. On the CPU whatever `--backend` says:
//! re-encoding computes nothing an accelerator would speed up.

use burn::tensor::Device;
use coordsr::methods::{Reconstruction, Trained};
use coordsr::weights;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    weights: PathBuf,
    #[arg(short, long)]
    output: PathBuf,
    #[arg(long)]
    f16: bool,
    /// A `coordsr eval` results.csv: this model's rows go into the sidecar as its test metrics.
    #[arg(long)]
    results: Option<PathBuf>,
}

impl Args {
    pub fn run(self) -> Result<(), String> {
        let Args { weights: path, output, f16, results } = self;
        let dev = Device::flex();
        let t = Trained::load(&path, &dev)?;
        let (bytes, max_err, precision) = weights::export(&t.model, &t.header, f16, &dev);
        let test_metrics = match &results {
            Some(csv) => {
                let text = std::fs::read_to_string(csv).map_err(|e| format!("{}: {e}", csv.display()))?;
                let rows = coordsr::eval::read_csv(&text).map_err(|e| format!("{}: {e}", csv.display()))?;
                let (name, lambda, ts) = Reconstruction::Model(&t).row_key();
                let mine: Vec<_> = rows
                    .into_iter()
                    .filter(|r| (r.method.as_str(), r.lambda.as_str(), r.train_scales.as_str()) == (name, lambda.as_str(), ts.as_str()))
                    .collect();
                if mine.is_empty() {
                    return Err(format!("{}: no rows for {}", csv.display(), t.label()));
                }
                serde_json::to_value(mine).unwrap()
            }
            None => serde_json::Value::Null,
        };
        std::fs::write(&output, &bytes).map_err(|e| format!("{}: {e}", output.display()))?;
        let sidecar = output.with_extension("json");
        let info = serde_json::json!({
            "weights": output.file_name().map(|s| s.to_string_lossy().to_string()),
            "bytes": bytes.len(),
            "precision": match precision { weights::Precision::F16 => "f16", weights::Precision::F32 => "f32" },
            "max_abs_error_vs_f32": max_err,
            "config": t.header.config,
            "meta": t.header.meta,
            "test_metrics": test_metrics,
        });
        std::fs::write(&sidecar, serde_json::to_vec_pretty(&info).unwrap())
            .map_err(|e| format!("{}: {e}", sidecar.display()))?;
        eprintln!(
            "wrote {} ({} bytes, max |f16 − f32| {max_err:.2e}) and {}",
            output.display(),
            bytes.len(),
            sidecar.display()
        );
        Ok(())
    }
}
