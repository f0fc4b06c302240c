//! "Save as PNG" (S): the active pane's canvas with its orientation labels and provenance line
//! burned in, so that a picture taken out of the viewer still says which side is which and
//! which pixels were synthesised. Made in the page (a data URL handed to a download link):
//! nothing leaves the machine.

use crate::hooks;
use crate::state::{Layout, ViewerState};
use leptos::prelude::*;
use coordsr::orientation::PlaneName;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlAnchorElement, HtmlCanvasElement};

/// The slot of the active pane: the active plane's in the three-pane layout, else the first.
fn active_slot(state: ViewerState) -> usize {
    match state.view.layout_choice.get_untracked() {
        Layout::Three if state.route.get_untracked() == crate::route::Route::Viewer => {
            PlaneName::ALL.iter().position(|p| *p == state.view.plane.get_untracked()).unwrap_or(0)
        }
        _ => 0,
    }
}

/// Save the active pane; a failure goes to the error line.
pub fn save_active(state: ViewerState) {
    if let Err(e) = save(active_slot(state)) {
        state.error.set(Some(format!("saving the pane as PNG: {e}")));
    }
}

fn save(slot: usize) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let testid = if slot == 0 { "viewport".to_string() } else { format!("viewport-{slot}") };
    let source: HtmlCanvasElement = document
        .query_selector(&format!("[data-testid={testid}]"))
        .map_err(err)?
        .ok_or("no pane on screen")?
        .dyn_into()
        .map_err(|_| "not a canvas".to_string())?;
    let info = hooks::pane(slot).ok_or("the pane shows nothing yet")?;
    let dpr = info.geometry.dpr;
    let (w, h) = (source.width() as f64, source.height() as f64);
    let strip = (22.0 * dpr).round();
    let out: HtmlCanvasElement = document.create_element("canvas").map_err(err)?.dyn_into().map_err(|_| "no canvas".to_string())?;
    out.set_width(w as u32);
    out.set_height((h + strip) as u32);
    let ctx: CanvasRenderingContext2d =
        out.get_context("2d").map_err(err)?.ok_or("no 2D context")?.dyn_into().map_err(|_| "no 2D context".to_string())?;
    ctx.set_fill_style_str("#111");
    ctx.fill_rect(0.0, 0.0, w, h + strip);
    ctx.draw_image_with_html_canvas_element(&source, 0.0, 0.0).map_err(err)?;
    let size = (13.0 * dpr).round();
    ctx.set_font(&format!("bold {size}px sans-serif"));
    ctx.set_fill_style_str("#ffd54a");
    let l = info.labels();
    let pad = 4.0 * dpr;
    ctx.set_text_align("center");
    ctx.set_text_baseline("top");
    ctx.fill_text(&l.top.to_string(), w / 2.0, pad).map_err(err)?;
    ctx.set_text_baseline("bottom");
    ctx.fill_text(&l.bottom.to_string(), w / 2.0, h - pad).map_err(err)?;
    ctx.set_text_baseline("middle");
    ctx.set_text_align("left");
    ctx.fill_text(&l.left.to_string(), pad, h / 2.0).map_err(err)?;
    ctx.set_text_align("right");
    ctx.fill_text(&l.right.to_string(), w - pad, h / 2.0).map_err(err)?;
    let o = info.overlay(None);
    ctx.set_font(&format!("{}px sans-serif", (12.0 * dpr).round()));
    ctx.set_fill_style_str("#eee");
    ctx.set_text_align("left");
    let line = format!("coordsr · {} · {} · {}", o.naming, o.provenance, o.convention);
    ctx.fill_text(&line, pad, h + strip / 2.0).map_err(err)?;
    let url = out.to_data_url_with_type("image/png").map_err(err)?;
    let a: HtmlAnchorElement = document.create_element("a").map_err(err)?.dyn_into().map_err(|_| "no link".to_string())?;
    a.set_href(&url);
    a.set_download(&format!("coordsr-{}-{}.png", o.plane.replace(' ', "-"), info.geometry.plane.index + 1));
    a.click();
    Ok(())
}
