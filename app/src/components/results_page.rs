//! The results, read at load time from `results/results.csv` and `results/per_slice.csv` (the
//! files `coordsr eval` wrote and RESULTS.md quotes), never typed by hand: the poster-layout
//! tables with the poster's numbers beside ours, the paired margins over the same slices, VIF
//! against scale for every method, and the A–F figure.

use super::cross_subject::CrossSubjectRound;
use super::paired_differences::PairedDifferences;
use coordsr::eval::{read_csv, read_per_slice_csv, Row, POSTER, ROW_ORDER, VIF_CHART_SIZE};
use coordsr::methods::fmt_num;
use leptos::prelude::*;
use leptos::task::spawn_local;

pub const RESULTS_CSV: &str = "results/results.csv";
pub const PER_SLICE_CSV: &str = "results/per_slice.csv";

/// What the page read: the rows, and whether their per-slice scores (for the paired margins) came too.
#[derive(Clone)]
struct Loaded {
    rows: Vec<Row>,
    per_slice: Result<(), String>,
}

async fn fetch_text(url: &str) -> Result<String, String> {
    crate::browser::fetch_bytes(url).await.and_then(|b| String::from_utf8(b).map_err(|_| format!("{url}: not text")))
}

/// VIF against query scale: the chart `coordsr eval` draws into vif_vs_scale.png for the report
/// (coordsr::chart, one definition, one palette, one label rule), drawn here as SVG.
fn chart(rows: &[Row], dataset: &str) -> impl IntoView + use<> {
    match coordsr::chart::svg(&[coordsr::chart::vif_vs_scale(rows, dataset)], VIF_CHART_SIZE) {
        Ok(svg) => view! {
            <div class="chart" role="img" data-testid="vif-chart" aria-label=format!("VIF against query scale on {dataset}") inner_html=svg></div>
        }
        .into_any(),
        Err(e) => view! { <p class="error">{e}</p> }.into_any(),
    }
}

