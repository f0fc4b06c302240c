//! Layout, plane, slice, zoom, method, window and orientation controls.

use crate::decoder::Shown;
use crate::display::Window;
use crate::state::Layout;
use coordsr::orientation::PlaneName;
use coordsr::oriented::Convention;
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
    let slice = move || state.view.slice().unwrap_or((0, 1));
    let one = move || state.view.layout() == Layout::One;
    let can_show = move |m: Shown| state.compute.with(|d| d.as_ref().is_some_and(|d| d.can_show(m, sim.factor.get().is_some())));
    // The slider moves in log2(zoom) so every octave gets the same travel.
    view! {
        <div class="toolbar">
            <Show when=move || !state.view.stored()>
            <label title="One pane or three (L)">
                "layout "
                <select data-testid="layout" on:change=move |ev| {
                    state.view.layout_choice.set(if event_target_value(&ev) == "1" { Layout::One } else { Layout::Three })
                }>
                    <option value="3" selected=move || state.view.layout_choice.get() == Layout::Three>"3 planes"</option>
                    <option value="1" selected=move || state.view.layout_choice.get() == Layout::One>"1 plane"</option>
                </select>
            </label>
            <label title="The plane the slice and zoom controls act on; the one pane shows it (V cycles)">
                "plane "
                <select data-testid="plane" on:change=move |ev| {
                    if let Ok(p) = event_target_value(&ev).parse::<PlaneName>() { state.view.plane.set(p) }
                }>
                    {PlaneName::ALL.into_iter().map(|p| view! {
                        <option value=p.as_str() selected=move || state.view.plane.get() == p>{p.as_str()}</option>
                    }).collect_view()}
                </select>
            </label>
            </Show>
            <label title="Slice of the active plane (↑/↓, Shift+wheel)">
                "slice "
                <input type="range" min="0" max=move || slice().1 - 1 step="1" data-testid="slice"
                    prop:value=move || slice().0.to_string()
                    on:input=move |ev| state.view.set_slice(event_target_value(&ev).parse().unwrap_or(0)) />
                <span class="value">{move || format!("{}/{}", slice().0 + 1, slice().1)}</span>
            </label>
            <ZoomSlider testid="zoom" />
            <button on:click=move |_| state.view.fit(state.view.plane.get_untracked()) title="Fit (F)">"fit"</button>
            <button on:click=move |_| state.view.set_decode_scale(state.view.plane.get_untracked(), 1.0) title="One image pixel per screen pixel (1)">"1:1"</button>
            <Show when=move || !state.blinded()>
            <label>
                "method "
                <MethodSelect index=0 />
            </label>
            </Show>
            <Show when=move || !state.blinded() && one()>
            <label title="Side by side: a second pane with synced zoom, pan and window">
                "compare "
                <select data-testid="compare" on:change=move |ev| {
                    match Shown::from_key(&event_target_value(&ev)) {
                        Some(m) => { state.methods[1].set(m); state.split.set(true); state.view.layout_choice.set(Layout::One) }
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
            <label title="MR intensities have no fixed scale: every preset comes from this volume's percentiles (A: auto; right-drag: window/level)">
                "window "
                <select data-testid="window" on:change=move |ev| {
                    let Some(scan) = state.view.scan.get_untracked() else { return };
                    let v = &scan.volume;
                    let w = match event_target_value(&ev).as_str() {
                        "full" => Window::volume_percentiles(v, 0.0, 1.0),
                        "bright" => Window::volume_percentiles(v, 0.5, 0.999),
                        "contrast" => { let a = Window::auto_volume(v); Window { center: a.center, width: a.width * 0.6 } }
                        "plane" => {
                            let name = state.view.plane.get_untracked();
                            match state.view.drawn_untracked(name).and_then(|d| d.plane.image(v).ok()) {
                                Some(img) => Window::auto(&img),
                                None => Window::auto_volume(v),
                            }
                        }
                        _ => Window::auto_volume(v),
                    };
                    state.view.window.set(w);
                }>
                    <option value="auto">"auto: volume 1–99.5 %"</option>
                    <option value="plane">"auto: this plane 1–99.5 %"</option>
                    <option value="contrast">"more contrast (60 % of auto)"</option>
                    <option value="bright">"bright tissue (50–99.9 %)"</option>
                    <option value="full">"full range"</option>
                </select>
                <span class="value">{move || { let w = state.view.window.get(); format!("C {:.0} W {:.0}", w.center, w.width) }}</span>
            </label>
            <Show when=move || !state.view.stored()>
            <label title=move || format!("{} (N switches)", state.view.convention.get().describe())>
                <select data-testid="convention" on:change=move |ev| {
                    if let Ok(c) = event_target_value(&ev).parse::<Convention>() { state.view.convention.set(c) }
                }>
                    <option value="radiological" selected=move || state.view.convention.get() == Convention::Radiological>"radiological"</option>
                    <option value="neurological" selected=move || state.view.convention.get() == Convention::Neurological>"neurological"</option>
                </select>
            </label>
            <label title="Show the crosshair (C)">
                <input type="checkbox" data-testid="crosshair" prop:checked=move || state.view.crosshair.get()
                    on:change=move |ev| state.view.crosshair.set(event_target_checked(&ev)) />
                " cross"
            </label>
            </Show>
            <button data-testid="save-png" on:click=move |_| crate::snapshot::save_active(state)
                title="Save the active pane as PNG with its labels and provenance (S)">"save PNG"</button>
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

