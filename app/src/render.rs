//! A pane's renderer, apart from the UI (rerun's split of renderer and viewer): given the slice
//! on screen, the view and what the pane shows, it yields the frames to draw and the status
//! line; the [`Pane`](crate::components::pane::Pane) component only puts them on its canvas, and
//! [`crate::hooks`] publishes the finished ones. No Leptos here: what a pane shows is decided in
//! one function that takes plain values.

use crate::decoder::{Compute, Frame, Lane, Shown};
use crate::simulation::{self, Simulation};
use crate::status::{shows, Status};
use coordsr::image::Image;
use coordsr::view::View;
use std::rc::Rc;

/// The simulated low-res mode as a pane sees it.
pub struct SimulatedMode {
    pub factor: f64,
    pub dc: bool,
    /// What the simulation has computed so far (for any slice: checked against the key here).
    pub result: Option<Rc<Simulation>>,
}

/// Everything a pane's picture depends on.
pub struct Request {
    /// The slice's cache key ([`crate::scan::Scan::key`]) and the slice.
    pub key: String,
    pub slice: Image,
    pub view: View,
    pub shown: Shown,
    pub simulation: Option<SimulatedMode>,
    /// A blinded reader study: only the preview until the end, and no progress per side (which
    /// side refines faster would tell which method it is).
    pub blinded: bool,
    /// The display's kind, for the status line.
    pub display: &'static str,
}

pub enum Update {
    /// Put this on screen now (the preview, a partial decode, a simulated-mode frame).
    Draw(Frame),
    /// Replace the pane's status line.
    Status(Status),
    /// Update only the fraction done of the status line.
    Progress(f64),
    /// The finished frame (drawn by the pane, or held until the other side of a blinded study
    /// is done), with the simulated factor it was made at; a failed decode carries its reason.
    Final { frame: Frame, simulate: Option<f64> },
}

/// Render `request` on `lane` (as request `generation`), telling `out` what to show as it goes.
/// Stops early, saying nothing more, once a newer request on the lane overtakes it.
pub async fn render(decoder: &Compute, lane: &Rc<Lane>, generation: u64, request: Request, mut out: impl FnMut(Update)) {
    let Request { key, slice, view, shown, simulation, blinded, display } = request;
    if let Some(SimulatedMode { factor, dc, result }) = simulation {
        // The simulated low-res mode: the reconstruction on the original grid, pixel for pixel
        // (the simulation computes it; until then the reference is shown).
        let sim = result.filter(|s| s.key == simulation::key(&key, factor, dc));
        let image = sim.as_ref().and_then(|s| s.image(shown));
        let start = crate::decoder::now();
        let frame = Frame { image: view.nearest(image.as_deref().unwrap_or(&slice)), millis: crate::decoder::now() - start, done: 1.0, failed: None };
        let pending = sim.as_ref().and_then(|s| s.pending).filter(|_| image.is_none());
        let lr = sim.as_ref().map_or(String::new(), |s| format!(" ({}×{} → {}×{})", s.lr_size.0, s.lr_size.1, slice.width, slice.height));
        let note = if image.is_some() {
            format!("{} of the slice degraded {factor}× by k-space truncation{lr}, on the original grid", shown.label())
        } else if !decoder.can_show(shown, true) {
            format!("{} is not available", shown.label())
        } else {
            format!("reconstructing with {} (showing the reference meanwhile)", shown.label())
        };
        out(Update::Status(Status {
            output: (view.width, view.height),
            millis: frame.millis,
            busy: image.is_none(),
            done: pending.map_or(0.0, |p| p.1),
            method: shown.key().into(),
            note,
            of: shows(&key, &view),
        }));
        if image.is_some() {
            out(Update::Final { frame, simulate: Some(factor) });
        } else {
            out(Update::Draw(frame));
        }
        return;
    }
    out(Update::Status(Status { output: (view.width, view.height), busy: true, method: shown.key().into(), ..Default::default() }));
    // A learned method's first progress frame is the bicubic preview. Blinded, only that.
    let frame = decoder
        .decode(lane, generation, &key, &slice, &view, shown, |f| {
            if !blinded || f.done == 0.0 {
                out(Update::Draw(f.clone()));
            }
            if !blinded {
                out(Update::Progress(f.done));
            }
        })
        .await;
    let Some(frame) = frame else { return };
    let status = Status {
        output: (view.width, view.height),
        millis: frame.millis,
        busy: false,
        done: 1.0,
        method: shown.key().into(),
        note: format!("{} at {:.2}× of the slice · {display}", shown.label(), view.zoom),
        of: shows(&key, &view),
    };
    out(Update::Final { frame, simulate: None });
    out(Update::Status(status));
}

