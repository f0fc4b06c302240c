//! Backend, output size and decode time of each pane: what a user needs to trust what they see.

use crate::state::{Status, ViewerState};
use leptos::prelude::*;

fn describe(s: &Status) -> String {
    let time = if s.busy {
        if s.done > 0.0 { format!("decoding… {:.0} %", 100.0 * s.done) } else { "decoding…".to_string() }
    } else {
        format!("decoded in {:.0} ms", s.millis)
    };
    format!("output {}×{} px · {time} · {}", s.output.0, s.output.1, s.note)
}

#[component]
pub fn StatusBar() -> impl IntoView {
    let state = expect_context::<ViewerState>();
    view! {
        <div class="status" data-testid="status">
            {move || {
                let backend = state.backend.get();
                let backend = if backend.is_empty() { "starting…".to_string() } else { backend };
                let s = state.status.get();
                if state.split.get() {
                    format!("{backend} · left: {} · right: {}", describe(&s[0]), describe(&s[1]))
                } else {
                    format!("{backend} · {}", describe(&s[0]))
                }
            }}
        </div>
        <div class="error" data-testid="error" hidden=move || state.error.with(|e| e.is_none())>
            {move || state.error.get().unwrap_or_default()}
        </div>
    }
}
