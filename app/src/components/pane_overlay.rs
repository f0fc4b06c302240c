//! What a pane draws over its image ([`crate::overlay`]): the orientation label on each edge,
//! the crosshair, the scale bar, the provenance line and the readout under the pointer. Plain
//! DOM over the canvas (no pointer events: the canvas below takes them), so a saved screenshot
//! and the test hooks see the same text.

use crate::overlay::PaneInfo;
use crate::state::ViewerState;
use leptos::prelude::*;

fn mm(v: f64) -> String {
    if v >= 1.0 { format!("{v:.0} mm") } else { format!("{v:.1} mm") }
}

#[component]
pub fn PaneOverlay(
    /// What the pane shows ([`PaneInfo`]); `None` while it shows nothing.
    info: Signal<Option<PaneInfo>, LocalStorage>,
    /// The pointer over the pane, in CSS pixels from its top left.
    hover: RwSignal<Option<(f64, f64)>>,
    /// The pane's slot, for test ids.
    index: usize,
) -> impl IntoView {
    let slot = index;
    let state = expect_context::<ViewerState>();
    let labels = move || info.with(|i| i.as_ref().map(|i| i.labels()));
    let label = move |f: fn(&coordsr::oriented::Labels) -> char| move || labels().map(|l| f(&l).to_string()).unwrap_or_default();
    // A crosshair only where it means something: a volume, not a study's stored slice.
    let cross = move || {
        if !state.view.crosshair.get() || state.view.stored() {
            return None;
        }
        info.with(|i| i.as_ref().filter(|i| i.volume.depth() > 1).map(|i| i.geometry.crosshair(&i.volume, i.cursor).at))
    };
    let bar = move || info.with(|i| i.as_ref().and_then(|i| i.geometry.scale_bar(&i.volume)));
    let readout = move || {
        let (x, y) = hover.get()?;
        info.with(|i| {
            let i = i.as_ref()?;
            let r = i.readout(x, y)?;
            let v = r.voxel;
            let w = r.world;
            let shown = match r.synthesised {
                Some(s) if !i.blinded => format!(" · shown {s:.1} (synthesised by {})", i.shown.key()),
                Some(s) => format!(" · shown {s:.1} (synthesised)"),
                None => String::new(),
            };
            Some(format!(
                "voxel {:.1}, {:.1}, {:.1} · RAS {:.1}, {:.1}, {:.1} mm · acquired {:.1}{shown}",
                v[0], v[1], v[2], w[0], w[1], w[2], r.value
            ))
        })
    };
    let oblique = move || info.with(|i| i.as_ref().map(|i| i.geometry.plane.naming(&i.volume.affine)).filter(|n| n.oblique()).map(|n| n.describe()));
    view! {
        <div class="overlay" data-testid=format!("overlay-{slot}")>
            <span class="edge top">{label(|l| l.top)}</span>
            <span class="edge bottom">{label(|l| l.bottom)}</span>
            <span class="edge left">{label(|l| l.left)}</span>
            <span class="edge right">{label(|l| l.right)}</span>
            {move || cross().map(|[x, y]| view! {
                <div class="crosshair vertical" style:left=format!("{x:.1}px")></div>
                <div class="crosshair horizontal" style:top=format!("{y:.1}px")></div>
            })}
            {move || bar().map(|b| view! {
                <div class="scalebar" data-testid=format!("scalebar-{slot}")>
                    <span class="bar" style:width=format!("{:.1}px", b.px)></span>
                    <span class="text">{mm(b.mm)}</span>
                </div>
            })}
            <div class="provenance" data-testid=format!("provenance-{slot}")>
                {move || info.with(|i| i.as_ref().map(|i| i.provenance()))}
                {move || oblique().map(|o| format!(" · {o}: labels give the nearest direction"))}
            </div>
            <div class="readout" data-testid=format!("readout-{slot}") hidden=move || readout().is_none()>{readout}</div>
        </div>
    }
}
