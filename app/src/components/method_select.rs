//! The method picker of one pane.

use crate::decoder::Shown;
use crate::simulation::SimulationState;
use crate::state::ViewerState;
use leptos::prelude::*;

/// The method of pane `index`. The ground truth is offered only in the simulated mode, where
/// there is a low-res input to compare it with.
#[component]
pub fn MethodSelect(index: usize) -> impl IntoView {
    let state = expect_context::<ViewerState>();
    let sim = expect_context::<SimulationState>();
    let can_show = move |m: Shown| state.compute.with(|d| d.as_ref().is_some_and(|d| d.can_show(m, sim.factor.get().is_some())));
    let signal = state.methods[index];
    view! {
        <select data-testid="method" on:change=move |ev| {
            if let Some(m) = Shown::from_key(&event_target_value(&ev)) { signal.set(m) }
        }>
            {Shown::ALL.into_iter().map(|m| view! {
                <option value=m.key() selected=move || signal.get() == m
                    disabled=move || !can_show(m)>{m.label()}</option>
            }).collect_view()}
        </select>
    }
}
