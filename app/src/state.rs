//! The viewer's state, in signals, shared through context.

use crate::decoder::{Compute, Method, Shown};
use crate::display::Window;
use coordsr::orientation::PlaneName;
use coordsr::oriented::{Convention, OrientedPlane};
use coordsr::volume::Plane;
use crate::status::{shows, Status};
use crate::route::Route;
use crate::scan::Scan;
use coordsr::view::View;
use leptos::prelude::*;
use std::rc::Rc;

/// Panes on screen at most (the three-pane layout).
pub const PANES: usize = 3;

/// The zoom range every control keeps to.
pub const ZOOM_MIN: f64 = 0.25;
pub const ZOOM_MAX: f64 = 16.0;

/// One plane's zoom and pan (each plane of the three-pane layout has its own, as in NiiVue), and
/// the size of the pane that shows it.
#[derive(Clone, Copy)]
pub struct PlaneState {
    /// CSS pixels per image pixel across (the slider's value); the decode's [`View::zoom`] is this
    /// × devicePixelRatio (device pixels), and down it is × the plane's pixel aspect too.
    pub css_zoom: RwSignal<f64>,
    /// Image coordinate at the centre of the pane.
    pub center: RwSignal<[f64; 2]>,
    /// Size of the pane in CSS pixels (a compared pair has the same).
    pub viewport: RwSignal<(f64, f64)>,
    /// The zoom and centre the last "fit" chose: while the view still has them, a resized pane
    /// (another page, a window resize) fits again instead of keeping a stale zoom.
    pub last_fit: RwSignal<Option<(f64, [f64; 2])>>,
}

impl PlaneState {
    fn new() -> Self {
        Self {
            css_zoom: RwSignal::new(1.0),
            center: RwSignal::new([0.0, 0.0]),
            viewport: RwSignal::new((800.0, 600.0)),
            last_fit: RwSignal::new(None),
        }
    }
}

/// One pane or three.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The active plane, with the comparison split and the simulated mode.
    One,
    /// Axial, coronal and sagittal side by side, each with its own zoom and pan, a crosshair
    /// through all three.
    Three,
}

/// What is on screen and how, shared by every pane (and kept across pages): the scan, the
/// crosshair, the active plane, each plane's zoom and pan, window and convention. Its methods
/// are the one place zoom is clamped and CSS pixels become backing-store pixels
/// (devicePixelRatio), and where a plane of the volume is chosen and oriented.
#[derive(Clone, Copy)]
pub struct ViewState {
    pub scan: RwSignal<Option<Scan>, LocalStorage>,
    /// The crosshair: a voxel index (fractional within a plane). Each plane shows the voxel
    /// plane through it along its normal; clicking a plane moves it.
    pub cursor: RwSignal<[f64; 3]>,
    /// The plane the one-pane layout shows and the slice slider, zoom slider and keys act on.
    pub plane: RwSignal<PlaneName>,
    /// Zoom and pan of the axial, coronal and sagittal plane ([`PlaneName::ALL`]'s order).
    pub planes: [PlaneState; 3],
    pub window: RwSignal<Window>,
    /// 0 grey, 1 hot.
    pub colormap: RwSignal<u32>,
    /// Radiological (default) or neurological: which side the patient's right is drawn on.
    pub convention: RwSignal<Convention>,
    /// The viewer's layout choice ([`ViewState::layout`] is what a page shows).
    pub layout_choice: RwSignal<Layout>,
    /// Whether the crosshair is drawn (it is there either way).
    pub crosshair: RwSignal<bool>,
    /// The page: the reader study draws its slices as stored (its cases name stored coordinates).
    pub route: ReadSignal<Route>,
}

fn plane_slot(name: PlaneName) -> usize {
    PlaneName::ALL.iter().position(|p| *p == name).unwrap_or(0)
}

/// A plane of the scan as a pane draws it: the oriented plane and its pixel aspect.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drawn {
    pub plane: OrientedPlane,
    /// Pixel height over width in mm ([`View::aspect`]).
    pub aspect: f64,
}

impl ViewState {
    /// The view keys shared by the viewer and the reader study: zoom, fit, auto window.
    pub fn view_key(self, key: &str) -> bool {
        let name = self.plane.get_untracked();
        match key {
            "+" | "=" => self.set_zoom(name, self.planes[plane_slot(name)].css_zoom.get_untracked() * 1.25),
            "-" => self.set_zoom(name, self.planes[plane_slot(name)].css_zoom.get_untracked() / 1.25),
            "f" | "F" => self.fit(name),
            "a" | "A" => {
                if let Some(scan) = self.scan.get_untracked() {
                    self.window.set(Window::auto_volume(&scan.volume));
                }
            }
            _ => return false,
        }
        true
    }

