//! The landing page: what the method is, in a minute, and the bundled scan already zoomable.

use crate::components::method_diagram::MethodDiagram;
use crate::components::pane::Pane;
use crate::components::zoom_slider::ZoomSlider;
use crate::state::ViewerState;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let state = expect_context::<ViewerState>();
    let ready = move || state.compute.with(|d| d.is_some()) && state.view.scan.with(|s| s.is_some());
    view! {
        <div class="page home" data-testid="page-home">
            <section class="hero">
                <h1>"Scale-agnostic super-resolution in MRI using feature-based coordinate networks"</h1>
                <p class="authors">"Dave Van Veen, Rogier van der Sluijs, Batu Ozturkler, Arjun Desai, Christian Bluethgen, Robert D. Boutin, Marc H. Willis, Gordon Wetzstein, David Lindell, Shreyas Vasanawala, John Pauly, Akshay S. Chaudhari — MIDL 2022 (short paper), arXiv:2210.08676. Reimplemented as coordsr."</p>
                <p>"MR scanners trade resolution for time. Super-resolution networks can restore detail, but most are trained for one fixed factor, such as 2×. "
                   "This method splits the network in two: an " <b>"encoder"</b> " turns the low-resolution slice into a grid of learned features once, and a small "
                   <b>"coordinate decoder"</b> " answers, for any point and any pixel size, what the intensity there should be, from the four nearest features. "
                   "So one model serves every zoom: trained at 1–2×, it can be asked for 1.5×, 3× or 4×. "
                   "Such a decoder can also reproduce noise, so training adds a denoising term and stops early."</p>
            </section>
            <MethodDiagram />
            <section class="try-it">
                <h2>"Try it"</h2>
                <p>{move || if ready() {
                    "An axial slice of the bundled brain template, decoded by the coordinate decoder at the zoom you choose, in your browser. The viewer shows its coronal and sagittal planes too, super-resolved across its 4 mm slices.".to_string()
                } else {
                    format!("Loading the model and the sample scan… {}", state.backend.get())
                }}</p>
                <progress data-testid="home-progress" hidden=ready></progress>
                <ZoomSlider testid="home-zoom" />
                " "<a href="#/viewer">"open the full viewer →"</a>
                <div class="strip"><Pane index=0 /></div>
            </section>
            <section>
                <h2>"The evidence"</h2>
                <p>"Five models trained on open brain MRI from four scanners and tested on a fifth subject, a knee and a shoulder: "
                   <a href="#/results">"results"</a> ". Blinded pairwise reading: " <a href="#/study">"reader study"</a> "."</p>
            </section>
        </div>
    }
}
