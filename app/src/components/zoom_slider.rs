//! The zoom slider, on the toolbar and on the home page: log-scaled, within the zoom range the
//! viewer's state keeps ([`ViewerState::set_zoom`]), with the decode scale beside it (zoom ×
//! devicePixelRatio: what the decoder is asked for).

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
                prop:value=move || state.view.zoom.get().log2().to_string()
                on:input=move |ev| state.view.set_zoom(2f64.powf(event_target_value(&ev).parse().unwrap_or(0.0))) />
            <span class="value" data-testid=format!("{testid}-value")>
                {move || format!("{:.2}× (decode {:.2}×)", state.view.zoom.get(), state.view.decode_scale())}
            </span>
        </label>
    }
}
