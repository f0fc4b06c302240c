//! Opening the user's own scans: file picker, folder picker, drag and drop. Files are read in
//! the browser (parsed in a decoding worker); nothing leaves it.

use crate::state::ViewerState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicU64, Ordering};
use wasm_bindgen::JsCast;
use web_sys::{FileList, HtmlInputElement};

static SERIAL: AtomicU64 = AtomicU64::new(1);

/// Read every file, then hand them to the engine; a failure leaves the current scan in place.
pub fn open_files(state: ViewerState, list: FileList) {
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    if files.is_empty() {
        return;
    }
    spawn_local(async move {
        let mut read = Vec::with_capacity(files.len());
        for f in files {
            let name = f.name();
            let blob = gloo::file::Blob::from(f);
            match gloo::file::futures::read_as_bytes(&blob).await {
                Ok(bytes) => read.push((name, bytes)),
                Err(e) => {
                    state.error.set(Some(format!("{name}: could not be read ({e})")));
                    return;
                }
            }
        }
        match state.read(read, SERIAL.fetch_add(1, Ordering::Relaxed)).await {
            Ok(s) => state.show(s),
            Err(e) => state.error.set(Some(e)),
        }
    });
}

#[component]
pub fn FileOpen() -> impl IntoView {
    let state = expect_context::<ViewerState>();
    let folder = NodeRef::<leptos::html::Input>::new();
    // Not a standard attribute, so not in the typed view macro: set it once mounted.
    Effect::new(move |_| {
        if let Some(input) = folder.get() {
            let _ = input.set_attribute("webkitdirectory", "");
        }
    });
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
            if let Some(list) = input.files() {
                open_files(state, list);
            }
            input.set_value("");
        }
    };
    view! {
        <span class="file-open">
            <label class="button" title="NIfTI (.nii, .nii.gz), DICOM (one file or a series), NPY or PNG">
                "open files…"
                <input type="file" multiple data-testid="file" on:change=on_change />
            </label>
            <label class="button" title="A folder holding one DICOM series">
                "open folder…"
                <input type="file" node_ref=folder on:change=on_change />
            </label>
        </span>
    }
}
