//! The viewer's state, in signals, shared through context.

use crate::decoder::{Decoder, Method, Shown};
use crate::display::Window;
use crate::status::{shows, Status};
use crate::route::Route;
use crate::scan::Scan;
use coordsr::view::View;
use leptos::prelude::*;
use std::rc::Rc;

/// The zoom range every control keeps to.
pub const ZOOM_MIN: f64 = 0.25;
pub const ZOOM_MAX: f64 = 16.0;

/// What is on screen and how, shared by both panes (and kept across pages): the scan, the
/// slice, zoom, centre, window and the panes' size. Its methods are the one place zoom is
/// clamped and CSS pixels become backing-store pixels (devicePixelRatio).
#[derive(Clone, Copy)]
pub struct ViewState {
    pub scan: RwSignal<Option<Scan>, LocalStorage>,
    pub slice: RwSignal<usize>,
    /// Zoom in CSS pixels per slice pixel (the slider's value); the decode multiplies by DPR.
    pub zoom: RwSignal<f64>,
    /// Slice coordinate at the centre of the viewport.
    pub center: RwSignal<[f64; 2]>,
    pub window: RwSignal<Window>,
    /// 0 grey, 1 hot.
    pub colormap: RwSignal<u32>,
    /// Size of one pane in CSS pixels (both panes have the same).
    pub viewport: RwSignal<(f64, f64)>,
    /// The zoom and centre the last "fit" chose: while the view still has them, a resized pane
    /// (another page, a window resize) fits again instead of keeping a stale zoom.
    pub last_fit: RwSignal<Option<(f64, [f64; 2])>>,
}

/// The viewer's state: what is on screen ([`ViewState`]), what each pane shows, the decoder,
/// status and errors. Modes (blinded, which methods, split) follow from the route.
#[derive(Clone, Copy)]
pub struct ViewerState {
    pub view: ViewState,
    /// The method of each pane (left, right) that the viewer's controls chose.
    pub methods: [RwSignal<Shown>; 2],
    /// The two methods of the reader study's current case (its own, so that the study never
    /// changes what the viewer was showing): what the panes show on the study's page.
    pub study_methods: RwSignal<[Shown; 2]>,
    /// Side-by-side as the viewer's control chose it (see [`ViewerState::split_shown`]).
    pub split: RwSignal<bool>,
    /// The page on screen: modes follow from it ([`ViewerState::blinded`]), never from which
    /// page was mounted last.
    pub route: ReadSignal<Route>,
    /// The reader on the study page has finished (its methods may be named).
    pub study_done: RwSignal<bool>,
    pub decoder: RwSignal<Option<Rc<Decoder>>, LocalStorage>,
    /// The tier, in words ("WebGPU (…)" or "CPU fallback (…)").
    pub backend: RwSignal<String>,
    pub status: RwSignal<[Status; 2]>,
    pub error: RwSignal<Option<String>>,
}

impl ViewState {
    /// The view keys shared by the viewer and the reader study: zoom, fit, auto window.
    pub fn view_key(self, key: &str) -> bool {
        match key {
            "+" | "=" => self.set_zoom(self.zoom.get_untracked() * 1.25),
            "-" => self.set_zoom(self.zoom.get_untracked() / 1.25),
            "f" | "F" => self.fit(),
            "a" | "A" => {
                if let Some((scan, i)) = self.current_slice_untracked() {
                    self.window.set(Window::auto(&scan.volume.slices[i]));
                }
            }
            _ => return false,
        }
        true
    }

