//! The end of a reader's study: the methods unblinded, the answers exported (CSV and JSON, the
//! versioned schema `coordsr study summarize` reads), and the summary over any readers' exports.

use crate::study::Session;
use coordsr::study::summary::{mean_sd, opt2, p_value};
use coordsr::study::{summarize, Export};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// Hand `text` to the browser as a download named `name` (a blob URL: nothing leaves the page).
fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(|_| "could not make the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "could not make the file")?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|_| "no link")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

#[component]
pub fn StudyComplete(session: RwSignal<Option<Session>, LocalStorage>) -> impl IntoView {
    let imported: RwSignal<Vec<(String, Export)>, LocalStorage> = RwSignal::new_local(Vec::new());
    let message = RwSignal::new(None::<String>);
    let export = move || session.with(|s| s.as_ref().map(|s| s.export_now()));
    let file_stem = move || session.with(|s| s.as_ref().map_or("answers".into(), |s| format!("{}-{}", s.def.id, s.reader)));

    let save = move |csv: bool| {
        let Some(e) = export() else { return };
        let result = if csv {
            download(&format!("{}.csv", file_stem()), "text/csv", &e.to_csv())
        } else {
            download(&format!("{}.json", file_stem()), "application/json", &e.to_json())
        };
        message.set(result.err());
    };
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

    // The summary over this reader and every imported export (another file of this reader
    // replaces the in-page answers).
    let summary = move || {
        let s = session.get()?;
        let mut all: Vec<(String, Export)> = imported.get();
        if !all.iter().any(|(_, e)| e.reader == s.reader && e.study == s.def.id) {
            all.insert(0, ("this browser".into(), s.export_now()));
        }
        let named: Vec<(&str, &Export)> = all.iter().map(|(n, e)| (n.as_str(), e)).collect();
        let checked = coordsr::study::check_set(&named, Some(&s.def))
            .and_then(|_| summarize(Some(&s.def), &all.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>()));
        Some(checked)
    };

    view! {
        <div class="study-complete" data-testid="complete">
            <h2>"Study complete"</h2>
            <p>{move || session.with(|s| s.as_ref().map(|s| format!(
                "Thank you, {}: {} cases answered. The methods can now be shown.", s.reader, s.export.answers.len())))}</p>
            <table class="study-answers" data-testid="answers">
                <thead><tr><th>"case"</th><th>"left"</th><th>"right"</th>
                    {move || session.with(|s| s.as_ref().map(|s| s.def.questions.iter().map(|q| view! {
                        <th>{format!("{} ({} vs {})", q.id, s.def.methods[0], s.def.methods[1])}</th>
                    }).collect_view()))}
                </tr></thead>
                <tbody>
                    {move || session.with(|s| s.as_ref().map(|s| s.export.answers.iter().map(|a| view! {
                        <tr>
                            <td>{a.case.clone()}</td><td>{a.left.clone()}</td><td>{a.right.clone()}</td>
                            {s.def.questions.iter().map(|q| view! { <td>{a.scores.get(&q.id).map_or("—".into(), |v| if *v == 0 { "0".into() } else { format!("{v:+}") })}</td> }).collect_view()}
                        </tr>
                    }).collect_view()))}
                </tbody>
            </table>
            <p>
                <button data-testid="export-csv" on:click=move |_| save(true)>"export CSV"</button>
                " "
                <button data-testid="export-json" on:click=move |_| save(false)>"export JSON"</button>
                " "
                <label class="button">"import readers' exports…"
                    <input type="file" multiple=true accept=".json,.csv" data-testid="import" hidden=true on:change=on_import />
                </label>
            </p>
            <div class="error" data-testid="complete-error" hidden=move || message.with(|m| m.is_none())>{move || message.get().unwrap_or_default()}</div>
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
