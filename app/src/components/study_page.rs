//! The reader study: load the study file, ask for the reader's ID, show each case as two blinded
//! panes (same decoding as the viewer) with the questions, and, once complete, unblind, export
//! and summarise.

use crate::components::pane::Pane;
use crate::components::status_bar::StatusBar;
use crate::components::study_complete::StudyComplete;
use crate::components::study_questions::{study_key, StudyQuestions};
use crate::components::study_summary::StudySummary;
use crate::components::toolbar::Toolbar;
use crate::decoder::Shown;
use crate::display::Window;
use crate::scan::Scan;
use crate::state::ViewerState;
use crate::study::Session;
use coordsr::study::StudyDef;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Loading,
    Failed,
    Reader,
    Reading,
    Complete,
}

/// `relative` resolved against `base` (itself relative to the page), as the browser would.
fn resolve(relative: &str, base: &str) -> Result<String, String> {
    let page = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let base = web_sys::Url::new_with_base(base, &page).map_err(|_| format!("{base}: not a URL"))?;
    let url = web_sys::Url::new_with_base(relative, &base.href()).map_err(|_| format!("{relative}: not a URL"))?;
    Ok(url.href())
}

/// Show the case on screen: its scan, slice, zoom, centre, window, and the reader's sides.
async fn show_case(state: ViewerState, session: &Session, scans: Rc<RefCell<HashMap<String, Scan>>>) -> Result<(), String> {
    let Some(case_id) = session.case_id() else { return Ok(()) };
    let case = session.def.case(case_id).ok_or("unknown case")?.clone();
    let url = resolve(&case.scan, &session.url)?;
    let cached = scans.borrow().get(&url).cloned();
    let scan = match cached {
        Some(s) => s,
        None => {
            let bytes = crate::browser::fetch_bytes(&url).await?;
            let name = url.rsplit('/').next().unwrap_or(&url).to_string();
            let serial = scans.borrow().len() as u64 + 1000;
            let s = state.read(vec![(name, bytes)], serial).await?;
            scans.borrow_mut().insert(url.clone(), s.clone());
            s
        }
    };
    let depth = scan.volume.depth();
    let slice = case.slice.unwrap_or(depth / 2);
    if slice >= depth {
        return Err(format!("case {case_id}: slice {slice} is outside {} ({depth} slices)", case.scan));
    }
    let image = scan.volume.slices[slice].clone();
    let [left, right] = session.def.sides(&session.reader, case_id);
    let method = |m: &str| Shown::from_key(m).ok_or_else(|| format!("study method \"{m}\" is not one the viewer has"));
    let (left, right) = (method(left)?, method(right)?);
    state.study.methods.set([left, right]);
    state.show(scan);
    // The study draws stored slices ([`crate::state::ViewState::drawn`]) in the active plane's
    // pane: its slice is the crosshair's k.
    state.view.set_slice(slice);
    let name = state.view.plane.get_untracked();
    // The study's scale is the decode scale: CSS zoom × devicePixelRatio.
    state.view.set_decode_scale(name, case.zoom);
    state.view.of(name).center.set(case.center.unwrap_or([(image.width as f64 - 1.0) / 2.0, (image.height as f64 - 1.0) / 2.0]));
    state.view.window.set(match case.window {
        Some([center, width]) => Window { center: center as f32, width: width as f32 },
        None => Window::auto(&image),
    });
    Ok(())
}