fn tables(rows: &[Row], dataset: &str) -> impl IntoView + use<> {
    let rs: Vec<Row> = rows.iter().filter(|r| r.dataset == dataset).cloned().collect();
    let mut scales: Vec<f64> = rs.iter().map(|r| r.query_scale).collect();
    scales.sort_by(|a, b| a.total_cmp(b));
    scales.dedup();
    let n = rs.first().map_or(0, |r| r.n_slices);
    let present: Vec<(&str, &str, &str, &str)> =
        ROW_ORDER.iter().copied().filter(|(_, m, l, ts)| rs.iter().any(|r| r.method == *m && r.lambda == *l && r.train_scales == *ts)).collect();
    let cell = move |m: &str, l: &str, ts: &str, s: f64, ssim: bool| {
        rs.iter().find(|r| r.method == m && r.lambda == l && r.train_scales == ts && r.query_scale == s).map_or("–".to_string(), |r| {
            // results.csv holds the unrounded scores: this is results.md's rounding of the same numbers.
            if ssim { format!("{:.4}", r.ssim) } else { format!("{:.3} / {:.2}", r.vif, r.psnr) }
        })
    };
    let cell2 = cell.clone();
    let scales2 = scales.clone();
    view! {
        <h3>{format!("{dataset} ({n} slice{})", if n == 1 { "" } else { "s" })}</h3>
        <table class="results" data-testid="results-table" data-dataset=dataset.to_string()>
            <thead><tr><th>"group"</th><th>"method"</th><th>"λ"</th><th>"train scale"</th>
                {scales.iter().map(|s| view! { <th>{format!("{}× VIF / PSNR", fmt_num(*s))}</th> }).collect_view()}
                <th>"poster (knee) 1.5× · 2× · 3×"</th></tr></thead>
            <tbody>
                {present.iter().map(|(g, m, l, ts)| {
                    let poster = POSTER.iter().find(|p| (p.0, p.1, p.2) == (*m, *l, *ts)).map_or("not in the poster", |p| p.3);
                    view! {
                        <tr data-method=m.to_string() data-lambda=l.to_string() data-train=ts.to_string()>
                            <td>{*g}</td><td>{*m}</td><td>{if l.is_empty() { "–" } else { l }}</td><td>{if ts.is_empty() { "–" } else { ts }}</td>
                            {scales.iter().map(|s| view! { <td data-scale=fmt_num(*s)>{cell(m, l, ts, *s, false)}</td> }).collect_view()}
                            <td class="poster">{poster}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <table class="results ssim">
            <thead><tr><th>"method"</th><th>"λ"</th><th>"train scale"</th>
                {scales2.iter().map(|s| view! { <th>{format!("{}× SSIM", fmt_num(*s))}</th> }).collect_view()}</tr></thead>
            <tbody>
                {present.iter().map(|(_, m, l, ts)| view! {
                    <tr><td>{*m}</td><td>{if l.is_empty() { "–" } else { l }}</td><td>{if ts.is_empty() { "–" } else { ts }}</td>
                        {scales2.iter().map(|s| view! { <td>{cell2(m, l, ts, *s, true)}</td> }).collect_view()}</tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn ResultsPage() -> impl IntoView {
    let loaded: RwSignal<Option<Result<Loaded, String>>> = RwSignal::new(None);
    spawn_local(async move {
        let read = match fetch_text(RESULTS_CSV).await.and_then(|t| read_csv(&t).map_err(|e| format!("{RESULTS_CSV}: {e}"))) {
            Ok(mut rows) => {
                let per_slice = fetch_text(PER_SLICE_CSV)
                    .await
                    .and_then(|t| read_per_slice_csv(&t, &mut rows).map_err(|e| format!("{PER_SLICE_CSV}: {e}")));
                Ok(Loaded { rows, per_slice })
            }
            Err(e) => Err(e),
        };
        loaded.set(Some(read));
    });
    view! {
        <div class="page text results-page" data-testid="page-results">
            <h1>"Results"</h1>
            <CrossSubjectRound />
            <h2>"One held-out subject (the first round)"</h2>
            <p>"Split " <b>"brain-by-subject-v1"</b> ": trained on two brain T1 scans from two scanners, early-stopped on a third, "
               <b>"tested on a fourth subject (StudyForrest)"</b> "; out of distribution: a sagittal knee (the poster's anatomy, never trained on) and a shoulder slice. "
               "Degradation: k-space truncation at each query scale, against the acquired-resolution reference. "
               "VIF (pixel-domain, multi-scale), PSNR and SSIM over the reference's range; conv is scored only at its 2×. "
               "Each model predicts a residual over a skip: the default coord model (the viewer's) over bilinear interpolation, which validation chose, "
               "every other model over zero-fill (the scanner's own band-limited interpolation, the bar to clear; “coord” λ=10 1-2 is the default's zero-fill-skip twin); "
               "the models, their training schedule and where each run stands are in RESULTS.md (trained on a 2-core CPU). "
               "The poster's numbers come from its own knee data and are shown for reference only. "
               "Read from " <a href=RESULTS_CSV>{RESULTS_CSV}</a> " at load time; the claims are discussed in RESULTS.md."</p>
            {move || match loaded.get() {
                None => view! { <p><progress></progress>" loading the results…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(Loaded { rows, per_slice })) => {
                    let mut datasets: Vec<String> = rows.iter().map(|r| r.dataset.clone()).collect();
                    datasets.dedup();
                    let first = datasets.first().cloned().unwrap_or_default();
                    let paired = match per_slice {
                        Ok(()) => datasets
                            .iter()
                            .map(|d| view! { <PairedDifferences rows=rows.clone() dataset=d.clone() /> })
                            .collect_view()
                            .into_any(),
                        Err(e) => view! { <p class="error">{e}</p> }.into_any(),
                    };
                    view! {
                        <h2>"VIF against query scale"</h2>
                        {chart(&rows, &first)}
                        <h2>"Paired margins over the same slices"</h2>
                        <p>"Per slice a − b in VIF, then the mean, its 95 % bootstrap interval (resampling slices) and the Wilcoxon signed-rank p. "
                           "Slices of one scan are not independent samples of all brains: the interval says how stable a margin is over this scan's anatomy. "
                           "“+dc”: the model's output with data consistency (its measured band replaced by the input's)."</p>
                        {paired}
                        <h2>"Tables (VIF / PSNR, then SSIM)"</h2>
                        {datasets.iter().map(|d| tables(&rows, d)).collect_view()}
                    }.into_any()
                }
            }}
            <h2>"The poster's figure, on a test slice"</h2>
            <p>"A input (2× low-res) · B bicubic 2× · C conv 2× · D coord 2× λ=0 · E coord 2× λ=10 · F coord 4× λ=10 · zero-fill 2× · reference."</p>
            <img class="figure" src="results/figure.png" alt="The A–F comparison on one slice of the test scan" />
        </div>
    }
}
