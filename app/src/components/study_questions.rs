//! The questions of the case on screen: "compared to the left image, the right image is …" on
//! −2..+2, keyboard first (1–5 score the active question, ↑/↓ pick it, Enter next, Backspace
//! back), with a progress bar. Every score is stored the moment it is given.

use crate::state::ViewerState;
use crate::study::Session;
use coordsr::study::{Viewing, LIKERT};
use leptos::prelude::*;

/// Act on a key in the reading phase; `true` when it was the study's (or a view key).
pub fn study_key(
    state: ViewerState,
    ready: Signal<bool>,
    session: RwSignal<Option<Session>, LocalStorage>,
    message: RwSignal<Option<String>>,
    active: RwSignal<usize>,
    key: &str,
) -> bool {
    let questions = session.with_untracked(|s| s.as_ref().map_or(0, |s| s.def.questions.len()));
    // Nothing is scored before both sides show their final images ("preparing" says so where
    // the question is asked: a message banner here would move the panes and restart them).
    if matches!(key, "1" | "2" | "3" | "4" | "5" | "Enter") && !ready.get_untracked() {
        return true;
    }
    match key {
        "1" | "2" | "3" | "4" | "5" => {
            let value = key.parse::<i8>().unwrap_or(3) - 3;
            score(session, message, active.get_untracked(), value);
            active.set((active.get_untracked() + 1).min(questions.saturating_sub(1)));
        }
        "ArrowUp" => active.set(active.get_untracked().saturating_sub(1)),
        "ArrowDown" => active.set((active.get_untracked() + 1).min(questions.saturating_sub(1))),
        "Enter" => {
            next(state, session, message);
            active.set(0);
        }
        "Backspace" => {
            back(session, message);
            active.set(0);
        }
        k => return state.view.view_key(k),
    }
    true
}

fn score(session: RwSignal<Option<Session>, LocalStorage>, message: RwSignal<Option<String>>, question: usize, value: i8) {
    let mut result = Ok(());
    session.update(|s| {
        if let Some(s) = s.as_mut()
            && let Some(q) = s.def.questions.get(question).map(|q| q.id.clone())
        {
            result = s.score(&q, value);
        }
    });
    message.set(result.err());
}

fn back(session: RwSignal<Option<Session>, LocalStorage>, message: RwSignal<Option<String>>) {
    let mut result = Ok(());
    session.update(|s| {
        if let Some(s) = s.as_mut() {
            result = s.back();
        }
    });
    message.set(result.err());
}

fn next(state: ViewerState, session: RwSignal<Option<Session>, LocalStorage>, message: RwSignal<Option<String>>) {
    if !session.with_untracked(|s| s.as_ref().is_some_and(|s| s.draft_complete())) {
        message.set(Some("answer every question of this case first".into()));
        return;
    }
    let w = state.view.window.get_untracked();
    let viewing = Viewing {
        millis: session.with_untracked(|s| s.as_ref().map_or(0.0, |s| s.viewing_millis())),
        // The decode scale, as the study file states it.
        zoom: untrack(|| state.view.decode_scale(state.view.plane.get())),
        center: state.view.of(state.view.plane.get_untracked()).center.get_untracked(),
        window: [w.center as f64, w.width as f64],
    };
    let mut result = Ok(());
    session.update(|s| {
        if let Some(s) = s.as_mut() {
            result = s.next(viewing);
        }
    });
    message.set(result.err());
}

#[component]
pub fn StudyQuestions(
    /// Both sides of the case on screen show their final images: only then may it be scored.
    ready: Signal<bool>,
    session: RwSignal<Option<Session>, LocalStorage>,
    message: RwSignal<Option<String>>,
    active: RwSignal<usize>,
) -> impl IntoView {
    let state = expect_context::<ViewerState>();
    let ready = move || ready.get();
    let progress = move || {
        session.with(|s| {
            s.as_ref().map_or((0, 0, 0), |s| (s.export.answers.len(), s.order.len(), s.position.min(s.order.len().saturating_sub(1)) + 1))
        })
    };
    view! {
        <div class="study-questions" data-testid="questions">
            <div class="study-progress">
                <progress data-testid="progress" max=move || progress().1 value=move || progress().0></progress>
                <span data-testid="case-number">{move || { let (done, n, at) = progress(); format!("case {at} of {n} · {done} answered") }}</span>
            </div>
            // One line either way: a change of height would resize the panes and start their
            // decodes again (and so "preparing" again, for ever).
            <p class="study-prompt">
                <span data-testid="preparing" hidden=ready>"Preparing both images…"</span>
                <span hidden=move || !ready()>"Compared to the left image, the right image is …"</span>
            </p>
            {move || session.with(|s| s.as_ref().map(|s| {
                s.def.questions.iter().enumerate().map(|(i, q)| {
                    let qid = q.id.clone();
                    let given = s.draft.scores.get(&q.id).copied();
                    view! {
                        <div class="study-question" class:active=move || active.get() == i data-question=qid.clone()>
                            <span class="study-label">{format!("{}. {}", i + 1, q.prompt)}</span>
                            {LIKERT.iter().enumerate().map(|(k, (value, label))| {
                                let value = *value;
                                view! {
                                    <button class="likert" class:chosen=given == Some(value) data-value=value.to_string() disabled=move || !ready()
                                        title=format!("key {}", k + 1)
                                        on:click=move |_| { active.set(i); score(session, message, i, value) }>
                                        {format!("{} {label}", k + 1)}
                                    </button>
                                }
                            }).collect_view()}
                        </div>
                    }
                }).collect_view()
            }))}
            <div class="study-actions">
                <button data-testid="back" disabled=move || session.with(|s| s.as_ref().is_none_or(|s| !s.def.allow_back || s.position == 0))
                    on:click=move |_| { back(session, message); active.set(0) }>"← back (Backspace)"</button>
                <button data-testid="next" disabled=move || !ready() || session.with(|s| s.as_ref().is_none_or(|s| !s.draft_complete()))
                    on:click=move |_| { next(state, session, message); active.set(0) }>"next (Enter)"</button>
                <button data-testid="export-draft" title="A copy of every answer given so far, for the study's coordinator (it names the methods: do not open it while reading)"
                    on:click=move |_| {
                        let saved = session.with_untracked(|s| s.as_ref().map(|s| {
                            crate::browser::download(&format!("{}-{}-so-far.json", s.def.id, s.reader), "application/json", &s.export_now().to_json())
                        }));
                        if let Some(Err(e)) = saved {
                            message.set(Some(e));
                        }
                    }>"export answers so far"</button>
                <span class="study-keys">"Keys: 1–5 score the highlighted question (much worse … much better), ↑/↓ choose it, Enter next, Backspace back; +/− zoom, F fit, A auto window, drag to pan, right-drag for window/level."</span>
            </div>
        </div>
    }
}
