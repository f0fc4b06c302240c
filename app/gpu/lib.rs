//! The WebGPU tier's decoding worker as a module of its own (`coordsr-gpu.js`, loaded by
//! `static/gpu-worker.js`): the app's [`coordsr_app::worker`] built with its `webgpu` feature,
//! so burn-wgpu and cubecl (most of a wasm's size) are downloaded only where the tier is WebGPU.
//! The exports (`worker_start`) come from the app crate; linking it is all this crate does.

pub use coordsr_app::worker::worker_start;
