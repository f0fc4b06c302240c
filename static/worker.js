// A decoding worker (app/src/worker.rs): its own single-threaded instance of the viewer's wasm.
// Loaded by the page as a module worker from the same origin; the file names are stable because
// Trunk.toml turns file hashing off.
import init, { worker_start } from './coordsr-app.js';

await init({ module_or_path: new URL('./coordsr-app_bg.wasm', import.meta.url) });
worker_start();
