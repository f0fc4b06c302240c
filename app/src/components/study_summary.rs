//! The poster's reader table from readers' exports (CSV or JSON, any mix): imported in the
//! page, checked as a set against the study, summarised by the engine (`coordsr::study`), the
//! same numbers `coordsr study summarize` prints.

use coordsr::study::summary::{mean_sd, opt2, p_value};
use coordsr::study::{summarize, Export, StudyDef};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// `own`: this browser's reader, included unless an imported file is the same reader's.
#[component]
pub fn StudySummary(def: Rc<StudyDef>, own: Option<Export>) -> impl IntoView {
    // Stored in the reactive arena: the view's closures must not own an Rc.
    let def = StoredValue::new_local(def);
    let own = StoredValue::new_local(own);
    let imported: RwSignal<Vec<(String, Export)>, LocalStorage> = RwSignal::new_local(Vec::new());
    let message = RwSignal::new(None::<String>);
    let on_import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(list) = input.files() else { return };
        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        spawn_local(async move {
            let mut read = Vec::new();
            for f in files {
                let name = f.name();
                let bytes = match gloo::file::futures::read_as_bytes(&gloo::file::Blob::from(f)).await {
                    Ok(b) => b,
                    Err(e) => {
                        message.set(Some(format!("{name}: could not be read ({e})")));
                        return;
                    }
                };
                match Export::parse(&name, &bytes) {
                    Ok(e) => read.push((name, e)),
                    Err(e) => {
                        // Nothing imported from a set with a bad file: the summary stays as it was.
                        message.set(Some(e));
                        return;
                    }
                }
            }
            message.set(None);
            imported.set(read);
        });
    };


    let summary = move || {
        let mut all: Vec<(String, Export)> = imported.get();
        if let Some(own) = own.get_value()
            && !all.iter().any(|(_, e)| e.reader == own.reader && e.study == own.study)
        {
            all.insert(0, ("this browser".into(), own.clone()));
        }
        if all.is_empty() {
            return None;
        }
        let named: Vec<(&str, &Export)> = all.iter().map(|(n, e)| (n.as_str(), e)).collect();
        let def = def.get_value();
        let checked = coordsr::study::check_set(&named, Some(&def))
            .and_then(|_| summarize(Some(&def), &all.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>()));
        Some(checked)
    };

    view! {
        <div class="study-summary-block">
            <p>
                <label class="button">"import readers' exports…"
                    <input type="file" multiple=true accept=".json,.csv" data-testid="import" hidden=true on:change=on_import />
                </label>
            </p>
            <div class="error" data-testid="import-error" hidden=move || message.with(|m| m.is_none())>{move || message.get().unwrap_or_default()}</div>
            {move || summary().map(|r| match r {
                Err(e) => view! { <div class="error" data-testid="summary-error">{e}</div> }.into_any(),
                Ok(sum) => {
                    let [first, second] = sum.methods.clone();
                    view! {
                        <h3 data-testid="summary-title">{format!("Compared to {second}, {first} is …")}</h3>
                        <p class="study-note">{format!("{} reader(s), {} case(s); −2 much worse … +2 much better; Wilcoxon on per-case means; κ: linear-weighted Cohen's kappa.",
                            sum.readers.len(), sum.cases)}</p>
                        <table class="study-summary" data-testid="summary">
                            <thead><tr><th></th><th>"readers"</th><th>"n"</th><th>"mean ± SD"</th><th>"Wilcoxon p"</th><th>"weighted κ"</th></tr></thead>
                            <tbody>
                                {sum.questions.iter().map(|q| view! {
                                    <tr data-question=q.id.clone()>
                                        <th>{q.label.clone()}</th>
                                        <td>{q.readers}</td>
                                        <td>{q.n}</td>
                                        <td class="mean">{mean_sd(q.mean, q.sd)}</td>
                                        <td>{p_value(&q.wilcoxon)}</td>
                                        <td class="kappa">{q.kappa.as_ref().map_or("—".into(), |k| opt2(k.linear))}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <h4>"Per reader"</h4>
                        <table class="study-summary" data-testid="summary-readers">
                            <thead><tr><th>"reader"</th><th>"question"</th><th>"n"</th><th>"mean ± SD"</th><th>"Wilcoxon p"</th></tr></thead>
                            <tbody>
                                {sum.readers.iter().flat_map(|r| sum.questions.iter().filter_map(move |q| {
                                    q.per_reader.iter().find(|x| &x.reader == r).map(|x| view! {
                                        <tr><td>{r.clone()}</td><td>{q.label.clone()}</td><td>{x.n}</td>
                                            <td class="mean">{mean_sd(x.mean, x.sd)}</td><td>{p_value(&x.wilcoxon)}</td></tr>
                                    })
                                })).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            })}
        </div>
    }
}
