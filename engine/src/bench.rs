//! `coordsr bench`: decoder and encoder throughput, reported with the work done (MACs) so that
//! GFLOP/s can be compared across machines and backends.

use crate::geometry::Grid;
use crate::methods::Trained;
use crate::model::{ConvDecoder, DecoderConfig};
use crate::phantom::shepp_logan;
use burn::tensor::Device;
use std::fmt::Write as _;
use std::time::Instant;

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cpu}, {cores} cores available")
}

/// Median of `repeats` timings of `f` (after one warm-up run), in seconds.
fn time(repeats: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[t.len() / 2]
}

/// The encoder and decoder rows: (low-res side, scale), the output `side · scale` square. The
/// third is the viewer's large case: a 512² slice encoded, a 1024² view (1,048,576 queries).
pub const SIZES: [(usize, usize); 3] = [(256, 2), (128, 4), (512, 2)];

/// The report; `through_plane` adds [`through_plane_row`] (minutes on a CPU).
pub fn run(t: &Trained, device: &Device, backend: &str, repeats: usize, through_plane: bool) -> String {
    let cfg = &t.header.config;
    let c = cfg.encoder.channels;
    let mut out = String::new();
    let _ = writeln!(out, "# coordsr bench\n");
    let _ = writeln!(out, "- weights: {} ({})", t.source, t.label());
    let _ = writeln!(out, "- backend: {backend}; machine: {}", machine());
    let _ = writeln!(out, "- model: encoder {} ch × {} blocks; decoder {:?}", c, cfg.encoder.blocks, cfg.decoder);
    let _ = writeln!(out, "- median of {repeats} runs after a warm-up; inputs are a phantom\n");
    let _ = writeln!(out, "| what | input | output | time (s) | throughput | MACs | GFLOP/s |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (n, scale) in SIZES {
        let side = n * scale;
        let lr = shepp_logan(n, n);
        // Encoding a coord model includes the latent-side half of the decoder's first layer.
        let prepare_macs = match &cfg.decoder {
            DecoderConfig::Coord(d) => d.macs_per_latent(c),
            DecoderConfig::Conv => 0,
        };
        let enc_macs = (cfg.encoder.macs_per_pixel() + prepare_macs) * (n * n) as u64;
        let encoder_row = |out: &mut String, what: &str, secs: f64| {
            let _ = writeln!(
                out,
                "| {what} | {n}² | latents | {secs:.3} | {:.1} slices/s | {:.2e} | {:.1} |",
                1.0 / secs,
                enc_macs as f64,
                2.0 * enc_macs as f64 / secs / 1e9
            );
        };
        let secs = time(repeats, || {
            let _ = t.model.encode(&lr, device).unit;
        });
        encoder_row(&mut out, "encoder", secs);
        // The same encoding through burn's ops (the GPU tiers' path), in the same run: what the
        // host kernel ([`crate::model::HostEncoder`]) gains on a CPU.
        if let (Some(dec), true) = (&t.model.coord, crate::infer::is_cpu(device)) {
            let unit = crate::infer::intensity_unit(&lr);
            let input = burn::tensor::Tensor::<4>::from_data(burn::tensor::TensorData::new(crate::infer::normalise(&lr, unit).data, [1, 1, n, n]), device);
            let secs = time(repeats, || {
                let _ = dec.prepare(t.model.encoder.forward(input.clone())).into_data();
            });
            encoder_row(&mut out, "encoder, burn ops", secs);
        }
        let grid = Grid::upscaled(n, n, scale as f64, scale as f64);
        match &cfg.decoder {
            DecoderConfig::Coord(d) => {
                let enc = t.model.encode(&lr, device);
                let dec = t.model.coord.as_ref().expect("coord model");
                let coords = grid.hr_coords();
                let q = coords.len();
                let mut row = |what: &str, per: u64, secs: f64| {
                    let _ = writeln!(
                        out,
                        "| coord decoder {scale}×{what} | {n}² | {side}² | {secs:.3} | {:.0} queries/s | {per} per query | {:.1} |",
                        q as f64 / secs,
                        2.0 * (per * q as u64) as f64 / secs / 1e9
                    );
                };
                let decode = |e: &crate::infer::Encoded| {
                    time(repeats, || {
                        let _ = t.model.decode_coords(e, &coords, grid.cell(), crate::infer::DEFAULT_CHUNK);
                    })
                };
                row("", d.macs_per_query(), decode(&enc));
                // The latents once, for the two comparison rows below.
                let latents = t.model.encoder.forward(crate::infer::normalised_input(&enc, device));
                // The same queries through burn's ops on the same device (what the GPU tiers run),
                // in the same run: what the fused host kernel gains on this machine.
                if crate::infer::is_cpu(device) {
                    let rows = crate::infer::Rows::Device(dec.prepare(latents.clone()));
                    let on_device = crate::infer::Encoded { rows: Some(rows), conv_out: None, lr_norm: enc.lr_norm.clone(), ..enc };
                    row(", burn ops", d.macs_per_query(), decode(&on_device));
                }
                // The way LIIF writes them (unfold, whole MLP per neighbour), burn's ops: what
                // splitting the first layer gains.
                let unfolded = crate::model::CoordDecoder::unfold(latents);
                let secs = time(repeats, || {
                    for part in coords.chunks(crate::infer::DEFAULT_CHUNK) {
                        let plan = crate::model::QueryPlan::build(part, &vec![0; part.len()], n, n, &[dec.clip_cell(grid.cell())]);
                        let _ = dec.query_unfolded(unfolded.clone(), &plan).into_data();
                    }
                });
                row(", unsplit reference", d.macs_per_query_unsplit(c), secs);
            }
            DecoderConfig::Conv if scale == 2 => {
                let macs = ConvDecoder::macs_per_lr_pixel(c) * (n * n) as u64 + enc_macs;
                let secs = time(repeats, || {
                    let _ = t.model.upscale(&lr, &grid, device);
                });
                let _ = writeln!(
                    out,
                    "| conv encoder+decoder 2× | {n}² | {side}² | {secs:.3} | {:.0} pixels/s | {:.2e} | {:.1} |",
                    (side * side) as f64 / secs,
                    macs as f64,
                    2.0 * macs as f64 / secs / 1e9
                );
            }
            DecoderConfig::Conv => {}
        }
    }
    if through_plane && t.model.is_coord() {
        out += &through_plane_row(t, device);
    }
    out
}

