//! An image pane: shows what its renderer ([`crate::render`]) yields for the visible region of
//! its plane at the exact backing resolution, with its overlay on top, and handles the pointer
//! (pan, window/level, crosshair, pinch), the wheel and the readout under the pointer.

use crate::components::pane_overlay::PaneOverlay;
use crate::decoder::{Frame, Lane};
use crate::display::Screen;
use crate::hooks;
use crate::overlay::PaneInfo;
use crate::render::{self, Request, SimulatedMode};
use crate::simulation::SimulationState;
use crate::state::{ViewState, ViewerState};
use coordsr::image::Image;
use coordsr::orientation::PlaneName;
use coordsr::readout::PaneGeometry;
use coordsr::view::View;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{PointerEvent, WheelEvent};

/// A pointer moves less than this (CSS px) between press and release: a click, not a drag.
const CLICK_SLOP: f64 = 4.0;

/// The frame on screen: its pixels, the view they were made for, and whether it is final.
#[derive(Clone)]
struct OnScreen {
    image: Rc<Image>,
    view: View,
    final_frame: bool,
    simulate: Option<f64>,
}

/// One image pane in slot `slot` ([`ViewerState::pane`]): which plane and method it shows
/// follows from the layout; it has its own canvas, decode lane, status and overlay.
#[component]
pub fn Pane(
    /// The pane's slot ([`ViewerState::pane`]).
    index: usize,
) -> impl IntoView {
    let slot = index;
    let state = expect_context::<ViewerState>();
    let sim = expect_context::<SimulationState>();
    let canvas = NodeRef::<Canvas>::new();
    // A blinded study's finished frame, held until the other pane has finished too (the faster
    // side must not show first: that would tell which method it is).
    let held: Rc<RefCell<Option<(Frame, View, usize)>>> = Rc::new(RefCell::new(None));
    let screen: Rc<RefCell<Option<Screen>>> = Rc::new(RefCell::new(None));
    let lane = Rc::new(Lane::default());
    // What this slot shows (plane and method), and the plane as drawn: memos, so that moving the
    // crosshair within this plane neither re-decodes it nor re-renders anything but the overlay.
    let pane = Memo::new(move |_| state.pane(slot));
    let drawn = Memo::new(move |_| pane.get().and_then(|(name, _)| state.view.drawn(name)));
    let on_screen: RwSignal<Option<OnScreen>, LocalStorage> = RwSignal::new_local(None);
    let hover = RwSignal::new(None::<(f64, f64)>);
    let visible = move || pane.with(|p| p.is_some());

    // What the overlay and `window.coordsrOverlay` read.
    let info = Signal::derive_local(move || {
        let (name, shown) = pane.get()?;
        let d = drawn.get()?;
        let volume = state.view.scan.with(|s| s.as_ref().map(|s| s.volume.clone()))?;
        let shot = on_screen.get();
        let view = shot.as_ref().map_or_else(|| state.view.decode_view(name, d.aspect), |s| s.view);
        Some(PaneInfo {
            name,
            geometry: PaneGeometry { plane: d.plane, view, dpr: ViewState::device_pixel_ratio() },
            volume,
            shown,
            frame: shot.as_ref().map(|s| s.image.clone()),
            final_frame: shot.as_ref().is_some_and(|s| s.final_frame),
            cursor: state.view.cursor.get(),
            convention: state.view.convention.get(),
            stored: state.view.stored(),
            blinded: state.blinded(),
            simulate: shot.and_then(|s| s.simulate),
        })
    });
    Effect::new(move |_| hooks::set_pane(slot, info.get()));

    // Track the canvas's CSS size as its plane's pane size.
    let measure = move || {
        let (Some(c), Some((name, _))) = (canvas.get_untracked(), pane.get_untracked()) else { return };
        let r = c.get_bounding_client_rect();
        let p = state.view.of(name);
        if r.width() > 0.0 && r.height() > 0.0 && p.viewport.get_untracked() != (r.width(), r.height()) {
            p.viewport.set((r.width(), r.height()));
            state.view.refit_if_fitted(name);
        }
    };
    // Re-measure whenever the canvas's box changes (window resize, another pane appearing, the
    // status line or an error banner wrapping differently) or the pane changes plane: decodes
    // must match the pixels shown.
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
    Effect::new(move |_| {
        if pane.get().is_some() {
            measure();
        }
    });

    // Render whenever what is shown changes ([`crate::render`]); this effect only gathers the
    // request and puts what the renderer yields on the canvas.
    {
        let screen = screen.clone();
        let held = held.clone();
        Effect::new(move |_| {
            let Some((name, shown)) = pane.get() else {
                lane.begin();
                on_screen.set(None);
                return;
            };
            let (Some(d), Some(scan), Some(decoder)) = (drawn.get(), state.view.scan.get(), state.compute.get()) else { return };
            let view = state.view.decode_view(name, d.aspect);
            let simulation =
                sim.active().filter(|_| slot < 2).map(|factor| SimulatedMode { factor, dc: sim.dc.get(), result: sim.result.get() });
            let Some(c) = canvas.get_untracked() else { return };
            let slice = match d.plane.image(&scan.volume) {
                Ok(s) => s,
                Err(e) => return state.error.set(Some(format!("{}: {e}", scan.name))),
            };
            let key = scan.key(&d.plane);
            let index = d.plane.index;
            let plane_name = if state.view.stored_untracked() { "stored" } else { name.as_str() };
            let generation = lane.begin();
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
                let draw = |f: &Frame, final_frame: bool, simulate: Option<f64>| {
                    if let Some(s) = screen.borrow_mut().as_mut() {
                        s.show(&f.image, state.view.window.get_untracked(), state.view.colormap.get_untracked());
                    }
                    on_screen.set(Some(OnScreen { image: Rc::new(f.image.clone()), view, final_frame, simulate }));
                };
                let display = screen.borrow().as_ref().map_or("", |s| s.kind());
                let request = Request { key, slice, view, shown, simulation, blinded, display };
                render::render(&decoder, &lane, generation, request, |update| match update {
                    render::Update::Draw(f) => draw(&f, false, None),
                    render::Update::Status(st) => state.status.update(|s| s[slot] = st),
                    render::Update::Progress(done) => state.status.update(|s| s[slot].done = done),
                    render::Update::Final { frame, simulate } => {
                        if let Some(why) = &frame.failed {
                            state.error.set(Some(why.clone()));
                        }
                        if blinded {
                            // Shown by the effect below, with the other side's.
                            *held.borrow_mut() = Some((frame, view, index));
                        } else {
                            draw(&frame, frame.failed.is_none(), simulate);
                            if frame.failed.is_none() {
                                hooks::publish_frame(slot, &frame, &view, plane_name, index, shown.key(), simulate);
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
        let screen = screen.clone();
        let held = held.clone();
        Effect::new(move |_| {
            if !state.blinded() || !state.both_final() {
                return;
            }
            let Some((f, view, index)) = held.borrow_mut().take() else { return };
            if let Some(s) = screen.borrow_mut().as_mut() {
                s.show(&f.image, state.view.window.get_untracked(), state.view.colormap.get_untracked());
            }
            if f.failed.is_none() {
                let method = pane.get_untracked().map_or("", |(_, m)| m.key());
                hooks::publish_frame(slot, &f, &view, "stored", index, method, None);
            }
            on_screen.set(Some(OnScreen { image: Rc::new(f.image), view, final_frame: true, simulate: None }));
        });
    }

    // Window/level changes only redraw.
    {
        let screen = screen.clone();
        Effect::new(move |_| {
            let (w, cmap) = (state.view.window.get(), state.view.colormap.get());
            if let (Some(s), Some(shot)) = (screen.borrow_mut().as_mut(), on_screen.get_untracked()) {
                s.show(&shot.image, w, cmap);
            }
        });
    }

    // The pointer: a drag pans (right or Ctrl: window/level; Shift: the crosshair follows), a
    // click puts the crosshair there and makes this plane the active one, two fingers pinch and
    // pan; hovering shows the readout.
    let pointers: Rc<RefCell<HashMap<i32, (f64, f64)>>> = Rc::new(RefCell::new(HashMap::new()));
    let drag: Rc<RefCell<Option<Drag>>> = Rc::new(RefCell::new(None));
    let local = move |ev: &PointerEvent| -> (f64, f64) {
        let r = canvas.get_untracked().map(|c| c.get_bounding_client_rect());
        let (x, y) = client(ev);
        r.map_or((0.0, 0.0), |r| (x - r.left(), y - r.top()))
    };
    let set_crosshair = move |x: f64, y: f64| {
        let (Some(i), Some((name, _))) = (info.get_untracked(), pane.get_untracked()) else { return };
        if let Some(voxel) = i.geometry.voxel_at(&i.volume, x, y) {
            state.view.plane.set(name);
            state.view.cursor.set(voxel);
        }
    };
    let on_down = {
        let (drag, pointers) = (drag.clone(), pointers.clone());
        move |ev: PointerEvent| {
            if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let _ = t.set_pointer_capture(ev.pointer_id());
            }
            let (x, y) = local(&ev);
            pointers.borrow_mut().insert(ev.pointer_id(), (x, y));
            let button = if ev.ctrl_key() { 2 } else { ev.button() as i32 };
            *drag.borrow_mut() = Some(Drag { button, shift: ev.shift_key(), start: (x, y), last: (x, y), moved: false });
        }
    };
    let on_move = {
        let (drag, pointers) = (drag.clone(), pointers.clone());
        move |ev: PointerEvent| {
            let (x, y) = local(&ev);
            let Some((name, _)) = pane.get_untracked() else { return };
            // Two fingers: pinch zooms about their midpoint, moving it pans.
            let before: Vec<(f64, f64)> = pointers.borrow().values().copied().collect();
            if before.len() == 2 && pointers.borrow().contains_key(&ev.pointer_id()) {
                pointers.borrow_mut().insert(ev.pointer_id(), (x, y));
                let after: Vec<(f64, f64)> = pointers.borrow().values().copied().collect();
                let (m0, d0) = pinch(&before);
                let (m1, d1) = pinch(&after);
                if d0 > 1.0 && d1 > 1.0 {
                    state.view.pan(name, m1.0 - m0.0, m1.1 - m0.1);
                    state.view.zoom_about(name, d1 / d0, m1.0, m1.1);
                }
                if let Some(d) = drag.borrow_mut().as_mut() {
                    d.moved = true;
                }
                return;
            }
            pointers.borrow_mut().entry(ev.pointer_id()).and_modify(|p| *p = (x, y));
            hover.set(Some((x, y)));
            let mut drag = drag.borrow_mut();
            let Some(d) = drag.as_mut() else { return };
            let (dx, dy) = (x - d.last.0, y - d.last.1);
            d.last = (x, y);
            if (x - d.start.0).hypot(y - d.start.1) > CLICK_SLOP {
                d.moved = true;
            }
            if !d.moved {
                return;
            }
            if d.button == 2 {
                // Right drag: horizontal = width, vertical = level (NiiVue/OHIF habit).
                state.view.window.update(|w| {
                    w.width = (w.width * (1.0 + dx as f32 / 200.0)).max(1e-6);
                    w.center += dy as f32 * w.width / 200.0;
                });
            } else if d.shift {
                set_crosshair(x, y);
            } else {
                state.view.pan(name, dx, dy);
            }
        }
    };
    let on_up = {
        let (drag, pointers) = (drag.clone(), pointers.clone());
        move |ev: PointerEvent| {
            let was_pinch = pointers.borrow().len() > 1;
            pointers.borrow_mut().remove(&ev.pointer_id());
            let d = drag.borrow_mut().take();
            if let Some(d) = d.filter(|d| !d.moved && d.button == 0 && !was_pinch) {
                set_crosshair(d.start.0, d.start.1);
            }
        }
    };
    let on_leave = move |_ev: PointerEvent| hover.set(None);
    let on_wheel = move |ev: WheelEvent| {
        ev.prevent_default();
        let Some((name, _)) = pane.get_untracked() else { return };
        if ev.shift_key() {
            state.view.plane.set(name);
            state.view.step_slice(if ev.delta_y() > 0.0 { 1 } else { -1 });
            return;
        }
        let Some(c) = canvas.get_untracked() else { return };
        let r = c.get_bounding_client_rect();
        let (x, y) = client(&ev);
        let (u, v) = (x - r.left(), y - r.top());
        state.view.zoom_about(name, (-ev.delta_y() / 500.0).exp().clamp(0.5, 2.0), u, v);
    };
    let active = move || state.view.layout() == crate::state::Layout::Three && pane.get().is_some_and(|(n, _)| n == state.view.plane.get());

    view! {
        <div class="pane" class:active=active hidden=move || !visible() data-testid=format!("pane-{slot}")>
        <div class="pane-label">
            <span data-testid=format!("pane-label-{slot}")>{move || pane_label(state, sim, slot)}</span>
            <span class="plane-name" data-testid=format!("pane-plane-{slot}")>{move || plane_label(state, slot)}</span>
        </div>
        <canvas
            node_ref=canvas
            class="viewport"
            data-testid=if slot == 0 { "viewport".to_string() } else { format!("viewport-{slot}") }
            on:pointerdown=on_down
            on:pointermove=on_move
            on:pointerup=on_up.clone()
            on:pointercancel=on_up
            on:pointerleave=on_leave
            on:contextmenu=|ev| ev.prevent_default()
            on:wheel=on_wheel
        ></canvas>
        <PaneOverlay info=info hover=hover index=slot />
        </div>
    }
}

/// A pointer press in progress.
struct Drag {
    button: i32,
    shift: bool,
    start: (f64, f64),
    last: (f64, f64),
    moved: bool,
}

/// The event's position in CSS pixels, fractional: `clientX`/`clientY` are doubles in the DOM
/// (sub-pixel on high-density screens and touch), which web-sys's getters round to integers.
fn client(ev: &web_sys::MouseEvent) -> (f64, f64) {
    let get = |k: &str| js_sys::Reflect::get(ev, &k.into()).ok().and_then(|v| v.as_f64());
    (get("clientX").unwrap_or(ev.client_x() as f64), get("clientY").unwrap_or(ev.client_y() as f64))
}

/// The midpoint of two touches and their distance.
fn pinch(p: &[(f64, f64)]) -> ((f64, f64), f64) {
    let (a, b) = (p[0], p[1]);
    (((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0), (a.0 - b.0).hypot(a.1 - b.1))
}

/// What a pane shows, named unless a reader study hides it.
fn pane_label(state: ViewerState, sim: SimulationState, slot: usize) -> String {
    if state.blinded() {
        return if slot == 0 { "left".into() } else { "right".into() };
    }
    let Some((_, m)) = state.pane(slot) else { return String::new() };
    match sim.active().filter(|_| slot < 2) {
        Some(f) if m != crate::decoder::Shown::Truth => format!("{} · from {f}× low-res", m.label()),
        _ => m.label().to_string(),
    }
}

/// Which plane a pane draws and where along its normal: "coronal 117/233", "axial (oblique 30°)
/// 12/40"; nothing for the reader study's stored slices.
fn plane_label(state: ViewerState, slot: usize) -> String {
    let Some((name, _)) = state.pane(slot) else { return String::new() };
    if state.view.stored() {
        return String::new();
    }
    let Some(d) = state.view.drawn(name) else { return String::new() };
    // Left and right are a convention on axial and coronal planes: say which, on screen.
    let convention = match name {
        PlaneName::Sagittal => String::new(),
        _ => format!(" · {}", state.view.convention.get().as_str()),
    };
    state.view.scan.with(|s| {
        s.as_ref().map_or(String::new(), |s| {
            format!("{} {}/{}{convention}", d.plane.naming(&s.volume.affine).describe(), d.plane.index + 1, d.plane.count(&s.volume))
        })
    })
}
