//! The site's shell: start-up (tier, bundled weights and sample, decided once for every page),
//! the route, navigation, keyboard, drop target and the help overlay.

use crate::components::about_page::AboutPage;
use crate::components::file_open::open_files;
use crate::components::help_overlay::HelpOverlay;
use crate::components::home_page::HomePage;
use crate::components::results_page::ResultsPage;
use crate::components::site_nav::SiteNav;
use crate::components::study_page::StudyPage;
use crate::components::viewer_page::ViewerPage;
use crate::route::Route;
use crate::decoder::{Compute, Method, Shown};
use crate::simulation::SimulationState;
use crate::state::{Layout, ViewerState};
use coordsr::orientation::PlaneName;
use coordsr::oriented::Convention;
use crate::pool::{Kind, Pool};
use crate::browser::{fetch_bytes, query_param, target_is_input};
use crate::tier;
use burn::tensor::Device;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// Bundled files, fetched from the page's own origin. The sample every page opens on: a brain
/// volume in 4 mm axial slices (static/sample/README.md), so that its coronal and sagittal
/// planes are reformats for the decoder to super-resolve.
pub const SAMPLE: &str = "static/sample/brain_4mm.nii.gz";
pub const COORD_WEIGHTS: &str = "static/weights/coord.csrw";
pub const CONV_WEIGHTS: &str = "static/weights/conv.csrw";
pub const THROUGH_WEIGHTS: &str = "static/weights/coord-through.csrw";
pub const DEMO_STUDY: &str = "static/study/demo.json";


