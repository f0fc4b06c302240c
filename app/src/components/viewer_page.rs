//! The viewer: open a scan, zoom anywhere, compare methods, simulate a low-res acquisition.

use crate::components::file_open::FileOpen;
use crate::components::metrics_panel::MetricsPanel;
use crate::components::pane::Pane;
use crate::components::status_bar::StatusBar;
use crate::components::toolbar::Toolbar;
use crate::state::{Layout, ViewerState};
use leptos::prelude::*;

#[component]
pub fn ViewerPage() -> impl IntoView {
    let state = expect_context::<ViewerState>();
    view! {
        <div class="page viewer" data-testid="page-viewer">
            <div class="page-bar">
                <span class="subtitle">"Every zoom level decoded by the coordinate decoder at the pixels on screen."</span>
                <FileOpen />
            </div>
            <Toolbar />
            <main class="panes" class:three=move || state.view.layout() == Layout::Three>
                <Pane index=0 /><Pane index=1 /><Pane index=2 /><MetricsPanel />
            </main>
            <StatusBar />
            <footer>
                {move || state.view.scan.with(|s| s.as_ref().map(|s| {
                    let v = &s.volume;
                    let codes: String = coordsr::orientation::axis_codes(&v.affine).iter().collect();
                    format!("{} · {}×{}×{} voxels of {:.2}×{:.2}×{:.2} mm, stored {codes} · {}", s.name, v.width, v.height, v.depth(),
                        v.spacing[0], v.spacing[1], v.spacing[2], s.notes.join("; "))
                }))}
                " · Scans open in this page only: nothing is uploaded. Sample: the ICBM 2009a brain template (nilearn, BSD-3-Clause; © McConnell Brain Imaging Centre) in 4 mm slices. Click a plane to move the crosshair; press ? for the keys."
            </footer>
        </div>
    }
}
