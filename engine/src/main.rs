//! `coordsr`: the command-line face of the engine. Backends are chosen here, at the edge.

use burn::tensor::Device;
use clap::{Parser, Subcommand, ValueEnum};
use coordsr::data::{default_data_root, DataSplit};
use coordsr::degrade::DegradationKind;
use coordsr::denoise::Denoiser;
use coordsr::eval::{self, EvalConfig};
use coordsr::geometry::Grid;
use coordsr::image::Image;
use coordsr::methods::{Method, Trained};
use coordsr::train::{self, Event, TrainConfig, TrainData};
use coordsr::volume::Volume;
use coordsr::study::{self, Export, StudyDef};
use coordsr::{bench, io, metrics, weights};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "coordsr", version, about = "Scale-agnostic MRI super-resolution with feature-based coordinate networks")]
struct Cli {
    /// Compute backend: flex (pure-Rust CPU) or wgpu (GPU through Vulkan/Metal/DX12; lavapipe on CPU).
    #[arg(long, global = true, value_enum, default_value_t = Backend::Flex)]
    backend: Backend,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Backend {
    Flex,
    Wgpu,
    /// The deprecated ndarray CPU backend, for comparison (build with --features ndarray).
    Ndarray,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum MethodArg {
    Coord,
    Conv,
    Bicubic,
    Zerofill,
    Nearest,
}

#[derive(Subcommand)]
enum Command {
    /// Train a coord or conv model on the data split (resumable).
    Train {
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
        /// Penalty of the denoising term: l2 (default; see engine/src/train.rs LdNorm) or l1.
        #[arg(long, default_value = "l2")]
        ld_norm: coordsr::train::LdNorm,
        /// Training scale range for coord, e.g. 1,2 (conv always trains at 2).
        #[arg(long, value_delimiter = ',', num_args = 2)]
        scales: Option<Vec<f64>>,
        #[arg(long)]
        steps: Option<usize>,
        #[arg(long)]
        batch: Option<usize>,
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
        /// Continue the run in --out where it stopped.
        #[arg(long)]
        resume: bool,
        /// End this session at this step, keeping the --steps schedule (continue later with --resume).
        #[arg(long)]
        stop_at: Option<usize>,
    },
    /// Evaluate bicubic, zero-fill and trained weights on the test (and out-of-distribution) scans.
    Eval {
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
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Super-resolve a scan (2D or slice by slice 3D) and write NIfTI with the affine updated.
    Upscale {
        input: PathBuf,
        /// Scale, or SX,SY.
        #[arg(long, value_delimiter = ',', num_args = 1..=2)]
        scale: Vec<f64>,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, value_enum, default_value_t = MethodArg::Coord)]
        method: MethodArg,
        /// Weights for coord/conv (.csrw); the built-in models by default.
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Keep the stored grid even where the DICOM says it was interpolated from a smaller acquisition.
        #[arg(long)]
        no_acquisition_crop: bool,
    },
    /// Simulate a lower-resolution acquisition of a scan (k-space truncation by default).
    Degrade {
        input: PathBuf,
        /// Scale, or SX,SY.
        #[arg(long, value_delimiter = ',', num_args = 1..=2)]
        scale: Vec<f64>,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, default_value = "kspace")]
        degradation: DegradationKind,
        #[arg(long)]
        no_acquisition_crop: bool,
    },
    /// Render one viewer view of a slice as the web viewer does (float32 .npy or .png): the
    /// native reference the browser tests compare against.
    Render {
        input: PathBuf,
        #[arg(long, default_value_t = 0)]
        slice: usize,
        #[arg(long, value_enum, default_value_t = MethodArg::Coord)]
        method: MethodArg,
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
    },
    /// PSNR, SSIM and VIF of DIST against REF, as one JSON object.
    Metrics {
        reference: PathBuf,
        distorted: PathBuf,
        #[arg(long)]
        data_range: Option<f64>,
    },
    /// Re-encode weights for the web (f16 if it stays within 1e-3 of f32) and write a JSON sidecar.
    Export {
        weights: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long)]
        f16: bool,
        /// A `coordsr eval` results.csv: this model's rows go into the sidecar as its test metrics.
        #[arg(long)]
        results: Option<PathBuf>,
    },
    /// Decoder and encoder throughput on this machine, written as a Markdown report.
    Bench {
        #[arg(long)]
        weights: PathBuf,
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, default_value_t = 3)]
        repeats: usize,
    },
    /// Blinded reader studies (coord vs conv side by side): analyse the readers' answers.
    Study {
        #[command(subcommand)]
        command: StudyCommand,
    },
}

