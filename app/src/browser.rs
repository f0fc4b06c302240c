//! The browser at the edge: fetching this site's files (and only this site's), URL parameters,
//! and which element a key belongs to. Components and the shell use these; nothing here knows
//! the app's state.

/// Fetch a file of this site. Every request the app makes comes through here, and only URLs of
/// the page's own origin are fetched: a study named by `?study=` (or a scan it names) elsewhere is
/// refused before any request leaves, so no URL parameter can make the app reach another site.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    same_origin(url)?;
    let resp = gloo::net::http::Request::get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
    if !resp.ok() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    resp.binary().await.map_err(|e| format!("{url}: {e}"))
}

/// `Ok` when `url` (absolute or relative to the page) is on the page's own origin.
pub fn same_origin(url: &str) -> Result<(), String> {
    let location = web_sys::window().ok_or("no page")?.location();
    let (href, origin) = (location.href().map_err(|_| "no page address")?, location.origin().map_err(|_| "no page origin")?);
    let target = web_sys::Url::new_with_base(url, &href).map_err(|_| format!("{url}: not a valid address"))?;
    if target.origin() == origin {
        Ok(())
    } else {
        Err(format!(
            "{url}: refused: the viewer opens files of this site only ({origin}); medical data stays local, so studies and scans must be served from here"
        ))
    }
}

pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        // Values arrive percent-encoded (`?study=https%3A%2F%2F…`): decode them.
        (k == name).then(|| js_sys::decode_uri_component(&v.replace('+', " ")).ok().and_then(|d| d.as_string()).unwrap_or_else(|| v.to_string()))
    })
}

/// Whether a key event belongs to a form control (which keeps its keys).
pub fn target_is_input(ev: &leptos::ev::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
        .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
}

/// Hand `text` to the browser as a download named `name` (a blob URL: nothing leaves the page).
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag).map_err(|_| "could not make the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "could not make the file")?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = wasm_bindgen::JsCast::unchecked_into(document.create_element("a").map_err(|_| "no link")?);
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
