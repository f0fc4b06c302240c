//! `window.coordsrBench(size, zoom, budgetMs, fresh)` ([`crate::hooks`]): time one coord decode of a `size × size`
//! view of the active plane at `zoom` (with `fresh`, on a new encoding: the encoder included), on whatever tier the page chose, through the same code path as
//! a pane. Driven by `tests/browser/bench.mjs`, which writes BENCHMARKS.md.
//!
//! A decode that passes `budgetMs` is stopped at its next tile and reported with the fraction it
//! finished, so slow tiers (software WebGPU) give an honest partial figure instead of a hang.

use crate::decoder::{Lane, Method, Shown};
use crate::state::ViewerState;
use coordsr::view::View;
use leptos::prelude::*;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

pub async fn run(state: ViewerState, size: f64, zoom: f64, budget: f64, fresh: bool) -> Result<JsValue, JsValue> {
    let current = untrack(|| state.view.current(state.view.plane.get()));
    let (Some(decoder), Some((scan, drawn))) = (state.compute.get_untracked(), current) else {
        return Err(JsValue::from_str("the viewer is not ready"));
    };
    let slice = &drawn.plane.image(&scan.volume).map_err(|e| JsValue::from_str(&e))?;
    let side = size.max(1.0) as usize;
    // The plane at its true aspect, as a pane draws it.
    let view = View::new(side, side, [(slice.width as f64 - 1.0) / 2.0, (slice.height as f64 - 1.0) / 2.0], zoom).with_aspect(drawn.aspect);
    // Fresh: a key of its own, so the timing includes the encoder, as on a new slice.
    let plane_key = scan.key(&drawn.plane);
    let key = if fresh { format!("bench#{}#{plane_key}", crate::decoder::now()) } else { format!("bench#{plane_key}") };
    let lane = Rc::new(Lane::default());
    let generation = lane.begin();
    let start = crate::decoder::now();
    let done = Rc::new(Cell::new(0.0));
    let frame = decoder
        .decode(&lane, generation, &key, slice, &view, Shown::Method(Method::Coord), |f| {
            done.set(f.done);
            if crate::decoder::now() - start > budget {
                lane.begin();
            }
        })
        .await;
    let millis = crate::decoder::now() - start;
    let o = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&o, &JsValue::from_str(k), &v).map(|_| ());
    set("millis", millis.into())?;
    set("done", if frame.is_some() { 1.0 } else { done.get() }.into())?;
    // Pixels that show the plane (the rest of the view is background, never decoded).
    let pixels = frame.as_ref().map_or(0, |f| f.image.data.iter().filter(|v| v.is_finite()).count());
    set("pixels", (pixels as f64).into())?;
    set("width", (view.width as f64).into())?;
    set("height", (view.height as f64).into())?;
    set("backend", decoder.tier.describe().into())?;
    Ok(o.into())
}
