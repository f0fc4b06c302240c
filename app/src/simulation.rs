//! Simulated low-res mode: degrade the slice on screen by a chosen factor (k-space truncation,
//! the engine's `Degradation`), reconstruct it on the original grid with every method, and score
//! each against the slice with the engine's PSNR / SSIM / VIF — live, in the decoding workers
//! (the page only shows the results).
//!
//! One task per (slice, factor) fills a [`Simulation`] method by method (cheap ones first); panes
//! and the metrics table only read it. A newer slice or factor makes the running task stale.

use crate::decoder::{label, Lane, Method, Shown};
use crate::route::Route;
use crate::state::ViewerState;
use coordsr::geometry::Grid;
use coordsr::image::Image;
use coordsr::metrics::Metrics;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// Factors offered in the toolbar.
pub const FACTORS: [f64; 5] = [1.5, 2.0, 2.5, 3.0, 4.0];

#[derive(Clone)]
pub struct Simulation {
    /// Slice key, factor and data consistency this belongs to.
    pub key: String,
    pub factor: f64,
    /// The learned methods' outputs had their measured band replaced by the input's.
    pub dc: bool,
    pub truth: Rc<Image>,
    pub lr_size: (usize, usize),
    pub recons: Vec<(Method, Rc<Image>)>,
    pub scores: Vec<(Method, Result<Metrics, String>)>,
    /// The method being reconstructed and its progress.
    pub pending: Option<(Method, f64)>,
}

impl Simulation {
    pub fn image(&self, shown: Shown) -> Option<Rc<Image>> {
        match shown {
            Shown::Truth => Some(self.truth.clone()),
            Shown::Method(m) => self.recons.iter().find(|(k, _)| *k == m).map(|(_, i)| i.clone()),
        }
    }
}

/// The simulated mode's own state, shared through Leptos's context ([`SimulationState::provide`]
/// provides it): the factor chosen (`None`: the mode is off) and what it computed for the slice
/// on screen. It reads the viewer's state; the viewer's state knows nothing of it.
#[derive(Clone, Copy)]
pub struct SimulationState {
    /// The factor the viewer's control chose; the mode is on only on the viewer's page
    /// ([`SimulationState::active`]), so other pages never need to switch it off (and the
    /// choice is still there when the user comes back).
    pub factor: RwSignal<Option<f64>>,
    route: ReadSignal<Route>,
    /// Whether the one-pane layout is on (the mode simulates the active plane, in that layout).
    one_pane: Signal<bool>,
    /// Apply data consistency to the learned methods' reconstructions.
    pub dc: RwSignal<bool>,
    pub result: RwSignal<Option<Rc<Simulation>>, LocalStorage>,
}

impl SimulationState {
    /// A new state (the mode off), provided to every component below the caller.
    pub fn provide(route: ReadSignal<Route>, one_pane: Signal<bool>) -> Self {
        let s = Self { factor: RwSignal::new(None), route, one_pane, dc: RwSignal::new(false), result: RwSignal::new_local(None) };
        provide_context(s);
        s
    }

    /// The factor in force (tracked): the chosen one on the viewer's page in the one-pane
    /// layout, none elsewhere.
    pub fn active(&self) -> Option<f64> {
        if self.route.get() == Route::Viewer && self.one_pane.get() { self.factor.get() } else { None }
    }
}

pub fn key(slice_key: &str, factor: f64, dc: bool) -> String {
    format!("{slice_key}@{factor}{}", if dc { "+dc" } else { "" })
}

/// Keep `shared.result` in step with the slice on screen and the chosen factor.
pub fn run(state: ViewerState, shared: SimulationState) {
    let lane = Rc::new(Lane::default());
    Effect::new(move |_| {
        let factor = shared.active();
        let dc = shared.dc.get();
        let decoder = state.compute.get();
        let current = state.view.current(state.view.plane.get());
        let generation = lane.begin();
        let (Some(factor), Some(decoder), Some((scan, drawn))) = (factor, decoder, current) else {
            shared.result.set(None);
            return;
        };
        let truth = match drawn.plane.image(&scan.volume) {
            Ok(t) => Rc::new(t),
            Err(e) => return state.error.set(Some(format!("simulating {factor}×: {e}"))),
        };
        // The low-res input's blocks are shared by both settings of data consistency.
        let lr_key = format!("{}/lr", key(&scan.key(&drawn.plane), factor, false));
        let key = key(&scan.key(&drawn.plane), factor, dc);
        if shared.result.with_untracked(|s| s.as_ref().is_some_and(|s| s.key == key)) {
            return;
        }
        let lane = lane.clone();
        spawn_local(async move {
            let (lr, grid): (Image, Grid) = match decoder.degrade(&truth, factor).await {
                Ok(d) => d,
                Err(e) => return state.error.set(Some(format!("simulating {factor}×: {e}"))),
            };
            if lane.stale(generation) {
                return;
            }
            let mut sim = Simulation {
                key: key.clone(),
                factor,
                dc,
                truth: truth.clone(),
                lr_size: (lr.width, lr.height),
                recons: Vec::new(),
                scores: Vec::new(),
                pending: None,
            };
            // Cheap first, so the table fills while the networks work.
            for m in [Method::Nearest, Method::Bicubic, Method::Conv, Method::Coord] {
                if !decoder.available(m) {
                    continue;
                }
                sim.pending = Some((m, 0.0));
                shared.result.set(Some(Rc::new(sim.clone())));
                let recon = decoder
                    .reconstruct(&lane, generation, &lr_key, &lr, &grid, m, |done| {
                        if !lane.stale(generation) {
                            shared.result.update(|s| {
                                if let Some(s) = s.as_mut() {
                                    Rc::make_mut(s).pending = Some((m, done));
                                }
                            });
                        }
                    })
                    .await;
                if lane.stale(generation) {
                    return;
                }
                let recon = match recon {
                    Some(Ok(r)) => r,
                    Some(Err(e)) => {
                        state.error.set(Some(format!("{} failed: {e}", label(m))));
                        continue;
                    }
                    None => continue,
                };
                let recon = match (dc, m) {
                    (true, Method::Coord | Method::Conv) => match decoder.consistent(&recon, &lr).await {
                        Ok(r) => r,
                        Err(e) => {
                            state.error.set(Some(format!("data consistency of {} failed: {e}", label(m))));
                            continue;
                        }
                    },
                    _ => recon,
                };
                if lane.stale(generation) {
                    return;
                }
                let score = decoder.score(&truth, &recon).await;
                if lane.stale(generation) {
                    return;
                }
                sim.recons.push((m, Rc::new(recon)));
                sim.scores.push((m, score));
            }
            sim.pending = None;
            shared.result.set(Some(Rc::new(sim)));
        });
    });
}
