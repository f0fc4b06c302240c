//! The method as a drawing: encoder → latent grid → a query point and its four nearest latents →
//! the coordinate decoder → one intensity. Drawn here in SVG (no copied image).

use leptos::prelude::*;

#[component]
pub fn MethodDiagram() -> impl IntoView {
    // Latent grid: 5×4 dots; the query sits between the four in the middle.
    let (gx, gy, step) = (330.0, 40.0, 30.0);
    let dots = (0..4).flat_map(|j| (0..5).map(move |i| (i, j))).map(move |(i, j)| {
        let near = (i == 2 || i == 3) && (j == 1 || j == 2);
        view! { <circle cx=gx + i as f64 * step cy=gy + j as f64 * step r=if near { 7 } else { 5 } class=if near { "latent near" } else { "latent" } /> }
    }).collect_view();
    let (qx, qy) = (gx + 2.4 * step, gy + 1.35 * step);
    let links = [(2.0, 1.0), (3.0, 1.0), (2.0, 2.0), (3.0, 2.0)].into_iter().map(move |(i, j)| {
        view! { <line x1=qx y1=qy x2=gx + i * step y2=gy + j * step class="link" /> }
    }).collect_view();
    view! {
        <svg class="method-diagram" viewBox="0 0 760 200" role="img" aria-label="The encoder maps the low-resolution slice to a latent grid; for each output pixel the coordinate decoder reads the four nearest latents, the relative position and the cell size, and the four predictions are blended by area.">
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
                </marker>
            </defs>
            // Low-res input: a coarse checker of grey levels.
            {(0..4).flat_map(|j| (0..4).map(move |i| (i, j))).map(|(i, j)| {
                let g = 60 + ((i * 37 + j * 53) % 5) * 35;
                view! { <rect x=20 + i * 18 y=55 + j * 18 width=18 height=18 fill=format!("rgb({g},{g},{g})") /> }
            }).collect_view()}
            <text x="56" y="40" class="label">"low-res slice"</text>
            <line x1="100" y1="91" x2="150" y2="91" class="flow" marker-end="url(#arrow)" />
            <rect x="155" y="60" width="120" height="62" rx="8" class="block" />
            <text x="215" y="87" class="label strong">"Encoder"</text>
            <text x="215" y="106" class="label small">"conv, 8 res-blocks"</text>
            <line x1="278" y1="91" x2="318" y2="91" class="flow" marker-end="url(#arrow)" />
            {dots}
            {links}
            <circle cx=qx cy=qy r="6" class="query" />
            <text x=qx y=gy - 16.0 class="label small">"query c* (with its cell)"</text>
            <line x1=qx y1=gy - 12.0 x2=qx y2=qy - 7.0 class="link" />
            <text x="390" y="175" class="label">"latent grid: 4 nearest latents"</text>
            <line x1="470" y1="91" x2="520" y2="91" class="flow" marker-end="url(#arrow)" />
            <rect x="525" y="52" width="140" height="78" rx="8" class="block" />
            <text x="595" y="78" class="label strong">"CoordDecoder"</text>
            <text x="595" y="97" class="label small">"MLP(latent, c* − cᵢ, cell)"</text>
            <text x="595" y="114" class="label small">"× 4, area-weighted"</text>
            <line x1="668" y1="91" x2="708" y2="91" class="flow" marker-end="url(#arrow)" />
            <rect x="712" y="79" width="24" height="24" class="pixel" />
            <text x="724" y="65" class="label">"x̂(c*)"</text>
        </svg>
    }
}
