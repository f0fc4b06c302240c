//! `--method` and `--weights`, shared by `upscale` and `render`: which reconstruction, and for the
//! learned ones which model (the built-in ones unless the user names a weights file).

use burn::tensor::Device;
use coordsr::methods::{Method, Reconstruction, Trained};
use coordsr::weights;
use std::path::Path;

/// The model for `--method coord|conv` (`None` for the classical methods): `--weights` when
/// given, else the built-in default; checked to be that kind by [`Reconstruction::of`].
pub fn load_model(method: Method, weights: Option<&Path>, dev: &Device) -> Result<Option<Trained>, String> {
    if !method.is_model() {
        return Ok(None);
    }
    let t = match weights {
        Some(p) => Trained::load(p, dev)?,
        None => Trained::bundled(method.key(), dev)?,
    };
    Reconstruction::of(method, Some(&t))?;
    Ok(Some(t))
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
