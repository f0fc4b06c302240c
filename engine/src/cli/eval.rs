//! `coordsr eval`: the options become an [`EvalConfig`]; the scores go to files in `--out` and
//! the poster's table to stdout.

use crate::{Backend, bar};
use coordsr::data::{DataSplit, default_data_root};
use coordsr::degrade::DegradationKind;
use coordsr::eval::{self, EvalConfig};
use coordsr::methods::Trained;
use coordsr::degrade::ThickSlice;
use coordsr::through_eval::{self, Case};
use coordsr::through_plane::PlaneMethod;
use std::path::{Path, PathBuf};

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
    /// Leave-one-subject-out fold 1–4: test on that fold's subject (RESULTS.md, "Cross-subject
    /// protocol"). Default: the split brain-by-subject-v1 (= fold 1). It scores what it is given:
    /// the protocol's order (no test number before the skip rule) is scripts/loso-eval.sh's.
    #[arg(long)]
    fold: Option<usize>,
    /// Summarise the cross-subject round instead: read loso_validation.csv and, once the test runs
    /// exist, loso_per_slice.csv (all folds concatenated) from this folder, and write loso.md and
    /// loso.json (the skip rule, the cross-subject tables, the poster's claims) to --out.
    #[arg(long, value_name = "DIR")]
    loso_summary: Option<PathBuf>,
    /// Read only the headers of --weights (finished cross-subject runs; no scan is read), write
    /// their best validation VIFs to loso_validation.csv in --out, and print each decoder's default
    /// skip by the protocol's skip rule ("coord bilinear", "conv zerofill"); exits with status 3
    /// while the rule waits for seed-1 runs (1 on an error).
    #[arg(long)]
    loso_validation: bool,
    /// Evaluate through-plane instead: thick slices simulated along each scan's slice axis,
    /// reconstructed by linear and cubic interpolation and by each --weights model at (1, 1/s)
    /// (through_plane.csv and through_plane.md in --out).
    #[arg(long)]
    through_plane: bool,
    /// Through-plane cases in fine voxels: THICKNESS, or THICKNESS/SPACING for slices with a gap.
    #[arg(long, value_delimiter = ',', default_value = "2,3,4,6,3/4")]
    cases: Vec<String>,
    /// Through-plane slice profile.
    #[arg(long, default_value = "boxcar")]
    profile: coordsr::degrade::SliceProfile,
    /// Through-plane: planes of each orientation scored per case.
    #[arg(long, default_value_t = 24)]
    planes: usize,
    /// Through-plane: the scans (default: the split's test scan and the knee).
    #[arg(long, value_delimiter = ',')]
    scans: Vec<String>,
    /// Through-plane: also reformat this scan's own (real) thick slices to its in-plane spacing
    /// with every method, a qualitative panel without truth (through_plane_real.png).
    #[arg(long)]
    real: Option<String>,
}

impl Args {
    /// The split: `--fold`'s, else the default.
    fn split(&self) -> Result<DataSplit, String> {
        self.fold.map_or_else(|| Ok(DataSplit::default()), DataSplit::fold)
    }

    /// The evaluation on the split, under `--data` or the default data root.
    pub fn config(&self) -> Result<EvalConfig, String> {
        Ok(EvalConfig {
            data_root: self.data.clone().unwrap_or_else(default_data_root),
            split: self.split()?,
            scales: self.scales.clone(),
            slices: self.slices,
            degradation: self.degradation,
            ood: !self.no_ood,
            dc: self.dc,
        })
    }

    /// The through-plane cases of `--cases`.
    fn cases(&self) -> Result<Vec<Case>, String> {
        self.cases
            .iter()
            .map(|c| {
                let num = |v: &str| v.trim().parse::<f64>().map_err(|_| format!("--cases: '{c}' is not THICKNESS or THICKNESS/SPACING"));
                let (t, s) = match c.split_once('/') {
                    Some((t, s)) => (num(t)?, num(s)?),
                    None => (num(c)?, num(c)?),
                };
                Ok(Case { slice: ThickSlice { profile: self.profile, thickness: t, spacing: s } })
            })
            .collect()
    }