    pub fn device_pixel_ratio() -> f64 {
        web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0)
    }

    /// Zoom and pan of plane `name`.
    pub fn of(&self, name: PlaneName) -> PlaneState {
        self.planes[plane_slot(name)]
    }

    /// The layout on screen (tracked): the viewer's choice on its page for a volume; one pane
    /// elsewhere, and for a single slice (its other planes would be lines).
    pub fn layout(&self) -> Layout {
        let volume = self.scan.with(|s| s.as_ref().is_none_or(|s| s.volume.depth() > 1));
        if self.route.get() == Route::Viewer && volume { self.layout_choice.get() } else { Layout::One }
    }

    /// Whether planes are drawn as stored (the reader study) rather than oriented (tracked).
    pub fn stored(&self) -> bool {
        self.route.get() == Route::Study
    }

    pub fn stored_untracked(&self) -> bool {
        self.route.get_untracked() == Route::Study
    }

    /// Plane `name` through the crosshair as it is drawn (tracked): oriented for the convention,
    /// or, in the reader study, the stored slice.
    pub fn drawn(&self, name: PlaneName) -> Option<Drawn> {
        let stored = self.stored();
        let convention = self.convention.get();
        let cursor = self.cursor.get();
        self.scan.with(|s| {
            let vol = &s.as_ref()?.volume;
            let plane = if stored {
                OrientedPlane::stored(Plane { fixed: 2, index: 0 })
            } else {
                OrientedPlane::oriented(&vol.affine, name, 0, convention)
            };
            let n = plane.count(vol);
            let index = (cursor[plane.fixed].round().max(0.0) as usize).min(n.saturating_sub(1));
            let plane = plane.at(index);
            let [sx, sy] = plane.spacing(vol);
            let aspect = if stored || !(sx > 0.0 && sy > 0.0) { 1.0 } else { sy / sx };
            Some(Drawn { plane, aspect })
        })
    }

    /// Set plane `name`'s zoom (CSS pixels per image pixel), kept within
    /// [`ZOOM_MIN`]..[`ZOOM_MAX`]: every control goes through here.
    pub fn set_zoom(&self, name: PlaneName, zoom: f64) {
        self.of(name).css_zoom.set(zoom.clamp(ZOOM_MIN, ZOOM_MAX));
    }

    /// The decode view of plane `name` in a pane of CSS size `viewport` (untracked).
    fn view_untracked(&self, name: PlaneName) -> View {
        let p = self.of(name);
        let (w, h) = p.viewport.get_untracked();
        let aspect = self.drawn_untracked(name).map_or(1.0, |d| d.aspect);
        View::new(w as usize, h as usize, p.center.get_untracked(), p.css_zoom.get_untracked()).with_aspect(aspect)
    }

    pub fn drawn_untracked(&self, name: PlaneName) -> Option<Drawn> {
        untrack(|| self.drawn(name))
    }

    /// Zoom plane `name` by `factor` about the pane point (`u`, `v`) in CSS pixels, which stays
    /// over the same image point; at the zoom range's ends the factor is cut so that it still does.
    pub fn zoom_about(&self, name: PlaneName, factor: f64, u: f64, v: f64) {
        let view = self.view_untracked(name);
        let zoom = (view.zoom * factor).clamp(ZOOM_MIN, ZOOM_MAX);
        let z = view.zoom_about(zoom / view.zoom, u, v);
        let p = self.of(name);
        p.css_zoom.set(zoom);
        p.center.set(z.center);
    }

    /// Pan plane `name` by (`dx`, `dy`) CSS pixels.
    pub fn pan(&self, name: PlaneName, dx: f64, dy: f64) {
        let view = self.view_untracked(name);
        let [zx, zy] = view.zooms();
        self.of(name).center.update(|c| {
            c[0] -= dx / zx;
            c[1] -= dy / zy;
        });
    }

    /// The decode scale of plane `name`: backing-store pixels per image pixel across (CSS zoom ×
    /// devicePixelRatio), what the decoder is asked for and what a study file states.
    pub fn decode_scale(&self, name: PlaneName) -> f64 {
        self.of(name).css_zoom.get() * Self::device_pixel_ratio()
    }

    pub fn set_decode_scale(&self, name: PlaneName, scale: f64) {
        self.set_zoom(name, scale / Self::device_pixel_ratio());
    }

    /// The decode view of plane `name` drawn at pixel aspect `aspect` ([`Drawn::aspect`])
    /// (tracked): its pane's backing store (CSS size × devicePixelRatio).
    pub fn decode_view(&self, name: PlaneName, aspect: f64) -> View {
        let dpr = Self::device_pixel_ratio();
        let p = self.of(name);
        let (w, h) = p.viewport.get();
        View {
            width: (w * dpr).round().max(1.0) as usize,
            height: (h * dpr).round().max(1.0) as usize,
            center: p.center.get(),
            zoom: self.decode_scale(name),
            aspect,
        }
    }

    /// Fit plane `name` into its pane.
    pub fn fit(&self, name: PlaneName) {
        let Some(scan) = self.scan.get_untracked() else { return };
        let Some(d) = self.drawn_untracked(name) else { return };
        let p = self.of(name);
        let (w, h) = p.viewport.get_untracked();
        let (iw, ih) = d.plane.size(&scan.volume);
        let v = View::fit(w as usize, h as usize, iw, ih, d.aspect);
        p.css_zoom.set(v.zoom);
        p.center.set(v.center);
        p.last_fit.set(Some((v.zoom, v.center)));
    }

    pub fn fit_all(&self) {
        for name in PlaneName::ALL {
            self.fit(name);
        }
    }

    /// Fit plane `name` again if its view is still the last fit (when its pane's size changes).
    pub fn refit_if_fitted(&self, name: PlaneName) {
        let p = self.of(name);
        if p.last_fit.get_untracked() == Some((p.css_zoom.get_untracked(), p.center.get_untracked())) {
            self.fit(name);
        }
    }

    /// Show a newly read scan: crosshair at its centre, every plane fitted, window from the
    /// volume's percentiles.
    pub fn show(&self, scan: Scan) {
        let d = scan.volume.dims();
        // A single slice has one plane, the one it was acquired in: it becomes the active one (a
        // volume keeps the plane the reader chose).
        if scan.volume.depth() == 1 {
            self.plane.set(coordsr::orientation::plane_naming(&scan.volume.affine, Plane { fixed: 2, index: 0 }).name);
        }
        self.window.set(Window::auto_volume(&scan.volume));
        self.cursor.set(std::array::from_fn(|a| (d[a] / 2) as f64));
        self.scan.set(Some(scan));
        self.fit_all();
    }

    /// The image plane `name` shows now (tracked): the scan, the drawn plane and its image.
    pub fn current(&self, name: PlaneName) -> Option<(Scan, Drawn)> {
        let scan = self.scan.get()?;
        let d = self.drawn(name)?;
        Some((scan, d))
    }

    /// The active plane's index along its normal and how many there are (tracked).
    pub fn slice(&self) -> Option<(usize, usize)> {
        let d = self.drawn(self.plane.get())?;
        let n = self.scan.with(|s| s.as_ref().map(|s| d.plane.count(&s.volume)))?;
        Some((d.plane.index, n))
    }

    /// Put the active plane at index `i` along its normal (the crosshair moves with it).
    pub fn set_slice(&self, i: usize) {
        if let Some(d) = self.drawn_untracked(self.plane.get_untracked()) {
            let n = self.scan.with_untracked(|s| s.as_ref().map_or(1, |s| d.plane.count(&s.volume)));
            self.cursor.update(|c| c[d.plane.fixed] = i.min(n.saturating_sub(1)) as f64);
        }
    }

    /// Step the active plane by `delta` planes along its normal.
    pub fn step_slice(&self, delta: i64) {
        if let Some(d) = self.drawn_untracked(self.plane.get_untracked()) {
            let n = self.scan.with_untracked(|s| s.as_ref().map_or(1, |s| d.plane.count(&s.volume))) as i64;
            let i = (d.plane.index as i64 + delta).clamp(0, n - 1);
            self.cursor.update(|c| c[d.plane.fixed] = i as f64);
        }
    }
}

