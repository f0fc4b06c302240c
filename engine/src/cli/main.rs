//! `coordsr`: the command-line face of the engine. Backends are chosen here, at the edge.
//!
//! One module per subcommand, each a clap `Args` struct that turns into the engine's own config
//! and runs it; this file only parses, names the backend and dispatches.

mod bench;
mod degrade;
mod eval;
mod export;
mod metrics;
mod model;
mod render;
mod scan;
mod study;
mod train;
mod upscale;

use burn::tensor::Device;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "coordsr",
    version,
    about = "Scale-agnostic MRI super-resolution with feature-based coordinate networks"
)]
struct Cli {
    /// Compute backend: flex (pure-Rust CPU), wgpu (GPU through Vulkan/Metal/DX12; lavapipe on CPU)
    /// or tch (LibTorch on the CPU; build with --features tch, see scripts/torch-env.sh).
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
    /// LibTorch's CPU kernels under burn's autodiff (build with --features tch): training
    /// 2.2–2.5× faster than flex (BENCHMARKS.md). Optional: LibTorch comes from PyPI's `torch` wheel.
    Tch,
}

impl Backend {
    /// The device, made by a subcommand only when it is about to compute: mistakes in the
    /// arguments are reported first, and a subcommand that computes nothing never starts a GPU.
    fn device(self) -> Result<Device, String> {
        match self {
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
            Backend::Tch => {
                #[cfg(feature = "tch")]
                {
                    Ok(Device::libtorch())
                }
                #[cfg(not(feature = "tch"))]
                {
                    Err("this build has no LibTorch backend (build with --features tch: scripts/torch-env.sh)".into())
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
}

#[derive(Subcommand)]
enum Command {
    /// Train a coord or conv model on the data split (resumable).
    Train(train::Args),
    /// Evaluate bicubic, zero-fill and trained weights on the test (and out-of-distribution) scans.
    Eval(eval::Args),
    /// Super-resolve a scan (2D or slice by slice 3D) and write NIfTI with the affine updated.
    Upscale(upscale::Args),
    /// Simulate a lower-resolution acquisition of a scan (k-space truncation by default).
    Degrade(degrade::Args),
    /// Render one viewer view of a slice as the web viewer does (float32 .npy or .png): the
    /// native reference the browser tests compare against.
    Render(render::Args),
    /// PSNR, SSIM and VIF of DIST against REF, as one JSON object.
    Metrics(metrics::Args),
    /// Re-encode weights for the web (f16 if it stays within 1e-3 of f32) and write a JSON sidecar.
    Export(export::Args),
    /// Decoder and encoder throughput on this machine, written as a Markdown report.
    Bench(bench::Args),
    /// Blinded reader studies (coord vs conv side by side): analyse the readers' answers.
    Study(study::Args),
}

/// A progress bar on stderr, so that stdout carries only the results.
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

fn run(cli: Cli) -> Result<(), String> {
    let backend = cli.backend;
    match cli.command {
        Command::Train(args) => args.run(backend),
        Command::Eval(args) => args.run(backend),
        Command::Upscale(args) => args.run(backend),
        Command::Degrade(args) => args.run(),
        Command::Render(args) => args.run(backend),
        Command::Metrics(args) => args.run(),
        Command::Export(args) => args.run(),
        Command::Bench(args) => args.run(backend),
        Command::Study(args) => args.run(),
    }
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let help = model::weights_help();
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
