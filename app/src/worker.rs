//! A decoding worker: a Web Worker running its own single-threaded instance of this wasm
//! (`static/worker.js` loads it and calls [`worker_start`]). Rust wasm threads need a nightly
//! toolchain; separate instances need nothing, not even cross-origin isolation.
//!
//! The page's [`crate::pool`] sends it the models once, each slice once, then jobs for blocks,
//! and work that would hold the page: reading dropped files, the simulation's degradation and
//! scores.
//! It encodes blocks (cached, most recently used kept) and samples them with the engine's own
//! functions ([`coordsr::tiles`]): on burn's CPU backend (the same code the CLI runs) in the
//! page's module, on WebGPU in the `coordsr-gpu` module (this file built with the `webgpu`
//! feature: the WebGPU tier is one such worker, so its read-backs never wait on the page thread).

use crate::protocol::{self, FromWorker, ToWorker};
use burn::tensor::Device;
use coordsr::degrade::Degradation;
use coordsr::image::Image;
use coordsr::kspace;
use coordsr::metrics;
use coordsr::infer::Encoded;
use coordsr::model::SrModel;
use coordsr::tiles::{Block, BlockCache, Blocks};
use futures::channel::mpsc;
use futures::StreamExt;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

struct State {
    device: Device,
    /// In the order of [`protocol::MODELS`].
    models: [Option<SrModel>; 3],
    cache: BlockCache,
}

/// The device this module computes on: burn's CPU backend.
#[cfg(not(feature = "webgpu"))]
async fn device() -> Result<(Device, String), String> {
    Ok((Device::flex(), "CPU".into()))
}

/// The device this module computes on: WebGPU, checked end to end (compile, run, read back) by
/// a small decode through the same path the viewer uses, so a tier that cannot work is found
/// at start-up, not on the first view.
#[cfg(feature = "webgpu")]
async fn device() -> Result<(Device, String), String> {
    use coordsr::geometry::Grid;
    use coordsr::model::ModelConfig;
    let device = Device::wgpu_options().init_async().await.map_err(|e| format!("WebGPU failed to start: {e}"))?;
    let mut config = ModelConfig::coord();
    config.encoder.channels = 4;
    config.encoder.blocks = 1;
    let model = config.init(&device);
    let lr = Image::from_fn(8, 8, |x, y| (x + y) as f32);
    let enc = model.encode(&lr, &device);
    let grid = Grid::upscaled(8, 8, 2.0, 2.0);
    match model.query_chunk(&enc, &grid.hr_coords()[..16], grid.cell()).into_values_async().await {
        Ok(v) if v.len() == 16 => Ok((device, "WebGPU".into())),
        Ok(_) => Err("WebGPU returned a wrong result size".into()),
        Err(e) => Err(format!("WebGPU {e}")),
    }
}

impl State {
    fn model(&self, name: &str) -> Result<(&SrModel, &'static str), String> {
        let i = protocol::MODELS.iter().position(|m| *m == name).ok_or_else(|| format!("no model named {name}"))?;
        let name = protocol::MODELS[i];
        self.models[i].as_ref().map(|m| (m, name)).ok_or_else(|| format!("the {name} model is not loaded"))
    }

    fn blocks(&self, key: &str) -> Result<Rc<Blocks>, String> {
        self.cache.blocks(key).ok_or_else(|| format!("slice {key} was not sent"))
    }

    /// Block `b` of slice `key` encoded by `model`, from the cache or now.
    fn encoded(&mut self, key: &str, name: &'static str, b: Block) -> Result<Rc<Encoded>, String> {
        let i = protocol::MODELS.iter().position(|m| *m == name).ok_or_else(|| format!("no model named {name}"))?;
        let model = self.models[i].as_ref().ok_or_else(|| format!("the {name} model is not loaded"))?;
        self.cache.encoded(key, name, model, b, &self.device).ok_or_else(|| format!("slice {key} was not sent"))
    }
}

/// One reply: head, values, pixel indices.
type Reply = (FromWorker, Option<Vec<f32>>, Option<Vec<u32>>);

