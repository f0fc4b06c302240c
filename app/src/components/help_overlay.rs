//! The keyboard shortcuts (`?`), the same keys the viewer and the study handle.

use leptos::prelude::*;

const KEYS: [(&str, &str); 14] = [
    ("?", "show or hide this help"),
    ("Esc", "close this help"),
    ("↑ / ↓, PgUp / PgDn, Shift+wheel", "previous / next slice (viewer)"),
    ("+ / −, wheel", "zoom (the wheel zooms around the cursor)"),
    ("F", "fit the slice"),
    ("1", "one slice pixel per screen pixel (viewer)"),
    ("A", "auto window (1st–99.5th percentile)"),
    ("drag / right-drag", "pan / window and level"),
    ("1 – 5", "reader study: score the highlighted question, much worse … much better"),
    ("↑ / ↓", "reader study: choose the question"),
    ("Enter", "reader study: next case"),
    ("Backspace", "reader study: back to the previous case"),
    ("drop files", "open NIfTI / DICOM / NPY / PNG (viewer)"),
    ("Tab", "move between controls"),
];

#[component]
pub fn HelpOverlay(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="help-overlay" data-testid="help" hidden=move || !open.get() on:click=move |_| open.set(false)>
            <div class="help-card" on:click=|ev| ev.stop_propagation()>
                <h2>"Keyboard"</h2>
                <table>
                    {KEYS.into_iter().map(|(k, what)| view! { <tr><th><kbd>{k}</kbd></th><td>{what}</td></tr> }).collect_view()}
                </table>
                <button on:click=move |_| open.set(false)>"close (Esc)"</button>
            </div>
        </div>
    }
}
