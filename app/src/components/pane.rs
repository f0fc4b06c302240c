//! An image pane: shows what its renderer ([`crate::render`]) yields for the visible region at
//! the exact backing resolution, and handles the mouse and wheel.

use crate::decoder::{Frame, Lane};
use crate::hooks;
use crate::render::{self, Request, SimulatedMode};
use crate::display::Screen;
use crate::simulation::SimulationState;
use crate::state::ViewerState;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use coordsr::view::View;
use web_sys::{PointerEvent, WheelEvent};

/// One image pane. Both panes share zoom, pan, window and slice through [`ViewerState`]; each
/// has its own method, canvas, decode lane and status.
#[component]
pub fn Pane(index: usize) -> impl IntoView {
    let state = expect_context::<ViewerState>();
    let sim = expect_context::<SimulationState>();
    let canvas = NodeRef::<Canvas>::new();
    let last: Rc<RefCell<Option<coordsr::image::Image>>> = Rc::new(RefCell::new(None));
    // A blinded study's finished frame, held until the other pane has finished too (the faster
    // side must not show first: that would tell which method it is).
    let held: Rc<RefCell<Option<(Frame, View, usize, &'static str)>>> = Rc::new(RefCell::new(None));
    let screen: Rc<RefCell<Option<Screen>>> = Rc::new(RefCell::new(None));
    let lane = Rc::new(Lane::default());
    let visible = move || index == 0 || state.split_shown();

    // Track the canvas's CSS size.
    let measure = move || {
        if let Some(c) = canvas.get_untracked() {
            let r = c.get_bounding_client_rect();
            if r.width() > 0.0 && r.height() > 0.0 && state.view.viewport.get_untracked() != (r.width(), r.height()) {
                state.view.viewport.set((r.width(), r.height()));
                state.view.refit_if_fitted();
            }
        }
    };
    // Re-measure whenever the canvas's box changes (window resize, the other pane appearing, the
    // status line or an error banner wrapping differently): decodes must match the pixels shown.
    Effect::new(move |_| {
        let Some(c) = canvas.get() else { return };
        measure();
        let cb = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries: js_sys::Array| measure());
        if let Ok(observer) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) {
            observer.observe(&c);
            // The pane lives as long as the page, and so do its observer and callback.
            std::mem::forget(observer);
        }
        cb.forget();
    });

    // Render whenever what is shown changes ([`crate::render`]); this effect only gathers the
    // request and puts what the renderer yields on the canvas.
    {
        let last = last.clone();
        let screen = screen.clone();
        let held = held.clone();
        Effect::new(move |_| {
            if !visible() {
                lane.begin();
                return;
            }
            let (Some((scan, slice_index)), Some(decoder)) = (state.view.current_slice(), state.decoder.get()) else { return };
            let view = state.view.decode_view();
            let shown = state.shown(index);
            let simulation = sim.active().map(|factor| SimulatedMode { factor, dc: sim.dc.get(), result: sim.result.get() });
            let Some(c) = canvas.get_untracked() else { return };
            let slice = scan.volume.slices[slice_index].clone();
            let key = scan.key(slice_index);
            let generation = lane.begin();
            let last = last.clone();
            let screen = screen.clone();
            let held = held.clone();
            let lane = lane.clone();
            let blinded = state.blinded_untracked();
            held.borrow_mut().take();
            spawn_local(async move {
                if screen.borrow().is_none() {
                    // The WGSL display is opt-in (`?display=webgpu`) until it can be verified here: headless
                    // Chromium's screenshots do not capture WebGPU canvases, not even a plain clear.
                    let webgpu_display = decoder.tier_is_gpu() && crate::browser::query_param("display").as_deref() == Some("webgpu");
                    let (s, warning) = Screen::new(c.clone(), webgpu_display).await;
                    if warning.is_some() {
                        state.error.set(warning);
                    }
                    *screen.borrow_mut() = Some(s);
                }
                let draw = |f: &Frame| {
                    if let Some(s) = screen.borrow_mut().as_mut() {
                        s.show(&f.image, state.view.window.get_untracked(), state.view.colormap.get_untracked());
                    }
                    *last.borrow_mut() = Some(f.image.clone());
                };
                let display = screen.borrow().as_ref().map_or("", |s| s.kind());
                let request = Request { key, slice, view, shown, simulation, blinded, display };
                render::render(&decoder, &lane, generation, request, |update| match update {
                    render::Update::Draw(f) => draw(&f),
                    render::Update::Status(st) => state.status.update(|s| s[index] = st),
                    render::Update::Progress(done) => state.status.update(|s| s[index].done = done),
                    render::Update::Final { frame, simulate } => {
                        if let Some(why) = &frame.failed {
                            state.error.set(Some(why.clone()));
                        }
                        if blinded {
                            // Shown by the effect below, with the other side's.
                            *held.borrow_mut() = Some((frame, view, slice_index, shown.key()));
                        } else {
                            draw(&frame);
                            if frame.failed.is_none() {
                                hooks::publish_frame(index, &frame, &view, slice_index, shown.key(), simulate);
                            }
                        }
                    }
                })
                .await;
            });
        });
    }

    // Blinded: both sides' finished frames appear in the same task, once both are finished.
    {
        let last = last.clone();
        let screen = screen.clone();
        let held = held.clone();
        Effect::new(move |_| {
            if !state.blinded() || !state.both_final() {
                return;
            }
            let Some((f, view, slice, method)) = held.borrow_mut().take() else { return };
            if let Some(s) = screen.borrow_mut().as_mut() {
                s.show(&f.image, state.view.window.get_untracked(), state.view.colormap.get_untracked());
            }
            if f.failed.is_none() {
                hooks::publish_frame(index, &f, &view, slice, method, None);
            }
            *last.borrow_mut() = Some(f.image);
        });
    }

    // Window/level changes only redraw.
    {
        let last = last.clone();
        let screen = screen.clone();
        Effect::new(move |_| {
            let (w, cmap) = (state.view.window.get(), state.view.colormap.get());
            if let (Some(s), Some(img)) = (screen.borrow_mut().as_mut(), last.borrow().as_ref()) {
                s.show(img, w, cmap);
            }
        });
    }

    let drag: Rc<RefCell<Option<(i32, f64, f64)>>> = Rc::new(RefCell::new(None));
    let on_down = {
        let drag = drag.clone();
        move |ev: PointerEvent| {
            if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let _ = t.set_pointer_capture(ev.pointer_id());
            }
            let button = if ev.ctrl_key() { 2 } else { ev.button() as i32 };
            *drag.borrow_mut() = Some((button, ev.client_x() as f64, ev.client_y() as f64));
        }
    };
    let on_move = {
        let drag = drag.clone();
        move |ev: PointerEvent| {
            let Some((button, x0, y0)) = *drag.borrow() else { return };
            let (x, y) = (ev.client_x() as f64, ev.client_y() as f64);
            let (dx, dy) = (x - x0, y - y0);
            if button == 2 {
                // Right drag: horizontal = width, vertical = level (NiiVue/OHIF habit).
                state.view.window.update(|w| {
                    w.width = (w.width * (1.0 + dx as f32 / 200.0)).max(1e-6);
                    w.center += dy as f32 * w.width / 200.0;
                });
            } else {
                let z = state.view.zoom.get_untracked();
                state.view.center.update(|c| {
                    c[0] -= dx / z;
                    c[1] -= dy / z;
                });
            }
            *drag.borrow_mut() = Some((button, x, y));
        }
    };
    let on_up = move |_ev: PointerEvent| *drag.borrow_mut() = None;
    let on_wheel = move |ev: WheelEvent| {
        ev.prevent_default();
        if ev.shift_key() {
            state.view.step_slice(if ev.delta_y() > 0.0 { 1 } else { -1 });
            return;
        }
        let Some(c) = canvas.get_untracked() else { return };
        let r = c.get_bounding_client_rect();
        let (u, v) = (ev.client_x() as f64 - r.left(), ev.client_y() as f64 - r.top());
        state.view.zoom_about((-ev.delta_y() / 500.0).exp().clamp(0.5, 2.0), u, v);
    };

    view! {
        <div class="pane" hidden=move || !visible()>
        <span class="pane-label" data-testid=format!("pane-label-{index}")>{move || pane_label(state, sim, index)}</span>
        <canvas
            node_ref=canvas
            class="viewport"
            data-testid=if index == 0 { "viewport".to_string() } else { format!("viewport-{index}") }
            on:pointerdown=on_down
            on:pointermove=on_move
            on:pointerup=on_up
            on:contextmenu=|ev| ev.prevent_default()
            on:wheel=on_wheel
        ></canvas>
        </div>
    }
}

/// What a pane shows, named unless a reader study hides it.
fn pane_label(state: ViewerState, sim: SimulationState, index: usize) -> String {
    if state.blinded() {
        return if index == 0 { "left".into() } else { "right".into() };
    }
    let m = state.shown(index);
    match sim.active() {
        Some(f) if m != crate::decoder::Shown::Truth => format!("{} · from {f}× low-res", m.label()),
        _ => m.label().to_string(),
    }
}
