//! `coordsr train`: the poster's training recipe on real scans, reproducible and resumable.
//!
//! Loss `L = L1(x̂, HR) + λ · mean|x̂ − stopgrad(D_σ(x̂))|` on a dense window of queries per patch,
//! Adam with a cosine learning-rate schedule, validation VIF every `val_every` steps with early
//! stopping, the best checkpoint kept. Everything a session needs to continue after being cut
//! off (model, optimiser state, generator state, counters, log) is written at each validation.

use crate::csv;
use crate::data::{self, Rng};
use crate::degrade::{Degradation, ThickSlice};
use crate::image::Image;
use crate::metrics;
use crate::model::{QueryPlan, SrModel, CONV_SCALE};
use crate::weights::{self, Precision};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

mod batch;
mod config;
use batch::{denoised_target, sample_batch, Batch, Spectra};
pub use config::{LdNorm, TrainConfig};

/// What a run has done so far: enough to resume exactly.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainState {
    pub step: usize,
    pub rng: Rng,
    pub best_vif: f64,
    pub best_step: usize,
    pub since_best: usize,
    pub elapsed_s: f64,
    pub stopped_early: bool,
}

/// One line of the training log.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogRow {
    pub step: usize,
    pub loss: f64,
    pub l1: f64,
    pub ld: f64,
    pub lr: f64,
    pub val_vif: f64,
    pub val_psnr: f64,
    pub elapsed_s: f64,
}

/// Progress reported to the caller (the CLI draws a bar from it).
pub enum Event<'a> {
    Loaded { train_slices: usize, val_slices: usize },
    Step { step: usize, total: usize, loss: f64, phases: StepPhases },
    Validated(&'a LogRow, bool),
}

/// Where one training step's wall time went, in seconds: waiting for the loader's batch, the
/// forward pass up to reading the loss back (batch upload, query plan and model included), the
/// backward pass, the optimizer. Exact on the synchronous CPU backends (flex, LibTorch); on wgpu
/// queued work lands in whichever phase next waits for the device. `sampling` is the loader's
/// time to draw the batch on its own thread: not part of the step's wall time, but CPU the step
/// shares (on 2 cores it overlaps the forward pass).
#[derive(Clone, Copy, Debug, Default)]
pub struct StepPhases {
    pub sampling: f64,
    pub wait: f64,
    pub forward: f64,
    pub backward: f64,
    pub optimizer: f64,
}

/// Reference slices in memory, normalised per slice is done on the low-res input at use time.
pub struct TrainData {
    pub train: Vec<Image>,
    pub validation: Vec<Image>,
}

impl TrainData {
    pub fn load(root: &Path, config: &TrainConfig) -> Result<Self, String> {
        let mut train = Vec::new();
        for rel in &config.split.train {
            train.extend(data::load_reference_slices(root, rel, config.train_slices)?);
        }
        let mut validation = Vec::new();
        for rel in &config.split.validation {
            validation.extend(data::load_reference_slices(root, rel, config.val_slices)?);
        }
        if train.is_empty() || validation.is_empty() {
            return Err("no training or validation slices".into());
        }
        Ok(Self { train, validation })
    }
}

/// Mean VIF and PSNR of `model` on the validation slices at the validation scales.
pub fn validate(model: &SrModel, config: &TrainConfig, data: &TrainData, device: &Device) -> (f64, f64) {
    validate_with(config, data, |lr, grid| model.upscale(lr, grid, device), |plane, axis| {
        crate::through_plane::PlaneMethod::Model(model).upsample(plane, axis, device)
    })
}