async fn handle(state: &mut State, head: ToWorker, data: JsValue) -> Option<Reply> {
    match head {
        ToWorker::Models => {
            let mut errors = Vec::new();
            let files = js_sys::Array::from(&data);
            for (i, name) in protocol::MODELS.iter().enumerate() {
                let Some(bytes) = files.get(i as u32).dyn_ref::<js_sys::Uint8Array>().map(|a| a.to_vec()) else { continue };
                match coordsr::weights::load(&bytes, &state.device) {
                    Ok((m, _)) => state.models[i] = Some(m),
                    Err(e) => errors.push(format!("{name} weights: {e}")),
                }
            }
            Some((FromWorker::Models { errors }, None, None))
        }
        ToWorker::Slice { key, width, height, block } => {
            // A malformed slice is dropped here; jobs on it then fail with a message.
            if let Ok(samples) = protocol::floats(&data) {
                if samples.len() == width * height {
                    // The page forgets for itself what this drops (same rule): see `pool.rs`.
                    state.cache.insert(&key, &Image::new(width, height, samples), block);
                }
            }
            None
        }
        ToWorker::View { id, key, model, block, view, part, parts } => Some(
            match async {
                let (_, name) = state.model(&model)?;
                let blocks = state.blocks(&key)?;
                let (index, coords) = blocks.tiling.pixels_part(&view, block, part, parts);
                let enc = state.encoded(&key, name, block)?;
                let (m, _) = state.model(name)?;
                Ok::<_, String>((index, m.sample_async(&enc, &coords, view.cell()).await?))
            }
            .await
            {
                Ok((index, values)) => (FromWorker::Values { id }, Some(values), Some(index.into_iter().map(|i| i as u32).collect())),
                Err(message) => (FromWorker::Failed { id, message }, None, None),
            },
        ),
        ToWorker::Read { id, names } => Some({
            let list = js_sys::Array::from(&data);
            let files: Vec<(String, Vec<u8>)> = names
                .into_iter()
                .enumerate()
                .map(|(i, n)| (n, list.get(i as u32).dyn_ref::<js_sys::Uint8Array>().map(|a| a.to_vec()).unwrap_or_default()))
                .collect();
            match crate::scan::load(files) {
                Ok((name, l)) => {
                    let v = l.volume;
                    let head = FromWorker::Scan { id, name, width: v.width, height: v.height, depth: v.depth(), spacing: v.spacing, affine: v.affine, notes: l.notes };
                    let voxels: Vec<f32> = v.slices.iter().flat_map(|s| s.data.iter().copied()).collect();
                    (head, Some(voxels), None)
                }
                Err(message) => (FromWorker::Failed { id, message }, None, None),
            }
        }),
        ToWorker::Degrade { id, width, height, factor } => Some(match protocol::floats(&data) {
            Ok(v) if v.len() == width * height => {
                let (lr, _) = Degradation::kspace(factor).apply(&Image::new(width, height, v));
                (FromWorker::Values { id }, Some(lr.data), None)
            }
            Ok(v) => (FromWorker::Failed { id, message: format!("a slice of {} samples for {width}×{height}", v.len()) }, None, None),
            Err(message) => (FromWorker::Failed { id, message }, None, None),
        }),
        ToWorker::Score { id, width, height } => Some(
            match images(&data, &[(width, height), (width, height)]).and_then(|i| metrics::evaluate(&i[0], &i[1], None).map_err(|e| e.to_string())) {
                Ok(metrics) => (FromWorker::Scored { id, metrics }, None, None),
                Err(message) => (FromWorker::Failed { id, message }, None, None),
            },
        ),
        ToWorker::Consistent { id, width, height, lr_width, lr_height } => Some(match images(&data, &[(width, height), (lr_width, lr_height)]) {
            Ok(i) => (FromWorker::Values { id }, Some(kspace::data_consistency(&i[0], &i[1]).data), None),
            Err(message) => (FromWorker::Failed { id, message }, None, None),
        }),
        ToWorker::Sample { id, key, model, block, cell } => Some(
            match async {
                let coords = protocol::coords(&protocol::floats(&data)?);
                let (_, name) = state.model(&model)?;
                let enc = state.encoded(&key, name, block)?;
                let (m, _) = state.model(name)?;
                Ok::<_, String>(m.sample_async(&enc, &coords, cell).await?)
            }
            .await
            {
                Ok(values) => (FromWorker::Values { id }, Some(values), None),
                Err(message) => (FromWorker::Failed { id, message }, None, None),
            },
        ),
    }
}

/// The images of a message's data: a JS array of Float32Array, one per `(width, height)`.
fn images(data: &JsValue, sizes: &[(usize, usize)]) -> Result<Vec<Image>, String> {
    let list = js_sys::Array::from(data);
    sizes
        .iter()
        .enumerate()
        .map(|(i, &(width, height))| {
            let v = protocol::floats(&list.get(i as u32))?;
            if v.len() != width * height {
                return Err(format!("an image of {} samples for {width}×{height}", v.len()));
            }
            Ok(Image::new(width, height, v))
        })
        .collect()
}

/// Post a reply, moving its arrays to the page.
fn post(scope: &web_sys::DedicatedWorkerGlobalScope, (head, values, index): Reply) {
    let values = values.map(|v| js_sys::Float32Array::from(&v[..]));
    let index = index.map(|v| js_sys::Uint32Array::from(&v[..]));
    let transfer = js_sys::Array::new();
    for a in [values.as_ref().map(|a| a.buffer()), index.as_ref().map(|a| a.buffer())].into_iter().flatten() {
        transfer.push(&a);
    }
    let values: Option<JsValue> = values.map(Into::into);
    let index: Option<JsValue> = index.map(Into::into);
    match protocol::message(&head, values.as_ref(), index.as_ref()) {
        Ok(msg) => {
            let _ = scope.post_message_with_transfer(&msg, &transfer);
        }
        Err(e) => web_sys::console::error_1(&format!("worker: {e}").into()),
    }
}

/// The worker's entry point, called by `static/worker.js` (or `static/gpu-worker.js`) once the
/// wasm is instantiated. Messages are handled one at a time, in order, on one task: a job that
/// waits for a GPU read-back holds back the next message instead of interleaving with it.
#[wasm_bindgen]
pub fn worker_start() {
    console_error_panic_hook::set_once();
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let (tx, mut rx) = mpsc::unbounded::<JsValue>();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        let _ = tx.unbounded_send(ev.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Lives as long as the worker.
    on_message.forget();
    wasm_bindgen_futures::spawn_local(async move {
        let (device, name) = match device().await {
            Ok(d) => d,
            Err(message) => return post(&scope, (FromWorker::Unusable { message }, None, None)),
        };
        let mut state = State { device, models: [None, None, None], cache: BlockCache::default() };
        post(&scope, (FromWorker::Ready { device: name }, None, None));
        while let Some(msg) = rx.next().await {
            let reply = match protocol::read::<ToWorker>(&msg) {
                Ok((head, data)) => handle(&mut state, head, data).await,
                Err(e) => {
                    web_sys::console::error_1(&format!("worker: {e}").into());
                    None
                }
            };
            if let Some(r) = reply {
                post(&scope, r);
            }
        }
    });
}
