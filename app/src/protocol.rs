//! What the page and its decoding workers say to each other ([`crate::pool`] on the page,
//! [`crate::worker`] in each worker).
//!
//! A message is a JS object `{ head, data }`: `head` a JSON string ([`ToWorker`], [`FromWorker`]),
//! `data` an optional typed array, transferred (moved, not copied) where it is large. JSON, not
//! `serde-wasm-bindgen`: reading a small internally tagged enum through the latter took 40–70 ms
//! in a worker here (measured), serde_json takes microseconds.

use coordsr::metrics::Metrics;
use coordsr::tiles::Block;
use coordsr::view::View;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};


/// The models the page sends each worker, in this order, by the names jobs use: the in-plane
/// coord model, conv, and the through-plane coord model (reformats across thick slices:
/// [`coordsr::through_plane::coord_model_for`]).
pub const MODELS: [&str; 3] = ["coord", "conv", "coord-through"];

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToWorker {
    /// The weights files (`data`: a JS array `[coord, conv]`, each a Uint8Array or null).
    /// The weights files in the order of [`MODELS`] (a missing one is null).
    Models,
    /// A slice's samples (`data`: Float32Array, row-major), cut into blocks of side `block`,
    /// kept with its encoded blocks until [`coordsr::tiles::BlockCache::KEEP_SLICES`] newer
    /// slices arrived.
    Slice { key: String, width: usize, height: usize, block: usize },
    /// Part `part` of `parts` of the display pixels of `view` in `block` of slice `key`
    /// ([`coordsr::tiles::Tiling::pixels_part`]), decoded with `model`: the worker replies with
    /// their indices and values.
    View { id: u32, key: String, model: String, block: Block, view: View, part: usize, parts: usize },
    /// Block `block` of slice `key` at the slice coordinates in `data` (Float32Array of x, y
    /// pairs), output pixels of `cell`: the worker replies with their values.
    Sample { id: u32, key: String, model: String, block: Block, cell: [f32; 2] },
    /// Read the files in `data` (a JS array of Uint8Array, one per name) as one scan
    /// ([`crate::scan::load`]): the worker replies with a [`FromWorker::Scan`].
    Read { id: u32, names: Vec<String> },
    /// Degrade the `width × height` slice in `data` by `factor` (the engine's k-space
    /// `Degradation`): the worker replies with the low-res samples.
    Degrade { id: u32, width: usize, height: usize, factor: f64 },
    /// Score the second `width × height` image in `data` (a JS array of two Float32Array)
    /// against the first: the worker replies with a [`FromWorker::Scored`].
    Score { id: u32, width: usize, height: usize },
    /// Data consistency ([`coordsr::kspace::data_consistency`]): the first image in `data` (a JS
    /// array of two Float32Array), a `width × height` reconstruction, with its measured band
    /// replaced by that of the second, the `lr_width × lr_height` input: the worker replies with
    /// the values.
    Consistent { id: u32, width: usize, height: usize, lr_width: usize, lr_height: usize },
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromWorker {
    /// Started and listening, computing on `device` ("CPU", "WebGPU").
    Ready { device: String },
    /// Cannot work here (WebGPU failed to start or its check failed): why, in words.
    Unusable { message: String },
    /// The models are loaded; what failed, per model, in words.
    Models { errors: Vec<String> },
    /// A job's values (`data`: Float32Array) and, for [`ToWorker::View`], their pixel indices
    /// (`index`: Uint32Array).
    Values { id: u32 },
    /// A scan read (`data`: its voxels, slice after slice).
    Scan { id: u32, name: String, width: usize, height: usize, depth: usize, spacing: [f64; 3], affine: [[f64; 4]; 4], notes: Vec<String> },
    Scored { id: u32, metrics: Metrics },
    Failed { id: u32, message: String },
}

impl FromWorker {
    /// The job a reply answers.
    pub fn id(&self) -> Option<u32> {
        match self {
            FromWorker::Values { id } | FromWorker::Scan { id, .. } | FromWorker::Scored { id, .. } | FromWorker::Failed { id, .. } => Some(*id),
            FromWorker::Ready { .. } | FromWorker::Unusable { .. } | FromWorker::Models { .. } => None,
        }
    }
}

/// Build a message; `index` only for [`FromWorker::Values`] of a view.
pub fn message(head: &impl Serialize, data: Option<&JsValue>, index: Option<&JsValue>) -> Result<JsValue, String> {
    let o = js_sys::Object::new();
    let head = JsValue::from_str(&serde_json::to_string(head).map_err(|e| e.to_string())?);
    js_sys::Reflect::set(&o, &"head".into(), &head).map_err(|e| format!("{e:?}"))?;
    for (k, v) in [("data", data), ("index", index)] {
        if let Some(v) = v {
            js_sys::Reflect::set(&o, &k.into(), v).map_err(|e| format!("{e:?}"))?;
        }
    }
    Ok(o.into())
}

/// The pixel indices of a [`FromWorker::Values`] reply to a view.
pub fn index(msg: &JsValue) -> Option<Vec<u32>> {
    js_sys::Reflect::get(msg, &"index".into()).ok()?.dyn_ref::<js_sys::Uint32Array>().map(|a| a.to_vec())
}

/// Read a message: its head and its data (undefined when there is none).
pub fn read<T: DeserializeOwned>(msg: &JsValue) -> Result<(T, JsValue), String> {
    let head = js_sys::Reflect::get(msg, &"head".into()).ok().and_then(|h| h.as_string()).ok_or("a message without a head")?;
    let head = serde_json::from_str(&head).map_err(|e| format!("a malformed message: {e}"))?;
    let data = js_sys::Reflect::get(msg, &"data".into()).unwrap_or(JsValue::UNDEFINED);
    Ok((head, data))
}

/// The data of a message as f32s.
pub fn floats(data: &JsValue) -> Result<Vec<f32>, String> {
    data.dyn_ref::<js_sys::Float32Array>().map(|a| a.to_vec()).ok_or_else(|| "a message without its samples".to_string())
}

/// Pairs of f32s as coordinates.
pub fn coords(flat: &[f32]) -> Vec<[f32; 2]> {
    flat.chunks_exact(2).map(|p| [p[0], p[1]]).collect()
}
