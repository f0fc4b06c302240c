//! The zoom slider of the active plane, on the toolbar and on the home page: log-scaled, within
//! the zoom range the viewer's state keeps ([`crate::state::ViewState::set_zoom`]), with the
//! decode scale beside it (CSS zoom × devicePixelRatio: what the decoder is asked for).

use crate::state::{ViewerState, ZOOM_MAX, ZOOM_MIN};
use leptos::prelude::*;

#[component]
pub fn ZoomSlider(
    /// `data-testid` of the range input.
    testid: &'static str,
) -> impl IntoView {
    let state = expect_context::<ViewerState>();
    view! {
        <label class="zoom" title="Zoom (wheel over the image, +/−)">
            "zoom "
            <input type="range" min=ZOOM_MIN.log2() max=ZOOM_MAX.log2() step="0.01" data-testid=testid
                prop:value=move || state.view.of(state.view.plane.get()).css_zoom.get().log2().to_string()
                on:input=move |ev| state.view.set_zoom(state.view.plane.get_untracked(), 2f64.powf(event_target_value(&ev).parse().unwrap_or(0.0))) />
            <span class="value" data-testid=format!("{testid}-value")>
                {move || {
                    let name = state.view.plane.get();
                    format!("{:.2}× (decode {:.2}×)", state.view.of(name).css_zoom.get(), state.view.decode_scale(name))
                }}
            </span>
        </label>
    }
}
