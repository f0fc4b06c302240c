//! Backend, output size and decode time: what a user needs to trust what they see.

use crate::state::ViewerState;
use leptos::prelude::*;

#[component]
pub fn StatusBar() -> impl IntoView {
    let state = expect_context::<ViewerState>();
    view! {
        <div class="status" data-testid="status">
            {move || {
                let s = state.status.get();
                format!(
                    "{} · output {}×{} px · {} {}",
                    if s.backend.is_empty() { "starting…".to_string() } else { s.backend.clone() },
                    s.output.0,
                    s.output.1,
                    if s.busy { "decoding…".to_string() } else { format!("decoded in {:.0} ms", s.millis) },
                    s.note
                )
            }}
        </div>
        <div class="error" data-testid="error" hidden=move || state.error.with(|e| e.is_none())>
            {move || state.error.get().unwrap_or_default()}
        </div>
    }
}
