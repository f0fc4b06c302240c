//! What a pane draws over its image: orientation labels, the crosshair, the scale bar, the
//! provenance line and the readout under the pointer, from plain values (no Leptos). The
//! geometry is the engine's ([`coordsr::readout`], [`coordsr::oriented`]); the pane's overlay
//! ([`crate::components::pane_overlay`]) and the test hook `window.coordsrOverlay`
//! ([`crate::hooks`]) both read a [`PaneInfo`], so what the tests check is what the reader sees.

use crate::decoder::{Method, Shown};
use coordsr::image::Image;
use coordsr::orientation::PlaneName;
use coordsr::oriented::{Convention, Labels};
use coordsr::readout::{Crosshair, PaneGeometry, Readout, ScaleBar};
use coordsr::volume::Volume;
use serde::Serialize;
use std::rc::Rc;

/// Everything a pane's overlay depends on, as of what is on screen.
#[derive(Clone)]
pub struct PaneInfo {
    pub name: PlaneName,
    pub geometry: PaneGeometry,
    pub volume: Rc<Volume>,
    pub shown: Shown,
    /// The frame on screen (the view's pixels), once one is.
    pub frame: Option<Rc<Image>>,
    /// Whether the frame is the method's final decode (not the bicubic preview).
    pub final_frame: bool,
    pub cursor: [f64; 3],
    pub convention: Convention,
    /// Drawn as stored (the reader study): the labels still say what lies beyond each edge.
    pub stored: bool,
    /// A blinded reader study: the provenance line does not name the method.
    pub blinded: bool,
    /// The simulated low-res factor in force, if any.
    pub simulate: Option<f64>,
}

/// A pane's overlay, as `window.coordsrOverlay(i)` returns it.
#[derive(Clone, Debug, Serialize)]
pub struct Overlay {
    pub plane: String,
    pub oblique: bool,
    /// "axial (oblique 30°)" and the like.
    pub naming: String,
    /// Size of the drawing area in CSS pixels.
    pub size: [f64; 2],
    pub labels: LabelText,
    #[serde(rename = "scaleBar")]
    pub scale_bar: Option<ScaleBar>,
    pub crosshair: Crosshair,
    pub convention: &'static str,
    pub provenance: String,
    /// Only when asked at a point: the readout there, `null` outside the volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readout: Option<Option<Readout>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelText {
    pub top: String,
    pub bottom: String,
    pub left: String,
    pub right: String,
}

impl PaneInfo {
    pub fn labels(&self) -> Labels {
        self.geometry.plane.labels(&self.volume.affine)
    }

    /// Whether the pixels on screen are a method's synthesis rather than stored voxels.
    pub fn synthesises(&self) -> bool {
        !matches!(self.shown, Shown::Truth | Shown::Method(Method::Nearest))
    }

    pub fn readout(&self, x: f64, y: f64) -> Option<Readout> {
        let frame = self.frame.as_deref().filter(|_| self.synthesises());
        self.geometry.readout(&self.volume, x, y, frame)
    }

    /// The pane's provenance line: what made the pixels, at what scale, synthesised or acquired.
    pub fn provenance(&self) -> String {
        let [zx, zy] = self.geometry.view.zooms();
        let scale = if (zx - zy).abs() < 1e-9 { format!("{zx:.2}×") } else { format!("{zx:.2}× across, {zy:.2}× down") };
        let what = match self.shown {
            _ if self.blinded => "this side".to_string(),
            // Which coord model drew a reformat across thick slices (through_plane::coord_model_for).
            Shown::Method(Method::Coord) if coordsr::through_plane::coord_model_for(self.geometry.view.aspect) == "coord-through" => {
                format!("{}, through-plane model", self.shown.label())
            }
            _ => self.shown.label().to_string(),
        };
        let source = match (self.shown, self.simulate) {
            (Shown::Truth, _) => "acquired voxels (the simulation's reference)",
            (_, Some(_)) => "synthesised from the simulated low-res slice",
            (Shown::Method(Method::Nearest), None) => "acquired voxels, drawn as blocks",
            (Shown::Method(Method::Bicubic), None) => "synthesised (interpolated)",
            (_, None) if self.final_frame => "synthesised",
            (_, None) => "bicubic preview while decoding",
        };
        format!("{what} · {scale} · {source}")
    }

    pub fn overlay(&self, at: Option<(f64, f64)>) -> Overlay {
        let l = self.labels();
        let naming = self.geometry.plane.naming(&self.volume.affine);
        let s = |c: char| c.to_string();
        Overlay {
            plane: if self.stored { "as stored".into() } else { self.name.as_str().into() },
            oblique: naming.oblique(),
            naming: naming.describe(),
            size: self.geometry.size(),
            labels: LabelText { top: s(l.top), bottom: s(l.bottom), left: s(l.left), right: s(l.right) },
            scale_bar: self.geometry.scale_bar(&self.volume),
            crosshair: self.geometry.crosshair(&self.volume, self.cursor),
            convention: if self.stored { "as stored" } else { self.convention.as_str() },
            provenance: self.provenance(),
            readout: at.map(|(x, y)| self.readout(x, y)),
        }
    }
}
