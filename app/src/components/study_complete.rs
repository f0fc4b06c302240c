//! The end of a reader's study: the methods unblinded, the answers exported (CSV and JSON, the
//! versioned schema `coordsr study summarize` reads), and the summary with other readers' exports.

use crate::study::Session;
use crate::components::study_summary::StudySummary;
use leptos::prelude::*;

#[component]
pub fn StudyComplete(session: RwSignal<Option<Session>, LocalStorage>) -> impl IntoView {
    let message = RwSignal::new(None::<String>);
    let export = move || session.with(|s| s.as_ref().map(|s| s.export_now()));
    let file_stem = move || session.with(|s| s.as_ref().map_or("answers".into(), |s| format!("{}-{}", s.def.id, s.reader)));

    let save = move |csv: bool| {
        let Some(e) = export() else { return };
        let result = if csv {
            crate::browser::download(&format!("{}.csv", file_stem()), "text/csv", &e.to_csv())
        } else {
            crate::browser::download(&format!("{}.json", file_stem()), "application/json", &e.to_json())
        };
        message.set(result.err());
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
            </p>
            <div class="error" data-testid="complete-error" hidden=move || message.with(|m| m.is_none())>{move || message.get().unwrap_or_default()}</div>
            {move || session.with(|s| s.as_ref().map(|s| view! { <StudySummary def=s.def.clone() own=Some(s.export_now()) /> }))}
        </div>
    }
}
