//! The viewer page: start-up (tier, bundled weights and sample), layout, keyboard, drop target.

use crate::components::file_open::{open_files, FileOpen};
use crate::components::status_bar::StatusBar;
use crate::components::toolbar::Toolbar;
use crate::components::metrics_panel::MetricsPanel;
use crate::components::pane::Pane;
use crate::components::study_page::StudyPage;
use crate::decoder::{Decoder, Method};
use crate::display::Window;
use crate::scan;
use crate::state::ViewerState;
use crate::tier;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// Bundled files, fetched from the page's own origin.
pub const SAMPLE: &str = "static/sample/shoulder_512.nii.gz";
pub const COORD_WEIGHTS: &str = "static/weights/coord.csrw";
pub const CONV_WEIGHTS: &str = "static/weights/conv.csrw";

pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let resp = gloo::net::http::Request::get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
    if !resp.ok() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    resp.binary().await.map_err(|e| format!("{url}: {e}"))
}

pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then(|| v.to_string())
    })
}

/// Whether a key event belongs to a form control (which keeps its keys).
pub fn target_is_input(ev: &leptos::ev::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
        .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
}

/// The view keys shared by the viewer and the reader study: zoom, fit, auto window.
pub fn view_key(state: ViewerState, key: &str) -> bool {
    match key {
        "+" | "=" => state.zoom.update(|z| *z = (*z * 1.25).min(crate::components::toolbar::ZOOM_MAX)),
        "-" => state.zoom.update(|z| *z = (*z / 1.25).max(crate::components::toolbar::ZOOM_MIN)),
        "f" | "F" => state.fit(),
        "a" | "A" => {
            if let Some((scan, i)) = state.current_slice_untracked() {
                state.window.set(Window::auto(&scan.volume.slices[i]));
            }
        }
        _ => return false,
    }
    true
}

#[component]
pub fn App() -> impl IntoView {
    let state = ViewerState::new();
    provide_context(state);

    // Deep-linkable settings: ?method=, ?compare=, ?simulate=.
    if let Some(m) = query_param("method").as_deref().and_then(Method::from_key) {
        state.methods[0].set(m);
    }
    if let Some(m) = query_param("compare").as_deref().and_then(Method::from_key) {
        state.methods[1].set(m);
        state.split.set(true);
    }
    if let Some(f) = query_param("simulate").and_then(|f| f.parse::<f64>().ok()).filter(|f| *f >= 1.0) {
        state.simulate.set(Some(f));
    }
    // The ground truth exists only in the simulated mode.
    Effect::new(move |_| {
        if state.simulate.get().is_none() {
            for m in state.methods {
                if m.get_untracked() == Method::Truth {
                    m.set(Method::Nearest);
                }
            }
        }
    });
    crate::simulation::run(state);
    crate::bench::install(state);
    crate::gpu_display::install_check();
    // `?study=URL` opens the reader study defined there instead of the viewer.
    let study = query_param("study").filter(|s| !s.is_empty());
    let study_c = study.clone();
    spawn_local(async move {
        let study = study_c;
        let tier = tier::detect(query_param("backend").as_deref() == Some("cpu")).await;
        state.backend.set(tier.describe());
        let mut models = Vec::new();
        for url in [COORD_WEIGHTS, CONV_WEIGHTS] {
            let loaded = match fetch_bytes(url).await {
                Ok(bytes) => coordsr::weights::load(&bytes, tier.device())
                    .map(|(m, h)| (m, h.config.encoder.channels))
                    .map_err(|e| format!("{url}: {e}")),
                Err(e) => Err(e),
            };
            match loaded {
                Ok(m) => models.push(Some(m)),
                Err(e) => {
                    state.error.set(Some(format!("{e}; that method is unavailable")));
                    models.push(None);
                }
            }
        }
        let conv = models.pop().flatten().map(|(m, _)| m);
        let coord = models.pop().flatten();
        state.decoder.set(Some(Rc::new(Decoder::new(tier, coord, conv))));
        if study.is_none() {
            match fetch_bytes(SAMPLE).await.and_then(|b| scan::read(vec![("shoulder_512.nii.gz".into(), b)], 0)) {
                Ok(s) => state.show(s),
                Err(e) => state.error.set(Some(e)),
            }
        }
    });
    if let Some(url) = study {
        return view! { <StudyPage url=url /> }.into_any();
    }

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if target_is_input(&ev) {
            return;
        }
        let handled = match ev.key().as_str() {
            "ArrowUp" | "PageUp" => {
                state.step_slice(-1);
                true
            }
            "ArrowDown" | "PageDown" => {
                state.step_slice(1);
                true
            }
            "1" => {
                state.zoom.set(1.0 / ViewerState::device_pixel_ratio());
                true
            }
            k => view_key(state, k),
        };
        if handled {
            ev.prevent_default();
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            open_files(state, list);
        }
    };

    view! {
        <div class="app" tabindex="0" on:keydown=on_key on:dragover=|ev| ev.prevent_default() on:drop=on_drop>
            <header>
                <h1>"coordsr"</h1>
                <span class="subtitle">"scale-agnostic MRI super-resolution: every zoom level decoded at the pixels on screen"</span>
                <FileOpen />
            </header>
            <Toolbar />
            <main class="panes"><Pane index=0 /><Pane index=1 /><MetricsPanel /></main>
            <StatusBar />
            <footer>
                {move || state.scan.with(|s| s.as_ref().map(|s| {
                    let v = &s.volume;
                    format!("{} · {}×{}×{} · {:.2}×{:.2} mm {}", s.name, v.width, v.height, v.depth(), v.spacing[0], v.spacing[1], s.notes.join("; "))
                }))}
                " · Scans open in this page only: nothing is uploaded. Sample: shoulder MR from pydicom-data (MIT)."
                " "<a href="?study=static/study/demo.json" data-testid="study-link">"Reader study (demo)"</a>"."
                " Keys: ↑/↓ slice, +/− zoom, F fit, 1 one-to-one, A auto window; wheel zooms at the cursor, Shift+wheel changes slice, drag pans, right-drag sets the window."
            </footer>
        </div>
    }
    .into_any()
}
