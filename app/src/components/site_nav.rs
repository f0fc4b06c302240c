//! The site's header: name and the five routes, the current one marked.

use crate::route::Route;
use leptos::prelude::*;

#[component]
pub fn SiteNav(route: ReadSignal<Route>) -> impl IntoView {
    view! {
        <header class="site-nav">
            <a class="brand" href="#/">"coordsr"</a>
            <nav>
                {Route::ALL.into_iter().map(|r| view! {
                    <a href=r.href() class:current=move || route.get() == r
                        aria-current=move || (route.get() == r).then_some("page")
                        data-testid=format!("nav-{}", r.href().trim_start_matches("#/").trim_end_matches('/'))>{r.title()}</a>
                }).collect_view()}
            </nav>
            <span class="nav-help">"? keys"</span>
        </header>
    }
}