/// The reader study's own state: the current case's pair and whether the reader has finished.
/// Its own, so that the study never changes what the viewer was showing.
#[derive(Clone, Copy)]
pub struct StudyState {
    /// The two methods of the current case: what the panes show on the study's page.
    pub methods: RwSignal<[Shown; 2]>,
    /// The reader has finished (the methods may be named).
    pub done: RwSignal<bool>,
}

/// The state every page shares, in three parts: what is on screen ([`ViewState`]: scan,
/// crosshair, planes, window), what the panes show (`methods`, `split`, `status`), the study's
/// ([`StudyState`]), and the page's (`route`, `compute`, `backend`, `error`). Modes (blinded,
/// which methods, split, layout) follow from the route.
#[derive(Clone, Copy)]
pub struct ViewerState {
    pub view: ViewState,
    /// The method of each pane (left, right) that the viewer's controls chose.
    pub methods: [RwSignal<Shown>; 2],
    /// Side-by-side as the viewer's control chose it (see [`ViewerState::split_shown`]).
    pub split: RwSignal<bool>,
    /// Each pane's status line, by slot ([`ViewerState::pane`]).
    pub status: RwSignal<[Status; PANES]>,
    pub study: StudyState,
    /// The page on screen: modes follow from it ([`ViewerState::blinded`]), never from which
    /// page was mounted last.
    pub route: ReadSignal<Route>,
    /// The page's compute (decoding workers and the models), once started.
    pub compute: RwSignal<Option<Rc<Compute>>, LocalStorage>,
    /// The tier, in words ("WebGPU (…)" or "CPU fallback (…)").
    pub backend: RwSignal<String>,
    pub error: RwSignal<Option<String>>,
}

