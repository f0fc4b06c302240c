// The WebGPU tier's decoding worker (app/src/worker.rs built with the `webgpu` feature, crate
// app/gpu): a module of its own, so burn-wgpu and cubecl are downloaded only where the tier is
// WebGPU. Loaded by the page as a module worker from the same origin (stable names: Trunk.toml).
import init, { worker_start } from './coordsr-gpu.js';

await init({ module_or_path: new URL('./coordsr-gpu_bg.wasm', import.meta.url) });
worker_start();
