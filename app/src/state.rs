//! The viewer's state, in signals, shared through context.

use crate::decoder::{Decoder, Method};
use crate::display::Window;
use crate::scan::Scan;
use coordsr::view::View;
use leptos::prelude::*;
use std::rc::Rc;

#[derive(Clone, Copy)]
pub struct ViewerState {
    pub scan: RwSignal<Option<Scan>, LocalStorage>,
    pub slice: RwSignal<usize>,
    /// Zoom in CSS pixels per slice pixel (the slider's value); the decode multiplies by DPR.
    pub zoom: RwSignal<f64>,
    /// Slice coordinate at the centre of the viewport.
    pub center: RwSignal<[f64; 2]>,
    pub window: RwSignal<Window>,
    /// 0 grey, 1 hot.
    pub colormap: RwSignal<u32>,
    pub method: RwSignal<Method>,
    pub decoder: RwSignal<Option<Rc<Decoder>>, LocalStorage>,
    /// Viewport size in CSS pixels.
    pub viewport: RwSignal<(f64, f64)>,
    pub status: RwSignal<Status>,
    pub error: RwSignal<Option<String>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    pub backend: String,
    pub output: (usize, usize),
    pub millis: f64,
    pub busy: bool,
    pub note: String,
}

impl ViewerState {
    pub fn new() -> Self {
        Self {
            scan: RwSignal::new_local(None),
            slice: RwSignal::new(0),
            zoom: RwSignal::new(1.0),
            center: RwSignal::new([0.0, 0.0]),
            window: RwSignal::new(Window { center: 0.5, width: 1.0 }),
            colormap: RwSignal::new(0),
            method: RwSignal::new(Method::Coord),
            decoder: RwSignal::new_local(None),
            viewport: RwSignal::new((800.0, 600.0)),
            status: RwSignal::new(Status::default()),
            error: RwSignal::new(None),
        }
    }

    pub fn device_pixel_ratio() -> f64 {
        web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0)
    }

    /// The decode view: the viewport's backing store (CSS size × devicePixelRatio).
    pub fn view(&self) -> View {
        let dpr = Self::device_pixel_ratio();
        let (w, h) = self.viewport.get();
        View {
            width: (w * dpr).round().max(1.0) as usize,
            height: (h * dpr).round().max(1.0) as usize,
            center: self.center.get(),
            zoom: self.zoom.get() * dpr,
        }
    }

    /// Fit the current slice into the viewport.
    pub fn fit(&self) {
        if let Some(scan) = self.scan.get_untracked() {
            let (w, h) = self.viewport.get_untracked();
            let v = View::fit(w as usize, h as usize, scan.volume.width, scan.volume.height);
            self.zoom.set(v.zoom);
            self.center.set(v.center);
        }
    }

    /// Show a newly read scan: middle slice, fitted, auto window.
    pub fn show(&self, scan: Scan) {
        let mid = scan.volume.depth() / 2;
        self.window.set(Window::auto(&scan.volume.slices[mid]));
        self.slice.set(mid);
        self.scan.set(Some(scan));
        self.error.set(None);
        self.fit();
    }

    pub fn step_slice(&self, delta: i64) {
        if let Some(scan) = self.scan.get_untracked() {
            let n = scan.volume.depth() as i64;
            let s = (self.slice.get_untracked() as i64 + delta).clamp(0, n - 1);
            self.slice.set(s as usize);
        }
    }
}
