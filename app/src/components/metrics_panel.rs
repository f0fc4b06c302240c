//! The live scores of the simulated low-res mode: every method against the slice on screen.

use crate::decoder::{label, VIEWER_METHODS};
use crate::simulation::SimulationState;
use leptos::prelude::*;

#[component]
pub fn MetricsPanel() -> impl IntoView {
    let sim = expect_context::<SimulationState>();
    view! {
        <div class="metrics" data-testid="metrics" hidden=move || sim.active().is_none()>
            {move || sim.result.get().map(|result| {
                let rows = VIEWER_METHODS.into_iter().filter_map(|m| {
                    let score = result.scores.iter().find(|(k, _)| *k == m).map(|(_, s)| s.clone());
                    let pending = result.pending.filter(|p| p.0 == m);
                    let cells = match (score, pending) {
                        (Some(Ok(s)), _) => [format!("{:.2}", s.psnr), format!("{:.4}", s.ssim), format!("{:.4}", s.vif)],
                        (Some(Err(e)), _) => [e, String::new(), String::new()],
                        (None, Some((_, done))) => [format!("running… {:.0} %", 100.0 * done), String::new(), String::new()],
                        (None, None) if result.pending.is_some() => ["waiting".into(), String::new(), String::new()],
                        (None, None) => return None,
                    };
                    Some(view! {
                        <tr data-method=m.key()>
                            <th>{label(m)}{(result.dc && m.is_model()).then_some(" + data consistency")}</th>
                            {cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}
                        </tr>
                    })
                }).collect_view();
                view! {
                    <p class="caption">{format!(
                            "slice degraded {}× (k-space truncation, {}×{} → {}×{}), reconstructed on the original grid; PSNR and SSIM over the slice's range",
                            result.factor, result.lr_size.0, result.lr_size.1, result.truth.width, result.truth.height
                    )}</p>
                    <table>
                        <thead><tr><th>"method"</th><th>"PSNR (dB)"</th><th>"SSIM"</th><th>"VIF"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            })}
        </div>
    }
}
