//! The keyboard shortcuts (`?`), the same keys the viewer and the study handle.

use leptos::prelude::*;

const KEYS: [(&str, &str); 22] = [
    ("?", "show or hide this help"),
    ("Esc", "close this help"),
    ("click", "put the crosshair there; the other planes follow (viewer)"),
    ("Shift+drag", "move the crosshair continuously"),
    ("↑ / ↓, PgUp / PgDn, Shift+wheel", "previous / next slice of the active plane (moves the crosshair)"),
    ("V", "next plane: axial → coronal → sagittal (the active one)"),
    ("L", "layout: three planes or one (viewer)"),
    ("N", "radiological ↔ neurological (which side the patient's right is drawn on)"),
    ("C", "show or hide the crosshair"),
    ("+ / −, wheel, pinch", "zoom (the wheel and a pinch zoom around the pointer)"),
    ("drag, two-finger drag", "pan"),
    ("right-drag, Ctrl+drag", "window and level"),
    ("F", "fit the active plane"),
    ("1", "one image pixel per screen pixel (active plane)"),
    ("A", "auto window (the volume's 1st–99.5th percentile)"),
    ("R", "reset: crosshair to the centre, every plane fitted, auto window"),
    ("S", "save the active pane as PNG, labels and provenance burned in"),
    ("1 – 5", "reader study: score the highlighted question, much worse … much better"),
    ("↑ / ↓", "reader study: choose the question"),
    ("Enter / Backspace", "reader study: next / previous case"),
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
