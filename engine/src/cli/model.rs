//! `--method` and `--weights`, shared by `upscale` and `render`: which reconstruction, and for the
//! learned ones which model (the built-in ones unless the user names a weights file).

use burn::tensor::Device;
use clap::ValueEnum;
use coordsr::methods::Trained;
use coordsr::weights;
use std::path::Path;

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum MethodArg {
    Coord,
    Conv,
    Bicubic,
    Zerofill,
    Nearest,
}

/// The model for `--method coord|conv`: `--weights` when given (checked to be that kind), else
/// the built-in default.
pub fn load_model(method: MethodArg, weights: Option<&Path>, dev: &Device) -> Result<Trained, String> {
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
pub fn weights_help() -> String {
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