#[component]
pub fn StudyPage(url: String) -> impl IntoView {
    let state = expect_context::<ViewerState>();
    let phase = RwSignal::new(Phase::Loading);
    let def: RwSignal<Option<Rc<StudyDef>>, LocalStorage> = RwSignal::new_local(None);
    let session: RwSignal<Option<Session>, LocalStorage> = RwSignal::new_local(None);
    let message = RwSignal::new(None::<String>);
    let reader_input = RwSignal::new(String::new());
    let scans: Rc<RefCell<HashMap<String, Scan>>> = Rc::default();

    {
        let url = url.clone();
        spawn_local(async move {
            let loaded = crate::browser::fetch_bytes(&url).await.and_then(|b| StudyDef::parse(&url, &b));
            match loaded {
                Ok(d) => {
                    def.set(Some(Rc::new(d)));
                    phase.set(Phase::Reader);
                }
                Err(e) => {
                    message.set(Some(e));
                    phase.set(Phase::Failed);
                }
            }
        });
    }

    // The case on screen follows the session's position.
    let case_key = Memo::new(move |_| session.with(|s| s.as_ref().and_then(|s| s.case_id().map(String::from))));
    // The case whose view is on screen: until the next one is shown, the panes still show the
    // last, and nothing may be scored against them.
    let shown_case = RwSignal::new(None::<String>);
    let ready = Signal::derive(move || shown_case.get().is_some() && shown_case.get() == case_key.get() && state.both_final());
    Effect::new(move |_| {
        let case = case_key.get();
        shown_case.set(None);
        let Some(s) = session.get_untracked() else { return };
        if s.complete() {
            state.study.done.set(true);
            phase.set(Phase::Complete);
            return;
        }
        if phase.get_untracked() != Phase::Reading {
            phase.set(Phase::Reading);
        }
        let scans = scans.clone();
        spawn_local(async move {
            match show_case(state, &s, scans).await {
                Ok(()) => shown_case.set(case),
                Err(e) => message.set(Some(e)),
            }
        });
    });

    // The case's time starts when both sides show their final images.
    Effect::new(move |_| {
        if phase.get() == Phase::Reading && ready.get() && session.with_untracked(|s| s.as_ref().is_some_and(|s| s.draft.shown_at == 0.0)) {
            session.update(|s| {
                if let Some(s) = s.as_mut() {
                    s.mark_shown();
                }
            });
        }
    });

    let start = {
        let url = url.clone();
        move || {
            let Some(d) = def.get_untracked() else { return };
            match Session::open(d, url.clone(), &reader_input.get_untracked()) {
                Ok(s) => {
                    // Blinded from this reader's first frame until the study is complete.
                    state.study.done.set(false);
                    message.set(None);
                    session.set(Some(s));
                }
                Err(e) => message.set(Some(e)),
            }
        }
    };
    let start_click = start.clone();
    // The question the number keys answer.
    let active = RwSignal::new(0usize);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if phase.get_untracked() == Phase::Reading && !crate::browser::target_is_input(&ev) && study_key(state, ready, session, message, active, &ev.key()) {
            ev.prevent_default();
        }
    };

    // Keys go to the study as soon as reading starts (the start button that had focus is gone).
    let root = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if phase.get() == Phase::Reading
            && let Some(r) = root.get_untracked()
        {
            let _ = r.focus();
        }
    });

    view! {
        <div class="page study" tabindex="0" on:keydown=on_key node_ref=root data-testid="page-study">
            <div class="page-bar">
                <span class="subtitle" data-testid="study-title">
                    {move || def.get().map_or("reader study".to_string(), |d| format!("reader study: {}", d.title))}
                </span>
            </div>
            <div class="error" data-testid="study-error" hidden=move || message.with(|m| m.is_none())>
                {move || message.get().unwrap_or_default()}
            </div>
            {move || match phase.get() {
                Phase::Loading => view! { <p class="study-note">"Loading the study…"</p> }.into_any(),
                Phase::Failed => view! { <p class="study-note">"The study could not be opened."</p> }.into_any(),
                Phase::Reader => {
                    let start = start.clone();
                    let start_click = start_click.clone();
                    view! {
                        <form class="study-reader" on:submit=move |ev| { ev.prevent_default(); start() }>
                            <p>"Each case shows two reconstructions of the same image, side by side, with the method names hidden. \
                                Answers are kept in this browser the moment they are given; closing the tab loses nothing, \
                                and entering the same ID again resumes where you stopped."</p>
                            <label>"Reader ID "
                                <input type="text" data-testid="reader-id" autofocus=true
                                    prop:value=move || reader_input.get()
                                    on:input=move |ev| reader_input.set(event_target_value(&ev)) />
                            </label>
                            <button type="submit" data-testid="start" on:click=move |ev| { ev.prevent_default(); start_click() }>"start"</button>
                        </form>
                        <section class="study-coordinator">
                            <h3>"Study coordinator: summarise readers' exports"</h3>
                            {move || def.get().map(|d| view! { <StudySummary def=d own=None /> })}
                        </section>
                    }.into_any()
                }
                Phase::Reading => view! {
                    <Toolbar />
                    <main class="panes"><Pane index=0 /><Pane index=1 /></main>
                    <StudyQuestions ready=ready session=session message=message active=active />
                    <StatusBar />
                }.into_any(),
                Phase::Complete => view! { <StudyComplete session=session /> }.into_any(),
            }}
        </div>
    }
}
