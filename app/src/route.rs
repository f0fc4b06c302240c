//! Client-side routes in the URL's fragment (`#/results`): every route is one static
//! `index.html`, so deep links and reloads work on any web server, and the browser's back button
//! walks the fragments.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Home,
    Results,
    Viewer,
    Study,
    About,
}

impl Route {
    pub const ALL: [Route; 5] = [Route::Home, Route::Results, Route::Viewer, Route::Study, Route::About];

    pub fn href(&self) -> &'static str {
        match self {
            Route::Home => "#/",
            Route::Results => "#/results",
            Route::Viewer => "#/viewer",
            Route::Study => "#/study",
            Route::About => "#/about",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Route::Home => "Home",
            Route::Results => "Results",
            Route::Viewer => "Viewer",
            Route::Study => "Reader study",
            Route::About => "About",
        }
    }

    /// The route of a fragment; unknown fragments go home. A `?study=` link (the study's own
    /// address, older than the routes) opens the study.
    pub fn parse(hash: &str) -> Route {
        let fragment = hash.trim_start_matches('#');
        // Only an address without any fragment falls back on its query: "#/" is the home link.
        let bare = fragment.is_empty();
        match fragment.trim_end_matches('/') {
            "/results" => Route::Results,
            "/viewer" => Route::Viewer,
            "/study" => Route::Study,
            "/about" => Route::About,
            "" if bare && crate::browser::query_param("study").is_some() => Route::Study,
            "" if bare && ["method", "compare", "simulate"].iter().any(|k| crate::browser::query_param(k).is_some()) => Route::Viewer,
            _ => Route::Home,
        }
    }
}

fn current() -> Route {
    Route::parse(&web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default())
}

/// The route signal, kept in step with the fragment (links, back and forward buttons).
pub fn install() -> ReadSignal<Route> {
    let (route, set_route) = signal(current());
    if let Some(w) = web_sys::window() {
        let cb = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            set_route.set(current());
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        });
        let _ = w.add_event_listener_with_callback("hashchange", wasm_bindgen::JsCast::unchecked_ref(cb.as_ref()));
        // Lives as long as the page.
        cb.forget();
    }
    route
}
