//! Paired VIF differences over the same test slices (mean, 95 % bootstrap interval, Wilcoxon p),
//! computed in the page by the engine's `paired` module from `results/per_slice.csv`: the margins
//! RESULTS.md quotes, derived from the files, not copied. Means of two methods can differ by less
//! than slices differ from each other while one is ahead on every slice; this table says which.

use coordsr::eval::Row;
use coordsr::methods::{fmt_num, label};
use coordsr::paired::{comparisons, differences, Difference, Score};
use leptos::prelude::*;

/// A cell's two parts: the mean, and its interval and p (set below the mean, smaller, so four
/// scales fit a laptop's width; the cell's text, with the space the view puts between them, is
/// still results.md's "mean [lo, hi] p P", which the site test compares).
fn cell(d: &Difference) -> (String, String) {
    let p = d.wilcoxon.map_or("–".to_string(), |w| format!("{:.3}", w.p));
    (format!("{:+.4}", d.mean), format!("[{:+.4}, {:+.4}] p {p}", d.ci.0, d.ci.1))
}

/// One table for `dataset`: a row per comparison (the report's, then every other model against
/// zero-fill), a column per query scale.
#[component]
pub fn PairedDifferences(rows: Vec<Row>, dataset: String) -> impl IntoView {
    let mut scales: Vec<f64> = rows.iter().filter(|r| r.dataset == dataset).map(|r| r.query_scale).collect();
    scales.sort_by(f64::total_cmp);
    scales.dedup();
    let lines: Vec<(String, Vec<Option<(String, String)>>)> = comparisons(&rows)
        .into_iter()
        .filter_map(|(a, b)| {
            let diffs: Vec<Difference> =
                differences(&rows, a, b, Score::Vif).into_iter().filter(|d| d.dataset == dataset).collect();
            let cells = scales.iter().map(|s| diffs.iter().find(|d| d.scale == *s).map(cell)).collect();
            (!diffs.is_empty()).then(|| (format!("{} − {}", label(a.0, a.1, a.2), label(b.0, b.1, b.2)), cells))
        })
        .collect();
    view! {
        <table class="paired" data-testid="paired-table" data-dataset=dataset.clone()>
            <thead><tr><th>{format!("VIF, a − b ({dataset})")}</th>
                {scales.iter().map(|s| view! { <th>{format!("{}×", fmt_num(*s))}</th> }).collect_view()}</tr></thead>
            <tbody>
                {lines.into_iter().map(|(name, cells)| {
                    let key = name.clone();
                    view! {
                        <tr data-comparison=key><td>{name}</td>
                            {cells.into_iter().zip(&scales).map(|(c, s)| match c {
                                Some((mean, rest)) => view! { <td data-scale=fmt_num(*s)>{mean}<span class="ci">{format!(" {rest}")}</span></td> }.into_any(),
                                None => view! { <td data-scale=fmt_num(*s)>"–"</td> }.into_any(),
                            }).collect_view()}</tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
