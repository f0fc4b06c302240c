//! Everything the page puts on `window` for tests, benchmarks and the browser console, in one
//! place: the finished frames (`coordsrFrames`, `coordsrFrame`), each pane's overlay
//! (`coordsrOverlay`, [`crate::overlay`]), the decode benchmark (`coordsrBench`,
//! [`crate::bench`]) and the WebGPU display check (`coordsrDisplayCheck`,
//! [`crate::display::gpu::check`]).

use crate::decoder::Frame;
use crate::overlay::PaneInfo;
use crate::state::{ViewerState, PANES};
use coordsr::view::View;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// What each pane slot shows now (`None`: hidden), as its overlay reads it.
    static PANE_INFO: RefCell<[Option<PaneInfo>; PANES]> = const { RefCell::new([None, None, None]) };
}

/// Record what pane `slot` shows, for `window.coordsrOverlay`.
pub fn set_pane(slot: usize, info: Option<PaneInfo>) {
    PANE_INFO.with(|p| {
        if let Some(s) = p.borrow_mut().get_mut(slot) {
            *s = info;
        }
    });
}

/// What pane `slot` shows now, as its overlay reads it.
pub fn pane(slot: usize) -> Option<PaneInfo> {
    PANE_INFO.with(|p| p.borrow().get(slot).cloned().flatten())
}

/// `window.coordsrOverlay(i[, x, y])`: pane `i`'s overlay as JSON (plane, size in CSS px, the
/// four labels, the scale bar, the crosshair, provenance), with the readout at CSS point
/// (`x`, `y`) of its drawing area when given; `null` for a pane not on screen.
fn overlay(slot: f64, x: JsValue, y: JsValue) -> JsValue {
    let at = x.as_f64().zip(y.as_f64());
    let json = pane(slot as usize).map(|info| info.overlay(at));
    match json.map(|o| serde_json::to_string(&o)) {
        Some(Ok(text)) => js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL),
        _ => JsValue::NULL,
    }
}

/// The last complete frame of each pane, on `window.coordsrFrames[pane]` (and the left one on
/// `window.coordsrFrame`), for end-to-end tests and for anyone who wants the decoded floats
/// (e.g. from the browser console): values, size, view, method and mode.
pub fn publish_frame(pane: usize, frame: &Frame, view: &View, plane: &str, slice: usize, method: &str, simulate: Option<f64>) {
    let Some(w) = web_sys::window() else { return };
    let o = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &v);
    };
    set("pane", (pane as f64).into());
    set("width", (view.width as f64).into());
    set("height", (view.height as f64).into());
    set("centerX", view.center[0].into());
    set("centerY", view.center[1].into());
    set("zoom", view.zoom.into());
    set("plane", plane.into());
    set("slice", (slice as f64).into());
    set("aspect", view.aspect.into());
    set("method", method.into());
    set("simulate", simulate.map_or(JsValue::NULL, JsValue::from));
    set("millis", frame.millis.into());
    // When it was put on screen (ms, page clock): a blinded study shows both sides together.
    set("shownAt", crate::decoder::now().into());
    set("data", js_sys::Float32Array::from(&frame.image.data[..]).into());
    let frames = js_sys::Reflect::get(&w, &JsValue::from_str("coordsrFrames"))
        .ok()
        .filter(|f| f.is_object())
        .unwrap_or_else(|| js_sys::Array::new().into());
    let _ = js_sys::Reflect::set(&frames, &JsValue::from_f64(pane as f64), &o);
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("coordsrFrames"), &frames);
    if pane == 0 {
        let _ = js_sys::Reflect::set(&w, &JsValue::from_str("coordsrFrame"), &o);
    }
}

/// Install the functions on `window` (once, from the app shell); they live as long as the page.
pub fn install(state: ViewerState) {
    let Some(window) = web_sys::window() else { return };
    let hook = Closure::<dyn Fn(f64, JsValue, JsValue) -> JsValue>::new(overlay);
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("coordsrOverlay"), hook.as_ref());
    hook.forget();
    let bench = Closure::<dyn Fn(f64, f64, f64, bool) -> js_sys::Promise>::new(move |size: f64, zoom: f64, budget: f64, fresh: bool| {
        wasm_bindgen_futures::future_to_promise(crate::bench::run(state, size, zoom, budget, fresh))
    });
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("coordsrBench"), bench.as_ref());
    bench.forget();
    let check = Closure::<dyn Fn() -> js_sys::Promise>::new(|| wasm_bindgen_futures::future_to_promise(crate::display::gpu::check()));
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("coordsrDisplayCheck"), check.as_ref());
    check.forget();
}