impl ViewerState {
    /// Reader-study mode: on the study page until the reader is done, method names are hidden
    /// everywhere and both sides show together.
    pub fn blinded(&self) -> bool {
        self.route.get() == Route::Study && !self.study.done.get()
    }

    /// What pane `index` shows (tracked): the study case's methods on the study's page, the
    /// coordinate decoder on the home page (what its text promises), the viewer's choice there.
    pub fn shown(&self, index: usize) -> Shown {
        match self.route.get() {
            Route::Study => self.study.methods.get()[index],
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
        self.route.get_untracked() == Route::Study && !self.study.done.get_untracked()
    }

    /// What pane `slot` shows (tracked): its plane and method, or `None` when it is hidden. One
    /// pane: slot 0 the active plane, slot 1 the same plane compared; three panes: axial,
    /// coronal, sagittal in slots 0, 1, 2, each with the viewer's method.
    pub fn pane(&self, slot: usize) -> Option<(PlaneName, Shown)> {
        match (self.view.layout(), slot) {
            (Layout::Three, s) if s < PANES => Some((PlaneName::ALL[s], self.shown(0))),
            (Layout::One, 0) => Some((self.view.plane.get(), self.shown(0))),
            (Layout::One, 1) if self.split_shown() => Some((self.view.plane.get(), self.shown(1))),
            _ => None,
        }
    }

    /// Whether every pane on screen has finished decoding what it shows now (the same plane and
    /// view): in a blinded study, the moment both frames appear and the case can be scored.
    pub fn both_final(&self) -> bool {
        let status = self.status.get();
        (0..PANES).filter_map(|slot| self.pane(slot).map(|p| (slot, p))).all(|(slot, (name, _))| {
            let Some((scan, d)) = self.view.current(name) else { return false };
            let now = shows(&scan.key(&d.plane), &self.view.decode_view(name, d.aspect));
            !status[slot].busy && status[slot].of == now
        })
    }

    pub fn new(route: ReadSignal<Route>) -> Self {
        Self {
            view: ViewState {
                scan: RwSignal::new_local(None),
                cursor: RwSignal::new([0.0; 3]),
                plane: RwSignal::new(PlaneName::Axial),
                planes: [PlaneState::new(), PlaneState::new(), PlaneState::new()],
                window: RwSignal::new(Window { center: 0.5, width: 1.0 }),
                colormap: RwSignal::new(0),
                convention: RwSignal::new(Convention::Radiological),
                layout_choice: RwSignal::new(Layout::Three),
                crosshair: RwSignal::new(true),
                route,
            },
            methods: [RwSignal::new(Shown::Method(Method::Coord)), RwSignal::new(Shown::Method(Method::Conv))],
            study: StudyState { methods: RwSignal::new([Shown::Method(Method::Coord), Shown::Method(Method::Conv)]), done: RwSignal::new(false) },
            split: RwSignal::new(false),
            route,
            compute: RwSignal::new_local(None),
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
        match self.compute.get_untracked() {
            Some(d) => d.read(files, serial).await,
            None => crate::scan::read(files, serial),
        }
    }
}
