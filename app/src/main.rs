//! The coordsr web viewer (Leptos, client-side rendered).

mod app;
mod bench;
mod components;
mod decoder;
mod display;
mod gpu_display;
mod scan;
mod route;
mod simulation;
mod state;
mod study;
mod tier;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
