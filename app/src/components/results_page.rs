//! The results, read at load time from `results/results.csv` (the file `coordsr eval` wrote and
//! RESULTS.md quotes), never typed by hand: the poster-layout tables with the poster's numbers
//! beside ours, VIF against scale for every method, and the A–F figure.

use coordsr::eval::{read_csv, Row, POSTER, ROW_ORDER};
use coordsr::methods::fmt_num;
use leptos::prelude::*;
use leptos::task::spawn_local;

pub const RESULTS_CSV: &str = "results/results.csv";

fn label(method: &str, lambda: &str, ts: &str) -> String {
    if lambda.is_empty() { method.to_string() } else { format!("{method} λ={lambda} {ts}×") }
}

/// VIF against query scale, one line per method, as SVG.
fn chart(rows: &[Row], dataset: &str) -> impl IntoView + use<> {
    let (w, h, left, bottom, top, right) = (640.0, 320.0, 50.0, 40.0, 12.0, 170.0);
    let pts: Vec<&Row> = rows.iter().filter(|r| r.dataset == dataset).collect();
    let (lo, hi) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), r| (a.min(r.vif), b.max(r.vif)));
    let (lo, hi) = ((lo * 20.0).floor() / 20.0, (hi * 20.0).ceil() / 20.0);
    let (smin, smax) = (1.5, 4.0);
    let x = move |s: f64| left + (s - smin) / (smax - smin) * (w - left - right);
    let y = move |v: f64| top + (hi - v) / (hi - lo).max(1e-9) * (h - top - bottom);
    let colours = ["#6cb6ff", "#f0a050", "#60c080", "#e06060", "#b090e0", "#d0c050", "#50c0c0"];
    let series: Vec<(String, Vec<(f64, f64)>)> = ROW_ORDER
        .iter()
        .filter_map(|(_, m, l, ts)| {
            let mut p: Vec<(f64, f64)> = pts.iter().filter(|r| r.method == *m && r.lambda == *l && r.train_scales == *ts).map(|r| (r.query_scale, r.vif)).collect();
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            (!p.is_empty()).then(|| (label(m, l, ts), p))
        })
        .collect();
    let ticks_y: Vec<f64> = (0..=((hi - lo) / 0.05).round() as usize).map(|i| lo + i as f64 * 0.05).collect();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label=format!("VIF against query scale on {dataset}")>
            {ticks_y.into_iter().map(|v| view! {
                <line x1=left x2=w - right y1=y(v) y2=y(v) class="grid" />
                <text x=left - 6.0 y=y(v) + 4.0 class="tick" text-anchor="end">{format!("{v:.2}")}</text>
            }).collect_view()}
            {[1.5, 2.0, 3.0, 4.0].into_iter().map(|s| view! {
                <text x=x(s) y=h - bottom + 16.0 class="tick" text-anchor="middle">{format!("{}×", fmt_num(s))}</text>
            }).collect_view()}
            <text x=(left + w - right) / 2.0 y=h - 6.0 class="tick" text-anchor="middle">"query scale"</text>
            {series.into_iter().enumerate().map(|(i, (name, p))| {
                let c = colours[i % colours.len()];
                let path = p.iter().map(|(s, v)| format!("{:.1},{:.1}", x(*s), y(*v))).collect::<Vec<_>>().join(" ");
                view! {
                    <polyline points=path fill="none" stroke=c stroke-width="2" />
                    {p.iter().map(|(s, v)| view! { <circle cx=x(*s) cy=y(*v) r="3" fill=c /> }).collect_view()}
                    <rect x=w - right + 12.0 y=top + 4.0 + i as f64 * 18.0 width="12" height="4" fill=c />
                    <text x=w - right + 30.0 y=top + 10.0 + i as f64 * 18.0 class="tick">{name}</text>
                }
            }).collect_view()}
        </svg>
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
    let rows: RwSignal<Option<Result<Vec<Row>, String>>> = RwSignal::new(None);
    spawn_local(async move {
        let read = crate::browser::fetch_bytes(RESULTS_CSV)
            .await
            .and_then(|b| String::from_utf8(b).map_err(|_| format!("{RESULTS_CSV}: not text")))
            .and_then(|t| read_csv(&t).map_err(|e| format!("{RESULTS_CSV}: {e}")));
        rows.set(Some(read));
    });
    view! {
        <div class="page text results-page" data-testid="page-results">
            <h1>"Results"</h1>
            <p>"Split " <b>"brain-by-subject-v1"</b> ": trained on two brain T1 scans from two scanners, early-stopped on a third, "
               <b>"tested on a fourth subject (StudyForrest)"</b> "; out of distribution: a sagittal knee (the poster's anatomy, never trained on) and a shoulder slice. "
               "Degradation: k-space truncation at each query scale, against the acquired-resolution reference. "
               "VIF (pixel-domain, multi-scale), PSNR and SSIM over the reference's range; conv is scored only at its 2×. "
               "Five models, each trained 1400 steps (conv λ=0: 1700) on a 2-core AMD EPYC CPU with burn's flex backend. "
               "The poster's numbers come from its own knee data and are shown for reference only. "
               "Read from " <a href=RESULTS_CSV>{RESULTS_CSV}</a> " at load time; the claims are discussed in RESULTS.md."</p>
            {move || match rows.get() {
                None => view! { <p><progress></progress>" loading the results…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(rows)) => {
                    let mut datasets: Vec<String> = rows.iter().map(|r| r.dataset.clone()).collect();
                    datasets.dedup();
                    let first = datasets.first().cloned().unwrap_or_default();
                    view! {
                        <h2>"VIF against query scale"</h2>
                        {chart(&rows, &first)}
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