    fn run_through_plane(self, backend: Backend) -> Result<(), String> {
        let dev = backend.device()?;
        let cases = self.cases()?;
        let models = self.weights.iter().map(|p| Trained::load(p, &dev)).collect::<Result<Vec<_>, _>>()?;
        let mut methods: Vec<(String, PlaneMethod)> = vec![("linear".into(), PlaneMethod::Linear), ("cubic".into(), PlaneMethod::Cubic)];
        for (m, path) in models.iter().zip(&self.weights) {
            let kind = if m.header.through_plane().is_some() { "through-plane" } else { "in-plane" };
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            methods.push((format!("coord {kind} ({stem})"), PlaneMethod::Model(&m.model)));
        }
        let root = self.data.clone().unwrap_or_else(default_data_root);
        let split = self.split()?;
        let scans = if self.scans.is_empty() { vec![split.test[0].clone(), split.ood[0].clone()] } else { self.scans.clone() };
        let mut rows = Vec::new();
        std::fs::create_dir_all(&self.out).map_err(|e| format!("{}: {e}", self.out.display()))?;
        for (i, scan) in scans.iter().enumerate() {
            let fine = coordsr::io::read_volume(&root.join(scan)).map_err(|e| e.to_string())?;
            // The figure: the first scan at the 4× case (else the first case).
            if i == 0 {
                let case = cases.iter().find(|c| c.slice.thickness == 4.0 && c.slice.spacing == 4.0).unwrap_or(&cases[0]);
                let png = through_eval::figure(&fine, case, &methods, &dev)?;
                let p = self.out.join("through_plane_figure.png");
                std::fs::write(&p, png).map_err(|e| format!("{}: {e}", p.display()))?;
            }
            eprintln!("{scan}: {}×{}×{}, {:?} mm", fine.width, fine.height, fine.depth(), fine.spacing);
            let pb = bar((cases.len() * methods.len()) as u64, "through-plane");
            rows.extend(through_eval::evaluate(scan, &fine, &cases, &methods, self.planes, &dev, |r| {
                pb.inc(1);
                pb.println(format!("{} {} {}: volume PSNR {:.2} dB, plane VIF {:.4}, {:.0} s", r.dataset, r.case, r.method, r.volume_psnr, r.mean(|m| m.vif), r.seconds));
            })?);
            pb.finish_and_clear();
        }
        if let Some(scan) = &self.real {
            let vol = coordsr::io::read_volume(&root.join(scan)).map_err(|e| e.to_string())?;
            let axis = coordsr::through_plane::target_axis(&vol, None).map_err(|e| format!("{scan}: {e}"))?;
            let title = format!("acquired {:.2} mm slices", vol.spacing[2]);
            let png = through_eval::reformat_figure(&vol, &axis, &title, &methods, None, &dev)?;
            let p = self.out.join("through_plane_real.png");
            std::fs::write(&p, png).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        let md = through_eval::to_markdown(&rows, "cubic");
        for (name, text) in [("through_plane.csv", through_eval::to_csv(&rows)), ("through_plane.md", md.clone())] {
            let p = self.out.join(name);
            std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        print!("{md}");
        Ok(())
    }

    /// `--loso-summary`: the round from its CSVs to loso.md and loso.json.
    fn run_loso_summary(&self, dir: &Path) -> Result<(), String> {
        use coordsr::loso;
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read_to_string(&p).map(|t| (p.clone(), t)).map_err(|e| format!("{}: {e}", p.display()))
        };
        let (p, text) = read("loso_validation.csv")?;
        let runs = loso::read_validation_csv(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        let scores = match read("loso_per_slice.csv") {
            Ok((p, text)) => loso::read_per_slice_csv(&text).map_err(|e| format!("{}: {e}", p.display()))?,
            Err(_) if !dir.join("loso_per_slice.csv").exists() => vec![],
            Err(e) => return Err(e),
        };
        let round = loso::cross_subject(&scores, &runs).map_err(|e| format!("{}: {e}", dir.display()))?;
        let md = round.markdown();
        let json = serde_json::to_string_pretty(&round).map_err(|e| e.to_string())? + "\n";
        std::fs::create_dir_all(&self.out).map_err(|e| format!("{}: {e}", self.out.display()))?;
        for (name, text) in [("loso.md", &md), ("loso.json", &json)] {
            let p = self.out.join(name);
            std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        print!("{md}");
        Ok(())
    }

    /// `--loso-validation`: the finished runs' validation scores and the skip rule, from headers.
    fn run_loso_validation(&self) -> Result<(), String> {
        use coordsr::loso::{self, SkipRule, ValidationScore};
        let runs = self
            .weights
            .iter()
            .map(|p| {
                let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
                let (header, _) = coordsr::weights::parse(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
                ValidationScore::of(&header, &p.display().to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        std::fs::create_dir_all(&self.out).map_err(|e| format!("{}: {e}", self.out.display()))?;
        let p = self.out.join("loso_validation.csv");
        std::fs::write(&p, loso::to_validation_csv(&runs)).map_err(|e| format!("{}: {e}", p.display()))?;
        loso::check_distinct(&runs)?;
        match SkipRule::decide(&runs).defaults() {
            Ok((coord, conv)) => {
                println!("coord {}\nconv {}", coord.skip, conv.skip);
                Ok(())
            }
            // Pending is a state, not a failure: scripts wait on exit status 3 and stop on others.
            Err(e) => {
                eprintln!("coordsr: {e}");
                std::process::exit(3)
            }
        }
    }

    pub fn run(self, backend: Backend) -> Result<(), String> {
        if self.through_plane {
            return self.run_through_plane(backend);
        }
        if let Some(dir) = &self.loso_summary {
            return self.run_loso_summary(dir);
        }
        if self.loso_validation {
            return self.run_loso_validation();
        }
        let dev = backend.device()?;
        let models = self.weights.iter().map(|p| Trained::load(p, &dev)).collect::<Result<Vec<_>, _>>()?;
        let config = self.config()?;
        if let Some(fold) = self.fold {
            // A fold's scores are of models that never saw its test subject: trained on its split.
            for (m, p) in models.iter().zip(&self.weights) {
                let trained_on = m.header.meta.get("split").and_then(|s| s.get("name")).and_then(|n| n.as_str()).unwrap_or("unknown");
                if trained_on != config.split.name {
                    return Err(format!(
                        "{}: trained on split '{trained_on}', not fold {fold}'s '{}' (its test subject {} must be unseen)",
                        p.display(),
                        config.split.name,
                        config.split.test[0]
                    ));
                }
            }
        }
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
        if let Some(fold) = self.fold {
            let test = &config.split.test[0];
            for (name, text) in [("loso.csv", coordsr::loso::to_csv(&rows, fold, test)), ("loso_per_slice.csv", coordsr::loso::to_per_slice_csv(&rows, fold, test))] {
                let p = self.out.join(name);
                std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
            }
        }
        print!("{}", eval::to_markdown(&rows, &config));
        Ok(())
    }
}