#[derive(Subcommand)]
enum StudyCommand {
    /// Print the Markdown summary (mean ± SD, Wilcoxon p, weighted κ per question) of reader
    /// exports, JSON or CSV, one file per reader.
    Summarize {
        /// Answer exports (.json or .csv) as the web app saves them, one per reader.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The study definition: answers are checked against it, and questions take its order and prompts.
        #[arg(long)]
        study: Option<PathBuf>,
        /// Also write the summary as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Decoder {
    Coord,
    Conv,
}

fn device(backend: Backend) -> Result<Device, String> {
    match backend {
        Backend::Flex => Ok(Device::flex()),
        Backend::Ndarray => {
            #[cfg(feature = "ndarray")]
            {
                #[allow(deprecated)]
                Ok(Device::ndarray())
            }
            #[cfg(not(feature = "ndarray"))]
            {
                Err("this build has no ndarray backend (build with --features ndarray)".into())
            }
        }
        Backend::Wgpu => {
            #[cfg(feature = "wgpu")]
            {
                Device::wgpu_options().init().map_err(|e| format!("no usable wgpu adapter: {e}"))
            }
            #[cfg(not(feature = "wgpu"))]
            {
                Err("this build has no wgpu backend (build with --features wgpu)".into())
            }
        }
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {elapsed_precise} eta {eta} {prefix}")
            .unwrap()
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

fn read_image(path: &Path) -> Result<Image, String> {
    let v = io::read_volume(path).map_err(|e| e.to_string())?;
    if v.depth() != 1 {
        return Err(format!("{}: expected a 2D image, found {} slices", path.display(), v.depth()));
    }
    Ok(v.slices.into_iter().next().unwrap())
}

fn parse_scale(scale: &[f64]) -> Result<(f64, f64), String> {
    let (sx, sy) = (scale[0], *scale.get(1).unwrap_or(&scale[0]));
    if !(sx.is_finite() && sy.is_finite() && (1.0..=16.0).contains(&sx) && (1.0..=16.0).contains(&sy)) {
        return Err(format!("--scale must be between 1 and 16 per axis, got {sx},{sy}"));
    }
    Ok((sx, sy))
}

fn read_for_processing(input: &Path, no_acquisition_crop: bool) -> Result<Volume, String> {
    let opts = io::ReadOptions { crop_to_acquisition: !no_acquisition_crop };
    let loaded = io::read_volume_with(input, &opts).map_err(|e| e.to_string())?;
    for n in &loaded.notes {
        eprintln!("{}: {n}", input.display());
    }
    Ok(loaded.volume)
}

/// Write by extension: NIfTI (.nii, .nii.gz) for volumes; PNG or NPY for a single slice.
fn write_output(path: &Path, volume: &Volume) -> Result<(), String> {
    let name = path.to_string_lossy().to_lowercase();
    let single = || {
        if volume.depth() == 1 {
            Ok(&volume.slices[0])
        } else {
            Err(format!("{}: PNG and NPY hold one slice; this volume has {} (write .nii.gz)", path.display(), volume.depth()))
        }
    };
    if name.ends_with(".png") {
        io::write_png(path, single()?, None).map_err(|e| e.to_string())
    } else if name.ends_with(".npy") {
        io::write_npy(path, single()?).map_err(|e| e.to_string())
    } else if name.ends_with(".nii") || name.ends_with(".nii.gz") {
        io::write_nifti(path, volume).map_err(|e| e.to_string())
    } else {
        Err(format!("{}: unknown output format (use .nii, .nii.gz, .png or .npy)", path.display()))
    }
}

/// The model for `--method coord|conv`: `--weights` when given (checked to be that kind), else
/// the built-in default.
fn load_model(method: MethodArg, weights: Option<&Path>, dev: &Device) -> Result<Trained, String> {
    let want = if method == MethodArg::Coord { "coord" } else { "conv" };
    let t = match weights {
        Some(p) => Trained::load(p, dev)?,
        None => return Trained::bundled(want, dev),
    };
    if t.method() != want {
        return Err(format!("{}: these are {} weights, not {want}", t.source, t.method()));
    }
    Ok(t)
}

/// `--weights` help that names the built-in defaults with their facts, read from the weights
/// files' own headers (so the text cannot drift from the models).
fn weights_help() -> String {
    let facts = |m: &str| {
        coordsr::methods::bundled::bytes(m)
            .and_then(|b| weights::parse(b).ok())
            .map(|(h, _)| h.facts())
            .unwrap_or_else(|| format!("built-in {m} weights unreadable"))
    };
    format!(
        "Weights for coord/conv (.csrw). Default: the built-in models (static/weights/). coord: {}. conv: {}",
        facts("coord"),
        facts("conv")
    )
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Train {
            decoder, out, lambda, denoiser, sigma, ld_norm, scales, steps, batch, channels, blocks, hidden, val_every, patience,
            train_slices, val_slices, seed, data, resume, stop_at,
        } => {
            let mut c = match decoder {
                Decoder::Coord => TrainConfig::coord_default(),
                Decoder::Conv => TrainConfig::conv_default(),
            };
            if let Some(l) = lambda { c.lambda = l; }
            c.denoiser = Denoiser::parse(&denoiser, sigma)?;
            c.ld_norm = ld_norm;
            if let Some(s) = scales {
                if decoder == Decoder::Conv && (s[0] != 2.0 || s[1] != 2.0) {
                    return Err("--scales: the conv decoder trains at 2 only".into());
                }
                (c.scale_min, c.scale_max) = (s[0], s[1]);
                c.val_scales = if s[0] == s[1] { vec![s[0]] } else { vec![(s[0] + s[1]) / 2.0, s[1]] };
            }
            if let coordsr::model::DecoderConfig::Coord(d) = &mut c.model.decoder {
                d.max_train_scale = c.scale_max as f32;
                if let Some(h) = hidden { d.hidden = h; }
            }
            if let Some(v) = steps { c.steps = v; }
            if let Some(v) = batch { c.batch = v; }
            if let Some(v) = channels { c.model.encoder.channels = v; }
            if let Some(v) = blocks { c.model.encoder.blocks = v; }
            if let Some(v) = val_every { c.val_every = v; }
            if let Some(v) = patience { c.patience = v; }
            if let Some(v) = train_slices { c.train_slices = v; }
            if let Some(v) = val_slices { c.val_slices = v; }
            c.seed = seed;
            c.validate()?;
            let root = data.unwrap_or_else(default_data_root);
            eprintln!("{}", c.split.describe());
            let td = TrainData::load(&root, &c)?;
            let dev = device(cli.backend)?.autodiff();
            let pb = bar(c.steps as u64, "train");
            let state = train::train(&c, &td, &out, &dev, resume, stop_at, |e| match e {
                Event::Loaded { train_slices, val_slices } => {
                    pb.println(format!("{train_slices} training slices, {val_slices} validation slices"))
                }
                Event::Step { step, loss, .. } => {
                    pb.set_position(step as u64);
                    pb.set_prefix(format!("loss {loss:.4}"));
                }
                Event::Validated(row, improved) => pb.println(format!(
                    "step {:>6}  loss {:.4}  val VIF {:.4}  PSNR {:.2}{}",
                    row.step, row.loss, row.val_vif, row.val_psnr, if improved { "  (best)" } else { "" }
                )),
            })?;
            pb.finish_and_clear();
            train::write_curve(&out)?;
            eprintln!(
                "done at step {} ({}); best validation VIF {:.4} at step {}; weights {}",
                state.step,
                if state.stopped_early { "early stop" } else { "step budget" },
                state.best_vif,
                state.best_step,
                train::RunDir(out.clone()).best().display()
            );
            Ok(())
        }
        Command::Eval { weights, out, scales, slices, no_ood, degradation, data } => {
            let dev = device(cli.backend)?;
            let models = weights.iter().map(|p| Trained::load(p, &dev)).collect::<Result<Vec<_>, _>>()?;
            let config = EvalConfig {
                data_root: data.unwrap_or_else(default_data_root),
                split: DataSplit::default(),
                scales,
                slices,
                degradation,
                ood: !no_ood,
            };
            eprintln!("{}", config.split.describe());
            let datasets = eval::load_datasets(&config)?;
            let per_ds = config.scales.len() * (2 + models.len());
            let pb = bar((datasets.len() * per_ds) as u64, "eval");
            let rows = eval::evaluate(&config, &datasets, &models, &dev, |what| {
                pb.inc(1);
                pb.set_prefix(what.to_string());
            })?;
            pb.finish_and_clear();
            let fig = datasets.first().and_then(|d| d.slices.get(d.slices.len() / 2)).map(|hr| eval::figure(hr, &models, &dev));
            eval::write_outputs(&out, &rows, &config, fig)?;
            print!("{}", eval::to_markdown(&rows, &config));
            Ok(())
        }
        Command::Upscale { input, scale, output, method, weights, no_acquisition_crop } => {
            let (sx, sy) = parse_scale(&scale)?;
            let vol = read_for_processing(&input, no_acquisition_crop)?;
            let dev = device(cli.backend)?;
            let trained = match method {
                MethodArg::Coord | MethodArg::Conv => Some(load_model(method, weights.as_deref(), &dev)?),
                _ => None,
            };
            let m = match (method, &trained) {
                (MethodArg::Bicubic, _) => Method::Bicubic,
                (MethodArg::Zerofill, _) => Method::Zerofill,
                (MethodArg::Nearest, _) => Method::Nearest,
                (_, Some(t)) => Method::Model(t),
                _ => unreachable!("weights loaded above"),
            };
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
            write_output(&output, &outv)?;
            eprintln!("wrote {} ({}×{}×{}, {})", output.display(), outv.width, outv.height, outv.depth(), m.name());
            Ok(())
        }
        Command::Degrade { input, scale, output, degradation, no_acquisition_crop } => {
            let (sx, sy) = parse_scale(&scale)?;
            let vol = read_for_processing(&input, no_acquisition_crop)?;
            let deg = coordsr::degrade::Degradation { kind: degradation, scale_x: sx, scale_y: sy };
            let grid = deg.grid(vol.width, vol.height);
            let slices: Vec<Image> = vol.slices.iter().map(|s| deg.apply(s).0).collect();
            // The low-res grid covers the same field of view: spacing grows, origin stays.
            let mut affine = vol.affine;
            for row in affine.iter_mut().take(3) {
                row[0] *= grid.x.scale();
                row[1] *= grid.y.scale();
            }
            let outv = Volume {
                width: grid.x.lr,
                height: grid.y.lr,
                slices,
                spacing: [vol.spacing[0] * grid.x.scale(), vol.spacing[1] * grid.y.scale(), vol.spacing[2]],
                affine,
            };
            write_output(&output, &outv)?;
            eprintln!("wrote {} ({}×{}×{})", output.display(), outv.width, outv.height, outv.depth());
            Ok(())
        }
        Command::Render { input, slice, method, weights, width, height, center, zoom, output } => {
            if center.len() != 2 {
                return Err("--center takes X,Y".into());
            }
            if !(zoom.is_finite() && zoom > 0.0) || width == 0 || height == 0 || width * height > 64 << 20 {
                return Err("--zoom must be positive and the viewport between 1 and 64 Mpixels".into());
            }
            let vol = read_for_processing(&input, false)?;
            let s = vol.slices.get(slice).ok_or_else(|| format!("{}: no slice {slice} (it has {})", input.display(), vol.depth()))?;
            let view = coordsr::view::View { width, height, center: [center[0], center[1]], zoom };
            let dev = device(cli.backend)?;
            let img = match method {
                MethodArg::Coord | MethodArg::Conv => load_model(method, weights.as_deref(), &dev)?.model.render_view(s, &view, &dev),
                MethodArg::Bicubic => view.bicubic(s),
                MethodArg::Nearest => view.nearest(s),
                MethodArg::Zerofill => return Err("zero-fill is global: use `upscale --method zerofill`".into()),
            };
            write_output(&output, &Volume::from_image(img, [1.0, 1.0]))
        }
        Command::Metrics { reference, distorted, data_range } => {
            let r = read_image(&reference)?;
            let d = read_image(&distorted)?;
            let m = metrics::evaluate(&r, &d, data_range).map_err(|e| format!("{}: {e}", distorted.display()))?;
            println!("{}", serde_json::to_string(&m).unwrap());
            Ok(())
        }
        Command::Export { weights: path, output, f16, results } => {
            let dev = Device::flex();
            let t = Trained::load(&path, &dev)?;
            let (bytes, max_err, precision) = weights::export(&t.model, &t.header, f16, &dev);
            let test_metrics = match &results {
                Some(csv) => {
                    let text = std::fs::read_to_string(csv).map_err(|e| format!("{}: {e}", csv.display()))?;
                    let rows = coordsr::eval::read_csv(&text).map_err(|e| format!("{}: {e}", csv.display()))?;
                    let mine: Vec<_> = rows
                        .into_iter()
                        .filter(|r| r.method == t.method() && r.lambda == coordsr::methods::fmt_num(t.lambda()) && r.train_scales == t.train_scales())
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
            std::fs::write(&sidecar, serde_json::to_vec_pretty(&info).unwrap()).map_err(|e| format!("{}: {e}", sidecar.display()))?;
            eprintln!("wrote {} ({} bytes, max |f16 − f32| {max_err:.2e}) and {}", output.display(), bytes.len(), sidecar.display());
            Ok(())
        }
        Command::Bench { weights: path, output, repeats } => {
            let dev = device(cli.backend)?;
            let t = Trained::load(&path, &dev)?;
            let backend = match cli.backend {
                Backend::Flex => "flex (CPU)",
                Backend::Ndarray => "ndarray (CPU)",
                Backend::Wgpu => "wgpu",
            };
            let report = bench::run(&t, &dev, backend, repeats);
            print!("{report}");
            if let Some(o) = output {
                std::fs::write(&o, report).map_err(|e| format!("{}: {e}", o.display()))?;
            }
            Ok(())
        }
        Command::Study { command: StudyCommand::Summarize { files, study: study_file, json } } => {
            let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
            let def = match &study_file {
                Some(p) => Some(StudyDef::parse(&p.display().to_string(), &read(p)?)?),
                None => None,
            };
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            let exports = files.iter().zip(&names).map(|(p, name)| Export::parse(name, &read(p)?)).collect::<Result<Vec<_>, _>>()?;
            let named: Vec<(&str, &Export)> = names.iter().map(String::as_str).zip(&exports).collect();
            study::check_set(&named, def.as_ref())?;
            let summary = study::summarize(def.as_ref(), &exports)?;
            print!("{}", summary.to_markdown());
            if let Some(o) = json {
                std::fs::write(&o, summary.to_json()).map_err(|e| format!("{}: {e}", o.display()))?;
                eprintln!("wrote {}", o.display());
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let help = weights_help();
    let cmd = Cli::command()
        .mut_subcommand("upscale", |c| c.mut_arg("weights", |a| a.help(help.clone())))
        .mut_subcommand("render", |c| c.mut_arg("weights", |a| a.help(help.clone())));
    let cli = match Cli::from_arg_matches(&cmd.get_matches()) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coordsr: {e}");
            ExitCode::FAILURE
        }
    }
}
