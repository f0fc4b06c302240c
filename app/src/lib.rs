//! The coordsr web viewer (Leptos, client-side rendered).

mod app;
mod bench;
mod browser;
mod components;
mod decoder;
mod display;
mod hooks;
mod overlay;
mod pool;
mod protocol;
mod render;
mod scan;
mod route;
mod simulation;
mod snapshot;
mod state;
mod status;
mod study;
mod tier;
pub mod worker;

/// Runs once when the module is instantiated. The app is a library (a wasm "reactor"), not a
/// binary: wasm-ld wraps every export of a binary ("command") in its static constructors, and
/// burn's dependencies register some (`inventory`), so every call from JavaScript into a binary
/// (each event, timer and worker message) re-ran them: ~13 ms of a 90 ms page task, measured.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    // The same wasm runs in the decoding workers (`static/worker.js`, and built with `webgpu`,
    // `static/gpu-worker.js`), which have no page to mount: there `worker::worker_start` is the
    // entry point.
    if web_sys::window().is_none() {
        return;
    }
    leptos::mount::mount_to_body(app::App);
    // The static "loading" line of index.html (the first paint, before the wasm arrives) goes.
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
}
