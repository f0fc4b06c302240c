//! `coordsr train`: the options override the decoder's default [`TrainConfig`], which then runs
//! with a progress bar and leaves a run folder that `--resume` continues.

use crate::{Backend, bar};
use clap::ValueEnum;
use coordsr::data::default_data_root;
use coordsr::denoise::Denoiser;
use coordsr::model::DecoderConfig;
use coordsr::train::{self, Event, LdNorm, TrainConfig, TrainData};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Decoder {
    Coord,
    Conv,
}

#[derive(clap::Args)]
pub struct Args {
    /// coord (scale-agnostic) or conv (×2 sub-pixel).
    #[arg(long, value_enum, default_value_t = Decoder::Coord)]
    decoder: Decoder,
    /// Run folder: config, checkpoints, log.csv, curve.png, best.csrw.
    #[arg(short, long)]
    out: PathBuf,
    /// Weight λ of the denoising term.
    #[arg(long)]
    lambda: Option<f32>,
    /// Denoiser D_σ: gaussian (σ in pixels) or nlm (σ in units of the slice's 99.5th percentile).
    #[arg(long, default_value = "nlm")]
    denoiser: String,
    #[arg(long, default_value_t = 0.02)]
    sigma: f32,
    /// What the decoder predicts a residual over: bilinear (coord's default: it validated ahead)
    /// or zerofill (the band-limited interpolant of the input, the scanner's own image; conv's
    /// default). Default: the decoder's (engine/src/model/mod.rs).
    #[arg(long)]
    skip: Option<coordsr::skip::Skip>,
    /// Penalty of the denoising term: l2 (default; see engine/src/train.rs LdNorm) or l1.
    #[arg(long, default_value = "l2")]
    ld_norm: LdNorm,
    /// Training scale range for coord, e.g. 1,2 (conv always trains at 2).
    // Two values, as `1,2` or `1 2`: with a delimiter clap counts `num_args` before splitting,
    // so `num_args = 2` refused the form the help shows; the count is checked in `config`.
    #[arg(long, value_delimiter = ',', num_args = 1..=2)]
    scales: Option<Vec<f64>>,
    #[arg(long)]
    steps: Option<usize>,
    #[arg(long)]
    batch: Option<usize>,
    /// Peak learning rate of the cosine schedule (it decays to a tenth of it at --steps).
    #[arg(long)]
    lr: Option<f64>,
    #[arg(long)]
    channels: Option<usize>,
    #[arg(long)]
    blocks: Option<usize>,
    /// MLP hidden widths, e.g. 128,128,128.
    #[arg(long, value_delimiter = ',')]
    hidden: Option<Vec<usize>>,
    #[arg(long)]
    val_every: Option<usize>,
    #[arg(long)]
    patience: Option<usize>,
    #[arg(long)]
    train_slices: Option<usize>,
    #[arg(long)]
    val_slices: Option<usize>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Data root holding the split's scans.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Leave-one-subject-out fold 1–4 (RESULTS.md, "Cross-subject protocol"): which brain
    /// subject validates and which two train. Default: the split brain-by-subject-v1 (= fold 1).
    #[arg(long)]
    fold: Option<usize>,
    /// Continue the run in --out where it stopped.
    #[arg(long)]
    resume: bool,
    /// Warm restart: start from this finished run folder's last weights and data stream, with a
    /// fresh Adam and a new cosine cycle of --steps. Or from an exported weights file (.csrw: a
    /// run's best.csrw, a shipped model), its weights only, with the data stream of --seed. The
    /// model must be the same; everything else (λ, scales, lr, steps) is this run's own, so a
    /// cycle may also fine-tune on other settings.
    #[arg(long)]
    init: Option<PathBuf>,
    /// Train for the slice direction (through-plane): thick slices simulated with this profile
    /// (boxcar or gaussian) along rows or columns of the training slices; the defaults become the
    /// through-plane model's (scales 1.5–6, λ = 0, 4 blocks, hidden 64,64,64).
    #[arg(long)]
    through_plane: Option<coordsr::degrade::SliceProfile>,
    /// End this session at this step, keeping the --steps schedule (continue later with --resume).
    #[arg(long)]
    stop_at: Option<usize>,
}

impl Args {
    /// The decoder's default configuration with every given option applied, validated.
    pub fn config(&self) -> Result<TrainConfig, String> {
        let mut c = match (self.decoder, self.through_plane) {
            (Decoder::Coord, None) => TrainConfig::coord_default(),
            (Decoder::Coord, Some(profile)) => TrainConfig { through_plane: Some(profile), ..TrainConfig::through_plane_default() },
            (Decoder::Conv, None) => TrainConfig::conv_default(),
            (Decoder::Conv, Some(_)) => return Err("--through-plane trains the coord decoder".into()),
        };
        c.lambda = self.lambda.unwrap_or(c.lambda);
        c.denoiser = Denoiser::parse(&self.denoiser, self.sigma)?;
        c.ld_norm = self.ld_norm;
        c.model.skip = self.skip.unwrap_or(c.model.skip);
        if let Some(s) = &self.scales {
            if s.len() != 2 {
                return Err(format!("--scales takes two values, MIN,MAX (e.g. 1,2); got {}", s.len()));
            }
            if self.decoder == Decoder::Conv && (s[0] != 2.0 || s[1] != 2.0) {
                return Err("--scales: the conv decoder trains at 2 only".into());
            }
            (c.scale_min, c.scale_max) = (s[0], s[1]);
            c.val_scales = if s[0] == s[1] { vec![s[0]] } else { vec![(s[0] + s[1]) / 2.0, s[1]] };
        }
        if let DecoderConfig::Coord(d) = &mut c.model.decoder {
            d.max_train_scale = c.scale_max as f32;
            if let Some(h) = &self.hidden {
                d.hidden = h.clone();
            }
        }
        c.steps = self.steps.unwrap_or(c.steps);
        c.batch = self.batch.unwrap_or(c.batch);
        c.learning_rate = self.lr.unwrap_or(c.learning_rate);
        c.model.encoder.channels = self.channels.unwrap_or(c.model.encoder.channels);
        c.model.encoder.blocks = self.blocks.unwrap_or(c.model.encoder.blocks);
        c.val_every = self.val_every.unwrap_or(c.val_every);
        c.patience = self.patience.unwrap_or(c.patience);
        c.train_slices = self.train_slices.unwrap_or(c.train_slices);
        c.val_slices = self.val_slices.unwrap_or(c.val_slices);
        c.seed = self.seed;
        if let Some(k) = self.fold {
            c.split = coordsr::data::DataSplit::fold(k)?;
        }
        c.init = self.init.clone();
        c.validate()?;
        Ok(c)
    }