/// A validation pair's reference, low-res input, and what reconstructs it: in-plane, the
/// degradation's grid; through-plane, thick slices along y and the fine rows they cover.
fn validate_with(
    config: &TrainConfig,
    data: &TrainData,
    in_plane: impl Fn(&Image, &crate::geometry::Grid) -> Image,
    through: impl Fn(&Image, &crate::geometry::SliceAxis) -> Image,
) -> (f64, f64) {
    let (mut vif, mut psnr, mut n) = (0.0, 0.0, 0.0);
    for &s in &config.val_scales {
        for hr in &data.validation {
            let (hr, out) = match config.through_plane {
                None => {
                    let (lr, grid) = Degradation { kind: config.degradation, scale_x: s, scale_y: s }.apply(hr);
                    (hr.clone(), in_plane(&lr, &grid))
                }
                Some(profile) => {
                    let deg = ThickSlice { profile, thickness: s, spacing: s };
                    let Ok((lr, axis)) = deg.apply_image(hr, true) else { continue };
                    (hr.crop(0, 0, hr.width, axis.fine()), through(&lr, &axis))
                }
            };
            let hr = &hr;
            let (lo, hi) = hr.min_max();
            vif += metrics::vif(hr, &out);
            psnr += metrics::psnr(hr, &out, (hi - lo) as f64);
            n += 1.0;
        }
    }
    (vif / n, psnr / n)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn cosine_lr(config: &TrainConfig, step: usize) -> f64 {
    let t = step as f64 / config.steps as f64;
    config.learning_rate * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
}

/// Paths of a run folder.
pub struct RunDir(pub PathBuf);

impl RunDir {
    pub fn config(&self) -> PathBuf { self.0.join("config.json") }
    pub fn state(&self) -> PathBuf { self.0.join("state.json") }
    pub fn model(&self) -> PathBuf { self.0.join("last-model.bpk") }
    pub fn optim(&self) -> PathBuf { self.0.join("last-optim.bpk") }
    pub fn best(&self) -> PathBuf { self.0.join("best.csrw") }
    pub fn log(&self) -> PathBuf { self.0.join("log.csv") }
    pub fn curve(&self) -> PathBuf { self.0.join("curve.png") }
    /// Bicubic and zero-fill VIF on the validation slices, for the curve.
    pub fn baselines(&self) -> PathBuf { self.0.join("baselines.json") }
}

/// The columns of `log.csv`, in order.
const LOG_COLUMNS: [&str; 8] = ["step", "loss", "l1", "ld", "lr", "val_vif", "val_psnr", "elapsed_s"];

/// The rows of a run's `log.csv`, for the curve: no log yet is no rows, and a row without all
/// eight fields (a line cut short) is left out rather than drawn.
pub fn read_log(path: &Path) -> Vec<LogRow> {
    let Ok(text) = std::fs::read_to_string(path) else { return vec![] };
    let Ok(records) = csv::parse(&text) else { return vec![] };
    records
        .iter()
        .skip(1)
        .filter_map(|r| {
            let v: Vec<f64> = r.fields.iter().map(|x| x.parse().unwrap_or(f64::NAN)).collect();
            (v.len() == LOG_COLUMNS.len()).then(|| LogRow {
                step: v[0] as usize,
                loss: v[1],
                l1: v[2],
                ld: v[3],
                lr: v[4],
                val_vif: v[5],
                val_psnr: v[6],
                elapsed_s: v[7],
            })
        })
        .collect()
}

fn append_log(path: &Path, row: &LogRow) -> std::io::Result<()> {
    let new = !path.exists();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    if new {
        writeln!(f, "{}", csv::line(&LOG_COLUMNS))?;
    }
    let fields = [
        row.step.to_string(),
        format!("{:.6}", row.loss),
        format!("{:.6}", row.l1),
        format!("{:.6}", row.ld),
        format!("{:.3e}", row.lr),
        format!("{:.5}", row.val_vif),
        format!("{:.4}", row.val_psnr),
        format!("{:.1}", row.elapsed_s),
    ];
    writeln!(f, "{}", csv::line(&fields))
}

/// Metadata stored in exported weights: what the model is and how it was made.
pub fn weights_meta(config: &TrainConfig, state: &TrainState, extra: serde_json::Value) -> serde_json::Value {
    let mut meta = serde_json::json!({
        "method": crate::methods::Method::of(&config.model).key(),
        "lambda": config.lambda,
        "train_scales": [config.scale_min, config.scale_max],
        "degradation": config.degradation,
        "denoiser": config.denoiser,
        "split": config.split,
        "best_step": state.best_step,
        "val_vif": state.best_vif,
        "seed": config.seed,
        "commit": option_env!("COORDSR_COMMIT").map(str::to_string).or_else(git_commit),
        "extra": extra,
    });
    if let Some(profile) = config.through_plane {
        meta["through_plane"] = serde_json::json!(profile);
    }
    meta
}

fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git").args(["rev-parse", "HEAD"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Train (or resume) into `dir`. `device` must have autodiff enabled.
///
/// `stop_at` ends this session at that step (validated and checkpointed there) without changing
/// the schedule, so equal-budget comparisons of runs with the same `steps` stay possible and a
/// later `resume` continues the same cosine curve.
pub fn train(
    config: &TrainConfig,
    data: &TrainData,
    dir: &Path,
    device: &Device,
    resume: bool,
    stop_at: Option<usize>,
    mut on_event: impl FnMut(Event),
) -> Result<TrainState, String> {
    config.validate()?;
    let run = RunDir(dir.to_path_buf());
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let io_err = |p: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", p.display());

    let mut model = config.model.init_seeded(device, config.seed);
    let mut optim: ModuleOptimizer = AdamConfig::new().init();
    let mut state = TrainState {
        step: 0,
        rng: Rng(config.seed),
        best_vif: f64::NEG_INFINITY,
        best_step: 0,
        since_best: 0,
        elapsed_s: 0.0,
        stopped_early: false,
    };
    if resume && run.state().exists() {
        let saved: TrainConfig = serde_json::from_slice(&std::fs::read(run.config()).map_err(|e| io_err(&run.config(), &e))?)
            .map_err(|e| io_err(&run.config(), &e))?;
        // Patience only decides when a run stops. A run resumed with more of it is the run it
        // would have been had it started with it (same batches, same steps; an early stop is
        // undone while it is still within the new patience), so it may grow; nothing else may
        // change.
        if (TrainConfig { patience: config.patience, ..saved.clone() }) != *config || config.patience < saved.patience {
            return Err(format!(
                "{}: the run was started with a different configuration (only a larger --patience may be given on resuming); use another folder",
                dir.display()
            ));
        }
        state = serde_json::from_slice(&std::fs::read(run.state()).map_err(|e| io_err(&run.state(), &e))?)
            .map_err(|e| io_err(&run.state(), &e))?;
        if config.patience != saved.patience {
            state.stopped_early = state.since_best >= config.patience;
            std::fs::write(run.config(), serde_json::to_vec_pretty(config).unwrap()).map_err(|e| io_err(&run.config(), &e))?;
        }
        model = model.try_load_file(run.model()).map_err(|e| io_err(&run.model(), &e))?;
        optim = optim.load(run.optim()).map_err(|e| io_err(&run.optim(), &e))?;
    } else {
        for p in [run.log(), run.state(), run.best(), run.baselines()] {
            let _ = std::fs::remove_file(p);
        }
        std::fs::write(run.config(), serde_json::to_vec_pretty(config).unwrap()).map_err(|e| io_err(&run.config(), &e))?;
        if let Some(from) = config.init.as_ref().filter(|f| f.is_file()) {
            // An exported weights file (a run's `best.csrw`, a shipped model): its weights only,
            // with this run's own data stream (--seed). The way to continue a run whose run state
            // is gone, from the weights that were kept.
            let bytes = std::fs::read(from).map_err(|e| io_err(from, &e))?;
            let (loaded, header) = weights::load(&bytes, device).map_err(|e| io_err(from, &e))?;
            if header.config != config.model {
                return Err(format!("{}: --init needs weights of the same model (decoder, sizes, skip); these differ", from.display()));
            }
            // Loading a record keeps the parameters' autodiff setting (the file's are untracked).
            model = model.load_record(loaded.into_record());
        } else if let Some(from) = &config.init {
            let source = RunDir(from.clone());
            let theirs: TrainConfig = read_json(&source.config())?;
            if theirs.model != config.model {
                return Err(format!("{}: --init needs a run of the same model (decoder, sizes, skip); this one differs", from.display()));
            }
            let their_state: TrainState = read_json(&source.state())?;
            // A cycle's restart point is its end: from a run still under way (stopped by
            // `--stop-at` or by the session ending) the restart would silently cut it short.
            if their_state.step < theirs.steps && !their_state.stopped_early {
                return Err(format!(
                    "{}: --init needs a finished run; this one stands at step {} of {} (finish it with --resume first)",
                    from.display(),
                    their_state.step,
                    theirs.steps
                ));
            }
            model = model.try_load_file(source.model()).map_err(|e| io_err(&source.model(), &e))?;
            state.rng = their_state.rng;
        }
    }
    on_event(Event::Loaded { train_slices: data.train.len(), val_slices: data.validation.len() });
    if !run.baselines().exists() {
        // The bars a model must clear, on the same validation slices and scales.
        let dev = Device::flex();
        let b = if config.through_plane.is_some() {
            // Cubic along the slice axis is the bar (zero-fill has no meaning across thick slices).
            let plane = |m: crate::through_plane::PlaneMethod| {
                validate_with(config, data, |_, _| unreachable!("through-plane"), |lr, axis| m.upsample(lr, axis, &dev)).0
            };
            use crate::through_plane::PlaneMethod::{Cubic, Linear};
            serde_json::json!({"val_vif_bicubic": plane(Cubic), "val_vif_linear": plane(Linear), "val_scales": config.val_scales})
        } else {
            let vif_of = |f: fn(&Image, &crate::geometry::Grid) -> Image| {
                validate_with(config, data, |lr, grid| f(lr, grid), |_, _| unreachable!("in-plane")).0
            };
            serde_json::json!({
                "val_vif_bicubic": vif_of(crate::interp::bicubic),
                "val_vif_zerofill": vif_of(crate::interp::zerofill),
                "val_scales": config.val_scales
            })
        };
        std::fs::write(run.baselines(), serde_json::to_vec_pretty(&b).unwrap()).map_err(|e| io_err(&run.baselines(), &e))?;
    }

    let started = Instant::now();
    let elapsed_before = state.elapsed_s;
    let (mut loss_acc, mut l1_acc, mut ld_acc, mut n_acc) = (0.0, 0.0, 0.0, 0.0);
    let last = config.steps.min(stop_at.unwrap_or(usize::MAX));
    // Batches are drawn on a thread of their own while the step runs (a data loader): the k-space
    // degradation and zero-fill of a batch's slices would otherwise sit on every step's path.
    // They come in the order drawn, each with the generator's state after it, so the run is the
    // same as drawing them in the loop.
    std::thread::scope(|scope| -> Result<(), String> {
        let (sender, batches) = std::sync::mpsc::sync_channel::<(Batch, Rng, f64)>(2);
        let mut rng = state.rng;
        scope.spawn(move || {
            let spectra: Spectra = data.train.iter().map(|_| Default::default()).collect();
            // Ends when the loop below drops its receiver.
            loop {
                let started = Instant::now();
                let batch = sample_batch(config, data, &spectra, &mut rng);
                if sender.send((batch, rng, started.elapsed().as_secs_f64())).is_err() {
                    break;
                }
            }
        });
        while state.step < last && !state.stopped_early {
            // The generator's state after this batch is the run's: a resumed run draws what follows.
            let t_wait = Instant::now();
            let (batch, rng_after, sampling) = batches.recv().map_err(|_| "the batch loader stopped".to_string())?;
            let t_forward = Instant::now();
            state.rng = rng_after;
            let p = config.patch;
            let input = Tensor::<4>::from_data(TensorData::new(batch.lr.clone(), [config.batch, 1, p, p]), device);
            let n = batch.target.len();
            let target = Tensor::<1>::from_data(TensorData::new(batch.target.clone(), [n]), device);
            let pred = if config.is_coord() {
                let plan = QueryPlan::build(&batch.coords, &batch.batch_index, p, p, &batch.cells);
                model.forward_coord(input, batch.skip.clone(), &plan)
            } else {
                let s = CONV_SCALE;
                let skip = Tensor::<4>::from_data(TensorData::new(batch.skip.clone(), [config.batch, 1, s * p, s * p]), device);
                model.forward_conv(input, skip).reshape([n])
            };
            let l1 = (pred.clone() - target).abs().mean();
            let (loss, ld_value) = if config.lambda > 0.0 {
                let host: Vec<f32> = pred.clone().into_data().try_into_vec().expect("f32 prediction");
                let side = if config.is_coord() { config.window } else { CONV_SCALE * p };
                let d = denoised_target(&host, config.batch, side, &config.denoiser);
                let d = Tensor::<1>::from_data(TensorData::new(d, [n]), device);
                let diff = pred - d;
                let ld = match config.ld_norm {
                    LdNorm::L1 => diff.abs().mean(),
                    LdNorm::L2 => diff.powi_scalar(2).mean(),
                };
                let ldv: f64 = ld.clone().into_scalar::<f32>() as f64;
                (l1.clone() + ld.mul_scalar(config.lambda), ldv)
            } else {
                (l1.clone(), 0.0)
            };
            let loss_value = loss.clone().into_scalar::<f32>() as f64;
            if !loss_value.is_finite() {
                return Err(format!("training diverged at step {} (loss {loss_value})", state.step));
            }
            let t_backward = Instant::now();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let t_optimizer = Instant::now();
            let lr = cosine_lr(config, state.step);
            model = optim.step(lr, model, grads);
            let phases = StepPhases {
                sampling,
                wait: (t_forward - t_wait).as_secs_f64(),
                forward: (t_backward - t_forward).as_secs_f64(),
                backward: (t_optimizer - t_backward).as_secs_f64(),
                optimizer: t_optimizer.elapsed().as_secs_f64(),
            };
            state.step += 1;
            loss_acc += loss_value;
            l1_acc += l1.into_scalar::<f32>() as f64;
            ld_acc += ld_value;
            n_acc += 1.0;
            on_event(Event::Step { step: state.step, total: config.steps, loss: loss_value, phases });

            if state.step % config.val_every == 0 || state.step == last {
                let valid = model.valid();
                let (vif, psnr) = validate(&valid, config, data, &device.clone().inner());
                state.elapsed_s = elapsed_before + started.elapsed().as_secs_f64();
                let row = LogRow {
                    step: state.step,
                    loss: loss_acc / n_acc,
                    l1: l1_acc / n_acc,
                    ld: ld_acc / n_acc,
                    lr,
                    val_vif: vif,
                    val_psnr: psnr,
                    elapsed_s: state.elapsed_s,
                };
                (loss_acc, l1_acc, ld_acc, n_acc) = (0.0, 0.0, 0.0, 0.0);
                let improved = vif > state.best_vif;
                if improved {
                    state.best_vif = vif;
                    state.best_step = state.step;
                    state.since_best = 0;
                    let bytes = weights::to_bytes(&valid, &config.model, weights_meta(config, &state, serde_json::Value::Null), Precision::F32);
                    std::fs::write(run.best(), bytes).map_err(|e| io_err(&run.best(), &e))?;
                } else {
                    state.since_best += 1;
                    if state.since_best >= config.patience {
                        state.stopped_early = true;
                    }
                }
                append_log(&run.log(), &row).map_err(|e| io_err(&run.log(), &e))?;
                model.clone().save_file(run.model()).map_err(|e| io_err(&run.model(), &e))?;
                optim.save(run.optim()).map_err(|e| io_err(&run.optim(), &e))?;
                std::fs::write(run.state(), serde_json::to_vec_pretty(&state).unwrap()).map_err(|e| io_err(&run.state(), &e))?;
                on_event(Event::Validated(&row, improved));
            }
        }
        Ok(())
    })?;
    Ok(state)
}

/// Draw `curve.png` (training loss and validation VIF against step) from `log.csv`.
pub fn write_curve(dir: &Path) -> Result<(), String> {
    let run = RunDir(dir.to_path_buf());
    let rows = read_log(&run.log());
    let base: serde_json::Value =
        std::fs::read(run.baselines()).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let baseline = |key: &str| base.get(key).and_then(|x| x.as_f64());
    let log: Vec<_> = rows.iter().map(|r| (r.step as f64, r.loss, r.l1, r.val_vif)).collect();
    let charts = crate::chart::training_curves(&log, baseline("val_vif_bicubic"), baseline("val_vif_zerofill"));
    let png = crate::chart::png(&charts, (1280, 400))?;
    std::fs::write(run.curve(), png).map_err(|e| format!("{}: {e}", run.curve().display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::intensity_unit;
    use crate::phantom::shepp_logan;
    use crate::skip::Skip;

    fn tiny(decoder_conv: bool) -> TrainConfig {
        let mut c = if decoder_conv { TrainConfig::conv_default() } else { TrainConfig::coord_default() };
        c.model.encoder.channels = 4;
        c.model.encoder.blocks = 1;
        if let crate::model::DecoderConfig::Coord(d) = &mut c.model.decoder {
            d.hidden = vec![8];
        }
        c.patch = 16;
        c.window = 8;
        c.batch = 2;
        c.steps = 3;
        c.val_every = 3;
        c
    }

    fn phantoms() -> TrainData {
        TrainData { train: vec![shepp_logan(72, 60), shepp_logan(60, 72)], validation: vec![shepp_logan(48, 48)] }
    }

    fn run(config: &TrainConfig, name: &str) -> (TrainState, String) {
        let dir = std::env::temp_dir().join(format!("coordsr-train-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let state = train(config, &phantoms(), &dir, &Device::flex().autodiff(), false, None, |_| {}).unwrap();
        let log = std::fs::read_to_string(RunDir(dir.clone()).log()).unwrap();
        write_curve(&dir).unwrap();
        assert!(RunDir(dir).best().exists());
        (state, log)
    }

    #[test]
    fn same_seed_same_run() {
        for conv in [false, true] {
            let c = tiny(conv);
            let (a, log_a) = run(&c, &format!("a{conv}"));
            let (b, log_b) = run(&c, &format!("b{conv}"));
            assert_eq!(a.step, 3);
            // Timing differs; everything else must match.
            let strip = |l: &str| {
                csv::parse(l).unwrap().into_iter().map(|r| r.fields[..r.fields.len() - 1].to_vec()).collect::<Vec<_>>()
            };
            assert_eq!(strip(&log_a), strip(&log_b));
            assert_eq!(a.best_vif, b.best_vif);
        }
    }

    #[test]
    fn stopping_and_resuming_continues_the_same_run() {
        let c = tiny(false);
        let (full, log_full) = run(&c, "full");
        let dir = std::env::temp_dir().join(format!("coordsr-train-{}-split", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let dev = Device::flex().autodiff();
        let first = train(&c, &phantoms(), &dir, &dev, false, Some(2), |_| {}).unwrap();
        assert_eq!(first.step, 2);
        let second = train(&c, &phantoms(), &dir, &dev, true, None, |_| {}).unwrap();
        assert_eq!(second.step, 3);
        // Validation metrics at step 3 (columns 6 and 7) match the uninterrupted run.
        let metrics = |l: &str| csv::parse(l).unwrap().pop().unwrap().fields[5..7].to_vec();
        let log_split = std::fs::read_to_string(RunDir(dir).log()).unwrap();
        assert_eq!(metrics(&log_full), metrics(&log_split));
        // Equal up to float summation order: a reloaded parameter may sit in memory in another
        // layout than the optimiser's, and the decoder's first-layer convolution then sums in
        // another order (differences ~1e-17 seen). A broken resume moves VIF by far more.
        let want = full.best_vif.max(first.best_vif);
        assert!((want - second.best_vif).abs() <= 1e-9 * want.abs(), "{want} vs {}", second.best_vif);
    }

    #[test]
    fn resuming_with_more_patience_continues_an_early_stopped_run_as_if_started_with_it() {
        let mut c = tiny(false);
        c.steps = 6;
        c.val_every = 1;
        c.patience = 1;
        let dir = std::env::temp_dir().join(format!("coordsr-train-{}-patience", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let dev = Device::flex().autodiff();
        let first = train(&c, &phantoms(), &dir, &dev, false, None, |_| {}).unwrap();
        let mut more = c.clone();
        more.patience = 100;
        let (full, log_full) = run(&more, "patience-full");
        if first.stopped_early {
            assert!(first.step < c.steps);
            // Fewer is refused; more continues to the end, matching the run started with it.
            let mut less = c.clone();
            less.patience = 0;
            assert!(train(&less, &phantoms(), &dir, &dev, true, None, |_| {}).is_err());
            let resumed = train(&more, &phantoms(), &dir, &dev, true, None, |_| {}).unwrap();
            assert_eq!((resumed.step, resumed.stopped_early, full.step), (c.steps, false, c.steps));
            let vif = |l: &str| csv::parse(l).unwrap().pop().unwrap().fields[5].clone();
            assert_eq!(vif(&std::fs::read_to_string(RunDir(dir.clone()).log()).unwrap()), vif(&log_full));
            assert_eq!(serde_json::from_slice::<TrainConfig>(&std::fs::read(RunDir(dir).config()).unwrap()).unwrap(), more);
        } else {
            panic!("the tiny run never stopped early with patience 1 over {} validations: pick another set-up", c.steps);
        }
    }

    #[test]
    fn the_batch_skip_is_zero_fill_of_the_whole_slice_at_the_targets() {
        // What the loader reads at the targets (the skip) must be what the whole low-res slice's
        // zero-fill, resampled to the reference grid, has there: coord and conv, one slice known.
        let hr = shepp_logan(72, 60).map(|v| v + 0.2);
        let data = TrainData { train: vec![hr.clone()], validation: vec![] };
        for conv in [false, true] {
            let mut c = tiny(conv);
            c.model.skip = Skip::Zerofill;
            (c.scale_min, c.scale_max) = (2.0, 2.0);
            let spectra: Spectra = data.train.iter().map(|_| Default::default()).collect();
            let b = sample_batch(&c, &data, &spectra, &mut Rng(7));
            let (lr, grid) = Degradation { kind: c.degradation, scale_x: 2.0, scale_y: 2.0 }.apply(&hr);
            let unit = intensity_unit(&lr);
            let p = c.patch;
            let (side, zf) = if conv { (CONV_SCALE * p, crate::kspace::resample(&lr, CONV_SCALE * lr.width, CONV_SCALE * lr.height, false)) } else { (0, crate::interp::zerofill(&lr, &grid)) };
            let mut checked = 0;
            for k in 0..c.batch {
                let patch = &b.lr[k * p * p..(k + 1) * p * p];
                let at = |j0: usize, i0: usize| lr.crop(j0, i0, p, p).data.iter().zip(patch).all(|(a, b)| a / unit == *b);
                let (j0, i0) = (0..=lr.height - p).flat_map(|i| (0..=lr.width - p).map(move |j| (j, i))).find(|&(j, i)| at(j, i)).unwrap();
                if conv {
                    for (q, v) in b.skip[k * side * side..(k + 1) * side * side].iter().enumerate() {
                        let want = zf.get(CONV_SCALE * j0 + q % side, CONV_SCALE * i0 + q / side) / unit;
                        assert!((v - want).abs() < 1e-4, "conv item {k} pixel {q}: {v} vs {want}");
                        checked += 1;
                    }
                } else {
                    for q in (0..b.coords.len()).filter(|&q| b.batch_index[q] == k) {
                        let (cx, cy) = (b.coords[q][0] as f64 + j0 as f64, b.coords[q][1] as f64 + i0 as f64);
                        let x = (0..hr.width).find(|&x| (grid.x.lr_coord(x as f64) - cx).abs() < 1e-3).unwrap();
                        let y = (0..hr.height).find(|&y| (grid.y.lr_coord(y as f64) - cy).abs() < 1e-3).unwrap();
                        let want = zf.get(x, y) / unit;
                        assert!((b.skip[q] - want).abs() < 1e-4, "coord item {k} query {q}: {} vs {want}", b.skip[q]);
                        checked += 1;
                    }
                }
            }
            assert!(checked >= c.batch * if conv { 4 * p * p } else { c.window * c.window });
        }
    }

    #[test]
    fn committed_log_is_written_back_byte_for_byte() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../results/log-coord-l10.csv");
        let dir = std::env::temp_dir().join(format!("coordsr-train-{}-log", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let copy = RunDir(dir.clone()).log();
        for row in read_log(&committed) {
            append_log(&copy, &row).unwrap();
        }
        assert_eq!(std::fs::read_to_string(copy).unwrap(), std::fs::read_to_string(committed).unwrap());
        // And draws: loss and validation VIF side by side, with the baselines it was given.
        let run = RunDir(dir);
        std::fs::write(run.baselines(), r#"{"val_vif_bicubic": 0.593, "val_vif_zerofill": 0.627}"#).unwrap();
        write_curve(&run.0).unwrap();
        let png = std::fs::read(run.curve()).unwrap();
        let info = png::Decoder::new(std::io::Cursor::new(&png)).read_info().unwrap().info().clone();
        assert_eq!((info.width, info.height), (1280, 400));
    }

    #[test]
    fn a_warm_restart_starts_from_the_source_runs_last_weights() {
        let mut c = tiny(false);
        c.val_every = 1;
        let (_, log_source) = run(&c, "init-source");
        let source = std::env::temp_dir().join(format!("coordsr-train-{}-init-source", std::process::id()));
        // One step at a negligible learning rate: the model validated is the one started from.
        let mut restart = TrainConfig { steps: 1, learning_rate: 1e-12, init: Some(source.clone()), ..c.clone() };
        let (_, log_restart) = run(&restart, "init-restart");
        let (_, log_scratch) = run(&TrainConfig { init: None, ..restart.clone() }, "init-scratch");
        let vif = |l: &str| csv::parse(l).unwrap().pop().unwrap().fields[5].parse::<f64>().unwrap();
        let (a, b, s) = (vif(&log_source), vif(&log_restart), vif(&log_scratch));
        assert!((a - b).abs() <= 1e-8 * a.abs(), "restart {b} vs the source's last {a}");
        assert!((a - s).abs() > 1e-8 * a.abs(), "a run from scratch validates as the source did ({s})");
        // Another model cannot start from it.
        restart.model.encoder.channels = 8;
        let dir = std::env::temp_dir().join(format!("coordsr-train-{}-init-other", std::process::id()));
        let err = train(&restart, &phantoms(), &dir, &Device::flex().autodiff(), false, None, |_| {}).unwrap_err();
        assert!(err.contains("same model"), "{err}");
        // Nor can a run that has not finished (here: stopped by --stop-at before its last step).
        let unfinished = std::env::temp_dir().join(format!("coordsr-train-{}-init-unfinished", std::process::id()));
        let _ = std::fs::remove_dir_all(&unfinished);
        let device = Device::flex().autodiff();
        train(&TrainConfig { init: None, ..c.clone() }, &phantoms(), &unfinished, &device, false, Some(1), |_| {}).unwrap();
        let from_unfinished = TrainConfig { init: Some(unfinished.clone()), ..c.clone() };
        let err = train(&from_unfinished, &phantoms(), &dir, &device, false, None, |_| {}).unwrap_err();
        assert!(err.contains("finished run") && err.contains(&format!("step 1 of {}", c.steps)), "{err}");
        // From an exported weights file: the run validates as the weights did (the source's best).
        let best_vif = read_json::<TrainState>(&RunDir(source.clone()).state()).unwrap().best_vif;
        let from_file = TrainConfig { init: Some(RunDir(source.clone()).best()), ..restart.clone() };
        let from_file = TrainConfig { model: c.model.clone(), ..from_file };
        let (_, log_file) = run(&from_file, "init-file");
        let f = vif(&log_file);
        // (The log keeps five decimals.)
        assert!((f - best_vif).abs() <= 5.1e-6, "restart from best.csrw {f} vs its validation {best_vif}");
        // Weights of another model are refused by name.
        let other = TrainConfig { model: restart.model.clone(), ..from_file };
        let err = train(&other, &phantoms(), &dir, &device, false, None, |_| {}).unwrap_err();
        assert!(err.contains("same model") && err.contains("best.csrw"), "{err}");
        // A path that is neither is named in the error.
        let missing = std::env::temp_dir().join(format!("coordsr-train-{}-no-such-run", std::process::id()));
        let err = train(&TrainConfig { init: Some(missing.clone()), ..c.clone() }, &phantoms(), &dir, &device, false, None, |_| {})
            .unwrap_err();
        assert!(err.contains(&missing.display().to_string()), "{err}");
    }

    #[test]
    fn bad_configs_are_refused() {
        let mut c = tiny(false);
        c.scale_min = 0.5;
        assert!(c.validate().is_err());
        let mut c = tiny(true);
        c.scale_max = 3.0;
        assert!(c.validate().is_err());
        let mut c = tiny(false);
        c.window = 40;
        assert!(c.validate().is_err());
        for lr in [0.0, -1e-4, f64::NAN, f64::INFINITY] {
            let mut c = tiny(false);
            c.learning_rate = lr;
            assert!(c.validate().unwrap_err().contains("learning rate"), "lr {lr} accepted");
        }
        assert!(tiny(false).validate().is_ok());
    }
}
