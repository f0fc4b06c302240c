//! Backend, output size and decode time of each pane: what a user needs to trust what they see.

use crate::status::Status;
use crate::state::ViewerState;
use leptos::prelude::*;

fn describe(s: &Status, with_note: bool) -> String {
    let time = if s.busy {
        if s.done > 0.0 { format!("decoding… {:.0} %", 100.0 * s.done) } else { "decoding…".to_string() }
    } else {
        format!("decoded in {:.0} ms", s.millis)
    };
    let note = if with_note && !s.note.is_empty() { format!(" · {}", s.note) } else { String::new() };
    format!("output {}×{} px · {time}{note}", s.output.0, s.output.1)
}

#[component]
pub fn StatusBar() -> impl IntoView {
    let state = expect_context::<ViewerState>();
    // One line (the full text in the tooltip when it is cut): see `.status` in style.css.
    let line = move || {
        let backend = state.backend.get();
        let backend = if backend.is_empty() { "starting…".to_string() } else { backend };
        let s = state.status.get();
        if state.blinded() {
            // Nothing per side: which side decodes slower would tell which method it is.
            if state.both_final() {
                format!("{backend} · both sides ready · {}×{} px each", s[0].output.0, s[0].output.1)
            } else {
                format!("{backend} · preparing both sides…")
            }
        } else {
            let panes: Vec<(usize, String)> =
                (0..crate::state::PANES).filter_map(|i| state.pane(i).map(|(name, _)| (i, name.as_str().to_string()))).collect();
            match panes.len() {
                0 | 1 => format!("{backend} · {}", describe(&s[0], true)),
                2 if state.view.layout() == crate::state::Layout::One => {
                    format!("{backend} · left {}: {} · right {}: {}", s[0].method, describe(&s[0], false), s[1].method, describe(&s[1], false))
                }
                _ => {
                    let each: Vec<String> = panes.iter().map(|(i, name)| format!("{name}: {}", describe(&s[*i], false))).collect();
                    format!("{backend} · {}", each.join(" · "))
                }
            }
        }
    };
    view! {
        <div class="status" data-testid="status" title=line>
            {line}
        </div>
        <div class="error" data-testid="error" hidden=move || state.error.with(|e| e.is_none())>
            {move || state.error.get().unwrap_or_default()}
        </div>
    }
}
