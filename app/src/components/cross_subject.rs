//! The cross-subject round (leave one subject out, RESULTS.md's protocol), drawn from
//! `results/loso.json` — the file `coordsr eval --loso-summary` writes beside `loso.md` from the
//! same [`CrossSubject`], so the page and the report cannot disagree: how many runs are done, the
//! skip rule on validation, then (once the rule is decided and the test runs exist) the margins
//! across subjects and the poster's claims.

use coordsr::loso::{fmt_interval, fmt_mean_sd, fmt_ood, fmt_seed_sd, CrossSubject, SkipChoice};
use coordsr::methods::fmt_num;
use leptos::prelude::*;
use leptos::task::spawn_local;

pub const LOSO_JSON: &str = "results/loso.json";

fn rule_rows(choice: &SkipChoice) -> impl IntoView + use<> {
    choice
        .candidates
        .iter()
        .map(|c| {
            let chosen = match &choice.chosen {
                Some(x) if *x == c.config => "default",
                Some(_) => "",
                None => "pending",
            };
            view! {
                <tr data-config=c.config.label()>
                    <td>{c.config.label()}</td>
                    {c.folds.iter().map(|v| view! { <td>{v.map_or("…".to_string(), |x| format!("{x:.4}"))}</td> }).collect_view()}
                    <td>{c.mean.map_or("…".to_string(), |m| format!("{m:.4}"))}</td>
                    <td>{chosen}</td>
                </tr>
            }
        })
        .collect_view()
}

fn round(r: CrossSubject) -> impl IntoView + use<> {
    let scored = r.folds_scored.len();
    let tables = r
        .tables
        .iter()
        .filter(|t| !t.rows.is_empty())
        .map(|t| {
            view! {
                <h3>{format!("Margins over {}", t.against.method)}</h3>
                <table class="results loso" data-testid="loso-table" data-against=t.against.method.clone()>
                    <thead><tr><th>"configuration"</th><th>"scale"</th><th>"metric"</th><th>"mean ± SD over subjects"</th><th>"seed SD"</th><th>"95 % interval"</th><th>"above 0"</th></tr></thead>
                    <tbody>
                        {t.rows.iter().map(|row| {
                            let s = &row.summary;
                            view! {
                                <tr>
                                    <td>{row.config.label()}</td><td>{fmt_num(row.scale)}</td><td>{row.metric.name()}</td>
                                    <td>{fmt_mean_sd(s, row.metric)}</td><td>{fmt_seed_sd(s, row.metric)}</td>
                                    <td>{fmt_interval(s, row.metric)}</td><td>{format!("{}/{}", s.positive, s.runs)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
        })
        .collect_view();
    view! {
        <p data-testid="loso-state">{format!("Runs finished: {} of 36. {}", r.runs.len(), r.rule_line())}</p>
        <h3>"The skip rule: best validation VIF, seed 1"</h3>
        <table class="results loso" data-testid="loso-rule">
            <thead><tr><th>"configuration"</th><th>"fold 1"</th><th>"fold 2"</th><th>"fold 3"</th><th>"fold 4"</th><th>"mean"</th><th>"default"</th></tr></thead>
            <tbody>{rule_rows(&r.rule.coord)}{rule_rows(&r.rule.conv)}</tbody>
        </table>
        {if scored == 0 {
            view! { <p data-testid="loso-no-test">"No test score of this round exists yet: none is computed before the skip rule is decided on validation."</p> }.into_any()
        } else {
            view! { <p>{format!("Folds scored on test: {scored} of 4. Each fold's test subject scored by that fold's models; margins paired per slice, the subject as the unit.")}</p> }.into_any()
        }}
        {tables}
        {(!r.ood.is_empty()).then(|| view! {
            <h3>"Out of distribution: VIF margins on scans no fold trained on"</h3>
            <p>"Every fold's models score the same scan: mean ± SD over folds (models), and how many fold × seed margins are above 0."</p>
            <table class="results loso claims" data-testid="loso-ood">
                <thead><tr><th>"dataset"</th><th>"configuration"</th><th>"scale"</th><th>"− bicubic"</th><th>"− zerofill"</th></tr></thead>
                <tbody>
                    {r.ood.iter().map(|o| view! {
                        <tr><td>{o.dataset.clone()}</td><td>{o.config.label()}</td><td>{fmt_num(o.scale)}</td>
                            <td>{fmt_ood(o.over_bicubic.as_ref())}</td><td>{fmt_ood(o.over_zerofill.as_ref())}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <h3>"The poster's claims"</h3>
        <table class="results loso claims" data-testid="loso-claims">
            <thead><tr><th>"claim"</th><th>"comparison"</th><th>"scale"</th><th>"metric"</th><th>"mean ± SD"</th><th>"95 % interval"</th><th>"verdict"</th></tr></thead>
            <tbody>
                {r.claims.iter().map(|c| {
                    let (mean, interval) = match (&c.summary, c.metric) {
                        (Some(s), Some(m)) => (fmt_mean_sd(s, m), fmt_interval(s, m)),
                        _ => (String::new(), String::new()),
                    };
                    view! {
                        <tr data-verdict=c.verdict.clone()>
                            <td>{c.claim.clone()}</td><td>{c.comparison.clone()}</td><td>{c.scale.clone()}</td>
                            <td>{c.metric.map_or("", |m| m.name())}</td><td>{mean}</td><td>{interval}</td><td>{c.verdict.clone()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The round's section of the results page.
#[component]
pub fn CrossSubjectRound() -> impl IntoView {
    let loaded: RwSignal<Option<Result<CrossSubject, String>>> = RwSignal::new(None);
    spawn_local(async move {
        let read = crate::browser::fetch_bytes(LOSO_JSON)
            .await
            .and_then(|b| serde_json::from_slice::<CrossSubject>(&b).map_err(|e| format!("{LOSO_JSON}: {e}")));
        loaded.set(Some(read));
    });
    view! {
        <section data-testid="loso">
            <h2>"Across subjects: every brain tested once"</h2>
            <p>"Leave one subject out: four folds over the four brain subjects (four scanners); each fold trains on two, early-stops on a third and tests the fourth, "
               "so every subject is a test subject once, and no choice is made on a test subject. Configurations: coord λ=10 1–2× and conv λ=0 2×, each over both skips, "
               "seeds 1–3 of each decoder's default and seed 1 of the others, and coord λ=0; the protocol (RESULTS.md) was written before any run. "
               "Read from " <a href=LOSO_JSON>{LOSO_JSON}</a> " at load time (" <code>"scripts/loso-eval.sh"</code> ")."</p>
            {move || match loaded.get() {
                None => view! { <p><progress></progress>" loading the cross-subject round…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(r)) => round(r).into_any(),
            }}
        </section>
    }
}