/// The through-plane benchmark: a 256×256×60 volume of 3 mm slices (1 mm pixels) taken to 1 mm
/// slices (256×256×180), every coronal and sagittal plane encoded and decoded, one timed run after
/// a warm-up of one plane (minutes on a CPU; repeats would add nothing but time). The encoder's
/// share is measured separately on the same planes.
pub fn through_plane_row(t: &Trained, device: &Device) -> String {
    use crate::through_plane::{self, PlaneMethod};
    use crate::volume::{Plane, Volume};
    let (n, depth) = (256, 60);
    let base = shepp_logan(n, n);
    let slices = (0..depth).map(|k| base.map(|v| v * (0.7 + 0.3 * (k as f32 * 0.1).sin()))).collect();
    let mut affine = [[0.0; 4]; 4];
    (affine[0][0], affine[1][1], affine[2][2], affine[3][3]) = (1.0, 1.0, 3.0, 1.0);
    let vol = Volume::new(slices, [1.0, 1.0, 3.0], affine);
    let axis = through_plane::target_axis(&vol, Some(1.0)).expect("a valid phantom volume");
    let method = PlaneMethod::Model(&t.model);
    let _ = method.upsample(&vol.plane(Plane { fixed: 1, index: n / 2 }), &axis, device);
    let start = Instant::now();
    let out = through_plane::upscale(&vol, &axis, method, device, |_, _| {});
    let total = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for fixed in [1, 0] {
        for index in 0..n {
            let _ = t.model.encode(&vol.plane(Plane { fixed, index }), device).unit;
        }
    }
    let encode = start.elapsed().as_secs_f64();
    let queries = 2 * n * n * out.depth();
    format!(
        "\n| through-plane | {n}×{n}×{depth}, 3 mm slices | {n}×{n}×{}, 1 mm | {total:.1} | encoder {encode:.1} s ({:.0} %), the rest decoding {queries} queries and combining | | |\n",
        out.depth(),
        100.0 * encode / total
    )
}