#[component]
pub fn App() -> impl IntoView {
    let route = crate::route::install();
    let state = ViewerState::new(route);
    provide_context(state);
    let sim = SimulationState::provide(route, Signal::derive(move || state.view.layout() == Layout::One));

    // Deep-linkable settings: ?method=, ?compare=, ?simulate=.
    if let Some(m) = query_param("method").as_deref().and_then(Shown::from_key) {
        state.methods[0].set(m);
    }
    // Deep-linkable layout and orientation: ?layout=1|3, ?plane=, ?convention=. The comparison
    // split and the simulated mode exist in the one-pane layout, so asking for them chooses it.
    if let Some(m) = query_param("compare").as_deref().and_then(Shown::from_key) {
        state.methods[1].set(m);
        state.split.set(true);
        state.view.layout_choice.set(Layout::One);
    }
    if let Some(f) = query_param("simulate").and_then(|f| f.parse::<f64>().ok()).filter(|f| *f >= 1.0) {
        sim.factor.set(Some(f));
        state.view.layout_choice.set(Layout::One);
    }
    match query_param("layout").as_deref() {
        Some("1") => state.view.layout_choice.set(Layout::One),
        Some("3") => state.view.layout_choice.set(Layout::Three),
        _ => {}
    }
    if let Some(p) = query_param("plane").and_then(|p| p.parse::<PlaneName>().ok()) {
        state.view.plane.set(p);
    }
    if let Some(c) = query_param("convention").and_then(|c| c.parse::<Convention>().ok()) {
        state.view.convention.set(c);
    }
    // The ground truth exists only in the simulated mode.
    Effect::new(move |_| {
        if sim.factor.get().is_none() {
            for m in state.methods {
                if m.get_untracked() == Shown::Truth {
                    m.set(Shown::Method(Method::Nearest));
                }
            }
        }
    });
    crate::simulation::run(state, sim);
    crate::hooks::install(state);
    let help = RwSignal::new(false);
    // `?study=URL` names the study the study page opens; the bundled demo otherwise.
    let study = query_param("study").filter(|s| !s.is_empty()).unwrap_or_else(|| DEMO_STUDY.to_string());
    spawn_local(async move {
        let mut tier = tier::detect(tier::Requested::from_param(query_param("backend").as_deref())).await;
        state.backend.set(tier.describe());
        // Decoding runs in workers, off the page thread: one WebGPU worker, or one CPU worker per
        // core. They start now and load their wasm while the page fetches the weights and the
        // sample. WebGPU that fails its worker's check falls back to the CPU, saying why; the
        // page decodes itself only when no worker starts (and the status line says so).
        let gpu = matches!(tier, tier::Tier::WebGpu { .. });
        let starting = Pool::start(if gpu { Kind::WebGpu } else { Kind::Cpu }, if gpu { 1 } else { crate::pool::workers_wanted() });
        let (coord_bytes, conv_bytes, through_bytes, sample) =
            futures::join!(fetch_bytes(COORD_WEIGHTS), fetch_bytes(CONV_WEIGHTS), fetch_bytes(THROUGH_WEIGHTS), fetch_bytes(SAMPLE));
        // The page keeps its own CPU copy of the models: it decodes itself when no worker runs.
        let mut models = Vec::new();
        let mut files: Vec<Option<Vec<u8>>> = Vec::new();
        for (url, fetched) in [(COORD_WEIGHTS, coord_bytes), (CONV_WEIGHTS, conv_bytes), (THROUGH_WEIGHTS, through_bytes)] {
            let loaded = fetched.and_then(|bytes| coordsr::weights::load(&bytes, &Device::flex()).map(|(m, _)| (m, bytes)).map_err(|e| format!("{url}: {e}")));
            match loaded {
                Ok((m, bytes)) => {
                    models.push(Some(m));
                    files.push(Some(bytes));
                }
                Err(e) => {
                    state.error.set(Some(format!("{e}; that method is unavailable")));
                    models.push(None);
                    files.push(None);
                }
            }
        }
        let files = [files[0].as_deref(), files[1].as_deref(), files[2].as_deref()];
        let mut pool = match starting {
            Ok(s) => s.load(files).await,
            Err(e) => Err(e),
        };
        if gpu {
            if let Err(e) = &pool {
                tier = tier::cpu(e.clone());
                pool = match Pool::start(Kind::Cpu, crate::pool::workers_wanted()) {
                    Ok(s) => s.load(files).await,
                    Err(e) => Err(e),
                };
            }
        }
        let pool = pool.map_err(|e| web_sys::console::warn_1(&format!("decoding on the page thread: {e}").into())).ok();
        let [coord, conv, through]: [Option<coordsr::model::SrModel>; 3] = std::array::from_fn(|i| models[i].take());
        let decoder = Compute::new(tier, [coord, conv, through], pool);
        state.backend.set(decoder.describe());
        state.compute.set(Some(Rc::new(decoder)));
        let sample = match sample {
            Ok(b) => state.read(vec![("brain_4mm.nii.gz".into(), b)], 0).await,
            Err(e) => Err(e),
        };
        // A scan opened meanwhile (a study case, the user's file) stays.
        if state.view.scan.with_untracked(|s| s.is_none()) {
            match sample {
                Ok(s) => state.show(s),
                Err(e) => state.error.set(Some(e)),
            }
        }
    });

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if target_is_input(&ev) || ev.default_prevented() {
            return;
        }
        match ev.key().as_str() {
            "?" => {
                help.update(|h| *h = !*h);
                return;
            }
            "Escape" => {
                help.set(false);
                return;
            }
            _ => {}
        }
        // The study page has its own keys; the others share the viewer's.
        if !matches!(route.get_untracked(), Route::Viewer | Route::Home) {
            return;
        }
        let view = state.view;
        let handled = match ev.key().as_str() {
            "ArrowUp" | "PageUp" => {
                view.step_slice(-1);
                true
            }
            "ArrowDown" | "PageDown" => {
                view.step_slice(1);
                true
            }
            "1" => {
                view.set_decode_scale(view.plane.get_untracked(), 1.0);
                true
            }
            "v" | "V" => {
                let next = PlaneName::ALL.iter().position(|p| *p == view.plane.get_untracked()).map_or(0, |i| (i + 1) % 3);
                view.plane.set(PlaneName::ALL[next]);
                true
            }
            "l" | "L" if route.get_untracked() == Route::Viewer => {
                view.layout_choice.update(|l| *l = if *l == Layout::One { Layout::Three } else { Layout::One });
                true
            }
            "n" | "N" => {
                view.convention.update(|c| {
                    *c = if *c == Convention::Radiological { Convention::Neurological } else { Convention::Radiological }
                });
                true
            }
            "c" | "C" => {
                view.crosshair.update(|c| *c = !*c);
                true
            }
            "r" | "R" => {
                if let Some(scan) = view.scan.get_untracked() {
                    view.show(scan);
                }
                true
            }
            "s" | "S" => {
                crate::snapshot::save_active(state);
                true
            }
            k => view.view_key(k),
        };
        if handled {
            ev.prevent_default();
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if route.get_untracked() != Route::Viewer {
            return;
        }
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            open_files(state, list);
        }
    };

    view! {
        <div class="app" tabindex="0" on:keydown=on_key on:dragover=|ev| ev.prevent_default() on:drop=on_drop>
            <SiteNav route=route />
            {move || {
                let study = study.clone();
                match route.get() {
                    Route::Home => view! { <HomePage /> }.into_any(),
                    Route::Results => view! { <ResultsPage /> }.into_any(),
                    Route::Viewer => view! { <ViewerPage /> }.into_any(),
                    Route::Study => view! { <StudyPage url=study /> }.into_any(),
                    Route::About => view! { <AboutPage /> }.into_any(),
                }
            }}
            <HelpOverlay open=help />
        </div>
    }
}
