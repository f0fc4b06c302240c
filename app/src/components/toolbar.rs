//! Slice, zoom, method and window controls.

use crate::decoder::Shown;
use crate::display::Window;
use crate::components::method_select::MethodSelect;
use crate::simulation::FACTORS;
use crate::simulation::SimulationState;
use crate::components::zoom_slider::ZoomSlider;
use crate::state::ViewerState;
use leptos::prelude::*;


#[component]
pub fn Toolbar() -> impl IntoView {
    let state = expect_context::<ViewerState>();
    let sim = expect_context::<SimulationState>();
    let depth = move || state.view.scan.with(|s| s.as_ref().map_or(1, |s| s.volume.depth()));
    let can_show = move |m: Shown| state.decoder.with(|d| d.as_ref().is_some_and(|d| d.can_show(m, sim.factor.get().is_some())));
    // The slider moves in log2(zoom) so every octave gets the same travel.
    view! {
        <div class="toolbar">
            <label title="Slice (↑/↓, Shift+wheel)">
                "slice "
                <input type="range" min="0" max=move || depth() - 1 step="1" data-testid="slice"
                    prop:value=move || state.view.slice.get().to_string()
                    on:input=move |ev| state.view.slice.set(event_target_value(&ev).parse().unwrap_or(0)) />
                <span class="value">{move || format!("{}/{}", state.view.slice.get() + 1, depth())}</span>
            </label>
            <ZoomSlider testid="zoom" />
            <button on:click=move |_| state.view.fit() title="Fit (F)">"fit"</button>
            <button on:click=move |_| state.view.set_decode_scale(1.0) title="One slice pixel per screen pixel (1)">"1:1"</button>
            <Show when=move || !state.blinded()>
            <label>
                "method "
                <MethodSelect index=0 />
            </label>
            <label title="Side by side: a second pane with synced zoom, pan and window">
                "compare "
                <select data-testid="compare" on:change=move |ev| {
                    match Shown::from_key(&event_target_value(&ev)) {
                        Some(m) => { state.methods[1].set(m); state.split.set(true) }
                        None => state.split.set(false),
                    }
                }>
                    <option value="off" selected=move || !state.split.get()>"off"</option>
                    {Shown::ALL.into_iter().map(|m| view! {
                        <option value=m.key() selected=move || state.split.get() && state.methods[1].get() == m
                            disabled=move || !can_show(m)>{m.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label title="Simulated low-res: degrade the slice by k-space truncation, reconstruct on the original grid, score against it">
                "simulate "
                <select data-testid="simulate" on:change=move |ev| {
                    sim.factor.set(event_target_value(&ev).parse::<f64>().ok());
                }>
                    <option value="off" selected=move || sim.factor.get().is_none()>"off"</option>
                    {FACTORS.into_iter().map(|f| view! {
                        <option value=f.to_string() selected=move || sim.factor.get() == Some(f)>{format!("{f}× low-res")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label title="Data consistency: replace the measured band of coord's and conv's reconstructions with the low-res input's (k-space), so that truncating them gives back the input exactly">
                <input type="checkbox" data-testid="dc" prop:checked=move || sim.dc.get()
                    disabled=move || sim.factor.get().is_none()
                    on:change=move |ev| sim.dc.set(event_target_checked(&ev))/>
                " data consistency"
            </label>
            </Show>
            <label>
                "window "
                <select data-testid="window" on:change=move |ev| {
                    let Some(scan) = state.view.scan.get_untracked() else { return };
                    let slice = &scan.volume.slices[state.view.slice.get_untracked().min(scan.volume.depth() - 1)];
                    let w = match event_target_value(&ev).as_str() {
                        "full" => {
                            let (lo, hi) = slice.min_max();
                            Window { center: (lo + hi) / 2.0, width: (hi - lo).max(1e-6) }
                        }
                        "soft" => { let a = Window::auto(slice); Window { center: a.center, width: a.width * 0.6 } }
                        _ => Window::auto(slice),
                    };
                    state.view.window.set(w);
                }>
                    <option value="auto">"auto (1–99.5 %)"</option>
                    <option value="full">"full range"</option>
                    <option value="soft">"narrow (60 % of auto)"</option>
                </select>
                <span class="value">{move || { let w = state.view.window.get(); format!("C {:.0} W {:.0}", w.center, w.width) }}</span>
            </label>
            <label>
                "colour "
                <select data-testid="colormap" on:change=move |ev| state.view.colormap.set(if event_target_value(&ev) == "hot" { 1 } else { 0 })>
                    <option value="grey">"grey"</option>
                    <option value="hot">"hot"</option>
                </select>
            </label>
        </div>
    }
}