    pub fn device_pixel_ratio() -> f64 {
        web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0)
    }

    /// Set the zoom (CSS pixels per slice pixel), kept within [`ZOOM_MIN`]..[`ZOOM_MAX`]: every
    /// control goes through here.
    pub fn set_zoom(&self, zoom: f64) {
        self.zoom.set(zoom.clamp(ZOOM_MIN, ZOOM_MAX));
    }

    /// Zoom by `factor` about the pane point (`u`, `v`) in CSS pixels, which stays over the same
    /// slice point; at the zoom range's ends the factor is cut so that it still does.
    pub fn zoom_about(&self, factor: f64, u: f64, v: f64) {
        let (w, h) = self.viewport.get_untracked();
        let view = View { width: w as usize, height: h as usize, center: self.center.get_untracked(), zoom: self.zoom.get_untracked() };
        let zoom = (view.zoom * factor).clamp(ZOOM_MIN, ZOOM_MAX);
        let z = view.zoom_about(zoom / view.zoom, u, v);
        self.zoom.set(zoom);
        self.center.set(z.center);
    }

    /// The decode scale: backing-store pixels per slice pixel (zoom × devicePixelRatio), what
    /// the decoder is asked for and what a study file states.
    pub fn decode_scale(&self) -> f64 {
        self.zoom.get() * Self::device_pixel_ratio()
    }

    pub fn set_decode_scale(&self, scale: f64) {
        self.set_zoom(scale / Self::device_pixel_ratio());
    }

    /// The decode view: the viewport's backing store (CSS size × devicePixelRatio).
    pub fn decode_view(&self) -> View {
        let dpr = Self::device_pixel_ratio();
        let (w, h) = self.viewport.get();
        View {
            width: (w * dpr).round().max(1.0) as usize,
            height: (h * dpr).round().max(1.0) as usize,
            center: self.center.get(),
            zoom: self.decode_scale(),
        }
    }

    /// Fit the current slice into the viewport.
    pub fn fit(&self) {
        if let Some(scan) = self.scan.get_untracked() {
            let (w, h) = self.viewport.get_untracked();
            let v = View::fit(w as usize, h as usize, scan.volume.width, scan.volume.height);
            self.zoom.set(v.zoom);
            self.center.set(v.center);
            self.last_fit.set(Some((v.zoom, v.center)));
        }
    }

    /// Fit again if the view is still the last fit (called when a pane's size changes).
    pub fn refit_if_fitted(&self) {
        if self.last_fit.get_untracked() == Some((self.zoom.get_untracked(), self.center.get_untracked())) {
            self.fit();
        }
    }

    /// Show a newly read scan: middle slice, fitted, auto window.
    pub fn show(&self, scan: Scan) {
        let mid = scan.volume.depth() / 2;
        self.window.set(Window::auto(&scan.volume.slices[mid]));
        self.slice.set(mid);
        self.scan.set(Some(scan));
        self.fit();
    }

    /// The slice on screen (clamped to the scan), tracked.
    pub fn current_slice(&self) -> Option<(Scan, usize)> {
        let scan = self.scan.get()?;
        let i = self.slice.get().min(scan.volume.depth() - 1);
        Some((scan, i))
    }

    pub fn current_slice_untracked(&self) -> Option<(Scan, usize)> {
        let scan = self.scan.get_untracked()?;
        let i = self.slice.get_untracked().min(scan.volume.depth() - 1);
        Some((scan, i))
    }

    pub fn step_slice(&self, delta: i64) {
        if let Some(scan) = self.scan.get_untracked() {
            let n = scan.volume.depth() as i64;
            let s = (self.slice.get_untracked() as i64 + delta).clamp(0, n - 1);
            self.slice.set(s as usize);
        }
    }
}

impl ViewerState {
    /// Reader-study mode: on the study page until the reader is done, method names are hidden
    /// everywhere and both sides show together.
    pub fn blinded(&self) -> bool {
        self.route.get() == Route::Study && !self.study_done.get()
    }

    /// What pane `index` shows (tracked): the study case's methods on the study's page, the
    /// coordinate decoder on the home page (what its text promises), the viewer's choice there.
    pub fn shown(&self, index: usize) -> Shown {
        match self.route.get() {
            Route::Study => self.study_methods.get()[index],
            Route::Home => Shown::Method(Method::Coord),
            _ => self.methods[index].get(),
        }
    }

    /// Whether the right pane is on (tracked): always in the study (pairs side by side), never
    /// on the home page (its strip has one pane), the viewer's choice there.
    pub fn split_shown(&self) -> bool {
        match self.route.get() {
            Route::Study => true,
            Route::Home => false,
            _ => self.split.get(),
        }
    }

    pub fn blinded_untracked(&self) -> bool {
        self.route.get_untracked() == Route::Study && !self.study_done.get_untracked()
    }

    /// Whether both panes have finished decoding what is on screen now (the same slice and
    /// view): in a blinded study, the moment both frames appear and the case can be scored.
    pub fn both_final(&self) -> bool {
        let Some((scan, i)) = self.view.current_slice() else { return false };
        let now = shows(&scan.key(i), &self.view.decode_view());
        self.status.with(|s| s.iter().all(|p| !p.busy && p.of == now))
    }

    pub fn new(route: ReadSignal<Route>) -> Self {
        Self {
            view: ViewState {
                scan: RwSignal::new_local(None),
                slice: RwSignal::new(0),
                zoom: RwSignal::new(1.0),
                center: RwSignal::new([0.0, 0.0]),
                window: RwSignal::new(Window { center: 0.5, width: 1.0 }),
                colormap: RwSignal::new(0),
                viewport: RwSignal::new((800.0, 600.0)),
                last_fit: RwSignal::new(None),
            },
            methods: [RwSignal::new(Shown::Method(Method::Coord)), RwSignal::new(Shown::Method(Method::Conv))],
            study_methods: RwSignal::new([Shown::Method(Method::Coord), Shown::Method(Method::Conv)]),
            split: RwSignal::new(false),
            route,
            study_done: RwSignal::new(false),
            decoder: RwSignal::new_local(None),
            backend: RwSignal::new(String::new()),
            status: RwSignal::new(Default::default()),
            error: RwSignal::new(None),
        }
    }

    /// Show a newly read scan ([`ViewState::show`]) and clear the last error.
    pub fn show(&self, scan: Scan) {
        self.view.show(scan);
        self.error.set(None);
    }

    /// Read files as one scan: in a decoding worker once they run (a large volume never holds
    /// the page), on the page before.
    pub async fn read(&self, files: Vec<(String, Vec<u8>)>, serial: u64) -> Result<Scan, String> {
        match self.decoder.get_untracked() {
            Some(d) => d.read(files, serial).await,
            None => crate::scan::read(files, serial),
        }
    }
}