    pub fn run(self, backend: Backend) -> Result<(), String> {
        let c = self.config()?;
        keep_freed_memory();
        let root = self.data.unwrap_or_else(default_data_root);
        eprintln!("{}", c.split.describe());
        let td = TrainData::load(&root, &c)?;
        let dev = backend.device()?.autodiff();
        let pb = bar(c.steps as u64, "train");
        // Seconds per training step and per validation, apart: the figure BENCHMARKS.md compares
        // with PyTorch is the step alone. The first step (set-up, baselines) is not counted.
        let (mut last, mut steps, mut validations) = (None::<Instant>, Vec::new(), Vec::new());
        let mut phases: [Vec<f64>; 5] = Default::default();
        let state = train::train(&c, &td, &self.out, &dev, self.resume, self.stop_at, |e| match e {
            Event::Loaded { train_slices, val_slices } => {
                pb.println(format!("{train_slices} training slices, {val_slices} validation slices"))
            }
            Event::Step { step, loss, phases: p, .. } => {
                if let Some(t) = last {
                    steps.push(t.elapsed().as_secs_f64());
                    for (all, v) in phases.iter_mut().zip([p.sampling, p.wait, p.forward, p.backward, p.optimizer]) {
                        all.push(v);
                    }
                }
                last = Some(Instant::now());
                pb.set_position(step as u64);
                pb.set_prefix(format!("loss {loss:.4}"));
            }
            Event::Validated(row, improved) => {
                if let Some(t) = last {
                    validations.push(t.elapsed().as_secs_f64());
                }
                last = Some(Instant::now());
                pb.println(format!(
                "step {:>6}  loss {:.4}  val VIF {:.4}  PSNR {:.2}{}",
                row.step,
                row.loss,
                row.val_vif,
                row.val_psnr,
                if improved { "  (best)" } else { "" }
            ))
            }
        })?;
        pb.finish_and_clear();
        if !steps.is_empty() {
            eprintln!(
                "time: {:.3} s per step (median of {}; {} threads), {:.2} s per validation",
                median(&mut steps),
                steps.len(),
                rayon::current_num_threads(),
                if validations.is_empty() { f64::NAN } else { median(&mut validations) }
            );
            let [sampling, wait, forward, backward, optimizer] = phases.each_mut().map(|v| median(v));
            eprintln!(
                "phases (medians, s): forward {forward:.3}, backward {backward:.3}, optimizer {optimizer:.3}, waiting for data {wait:.3}; drawing a batch {sampling:.3} on the loader thread"
            );
        }
        train::write_curve(&self.out)?;
        eprintln!(
            "done at step {} ({}); best validation VIF {:.4} at step {}; weights {}",
            state.step,
            if state.stopped_early { "early stop" } else { "step budget" },
            state.best_vif,
            state.best_step,
            train::RunDir(self.out.clone()).best().display()
        );
        Ok(())
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::Args;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn scales(given: &[&str]) -> Result<Vec<f64>, String> {
        let argv = ["train", "--out", "run", "--scales"].iter().chain(given);
        let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
        let c = cli.args.config()?;
        Ok(vec![c.scale_min, c.scale_max])
    }

    #[test]
    fn scales_as_the_help_shows_them_or_apart() {
        assert_eq!(scales(&["1,2"]).unwrap(), [1.0, 2.0]);
        assert_eq!(scales(&["1", "2"]).unwrap(), [1.0, 2.0]);
        assert!(scales(&["1"]).unwrap_err().contains("two values"));
        assert!(scales(&["1,2,3"]).is_err());
    }
}

/// Keep freed memory in the process instead of handing it back to the system after every step.
///
/// Each training step allocates and frees the same large buffers (activations and gradients of
/// 4–16 MiB; LibTorch's allocator and flex's alike call the C library's `malloc`). glibc's defaults
/// give them back to the kernel (`munmap`, or trimming the heap above 128 KiB), so every step
/// page-faults and zeroes them again: measured here, 7 % of a LibTorch step's profile was page
/// faults, and with these two settings `coordsr --backend tch train` went from 0.118–0.119 to
/// 0.093–0.096 s per step (BENCHMARKS.md). Allocations up to 32 MiB (the most `mallopt` accepts)
/// come from the heap, and up to 256 MiB of free heap is kept. Setting only the trim threshold
/// fixes the mmap threshold at its 128 KiB default and made steps twice as slow: both go together.
/// Other C libraries (musl, macOS) are left as they are.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only changes two allocator thresholds; it is called before any training
    // thread exists, and glibc takes its own lock for it.
    let ok = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20) == 1 && libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20) == 1 };
    if !ok {
        eprintln!("note: the C library refused the allocator settings (mallopt); training runs slower");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}
