//! What a viewer pane says about the point under the pointer and the scale it draws at: the
//! voxel and world position under a screen point, the acquired value there, the crosshair's
//! place on screen and the scale bar. The browser's overlay and its test hook
//! (`window.coordsrOverlay`) call these, so what the tests check is what the reader sees.
//!
//! Coordinates: `x`, `y` are CSS pixels from the pane's top left corner; the decode [`View`] is
//! in device pixels (CSS × devicePixelRatio); image coordinates are the drawn plane's
//! ([`OrientedPlane`]); voxel indices and world millimetres (RAS+) follow the volume's affine.

use crate::image::Image;
use crate::oriented::{scale_bar, OrientedPlane};
use crate::view::View;
use crate::volume::Volume;
use serde::Serialize;

/// The readout under the pointer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Readout {
    /// Voxel index (fractional: the point under the pointer, not a voxel centre).
    pub voxel: [f64; 3],
    /// World position in RAS+ millimetres: the affine applied to `voxel`.
    pub world: [f64; 3],
    /// The acquired value: the stored voxel nearest the point.
    pub value: f32,
    /// The value on screen at the point when a method synthesised it (rather than drawing a
    /// stored voxel as a block); `None` otherwise, and before a frame exists.
    pub synthesised: Option<f32>,
}

/// A scale bar: a round length in mm and its length in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScaleBar {
    pub mm: f64,
    pub px: f64,
}

/// The crosshair: the cursor's voxel and world position, and where it is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Crosshair {
    pub voxel: [f64; 3],
    pub world: [f64; 3],
    /// CSS pixels from the pane's top left.
    pub at: [f64; 2],
}

/// The longest scale bar, as a fraction of the pane's width.
pub const SCALE_BAR_FRACTION: f64 = 0.25;

/// A pane's geometry: which plane it draws, through which view, at which devicePixelRatio.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PaneGeometry {
    pub plane: OrientedPlane,
    pub view: View,
    pub dpr: f64,
}

impl PaneGeometry {
    /// The pane's size in CSS pixels.
    pub fn size(&self) -> [f64; 2] {
        [self.view.width as f64 / self.dpr, self.view.height as f64 / self.dpr]
    }

    /// Millimetres per CSS pixel across (and down, where the view draws the plane at its true
    /// aspect): the plane's spacing over the CSS zoom.
    pub fn mm_per_css_px(&self, volume: &Volume) -> f64 {
        self.plane.spacing(volume)[0] * self.dpr / self.view.zoom
    }

    pub fn scale_bar(&self, volume: &Volume) -> Option<ScaleBar> {
        scale_bar(self.mm_per_css_px(volume), SCALE_BAR_FRACTION * self.size()[0]).map(|(mm, px)| ScaleBar { mm, px })
    }

    /// The crosshair at voxel index `cursor`.
    pub fn crosshair(&self, volume: &Volume, cursor: [f64; 3]) -> Crosshair {
        let d = self.view.display_coord(self.plane.pixel(volume, cursor));
        // `display_coord` is the display pixel whose centre shows the point: its centre, in CSS px.
        Crosshair { voxel: cursor, world: volume.world(cursor), at: [(d[0] + 0.5) / self.dpr, (d[1] + 0.5) / self.dpr] }
    }

    /// The image coordinate under CSS point (`x`, `y`), if it is on the plane.
    pub fn image_point(&self, volume: &Volume, x: f64, y: f64) -> Option<[f64; 2]> {
        let c = self.view.slice_point(x * self.dpr, y * self.dpr);
        let (w, h) = self.plane.size(volume);
        let inside = c[0] >= -0.5 && c[0] < w as f64 - 0.5 && c[1] >= -0.5 && c[1] < h as f64 - 0.5;
        inside.then_some(c)
    }

    /// The voxel index (fractional) under CSS point (`x`, `y`), if it is in the volume.
    pub fn voxel_at(&self, volume: &Volume, x: f64, y: f64) -> Option<[f64; 3]> {
        self.image_point(volume, x, y).map(|c| self.plane.voxel(volume, c[0], c[1]))
    }

    /// What is under CSS point (`x`, `y`), `None` outside the volume. `frame` is the image on
    /// screen (the view's pixels) when a method synthesised it.
    pub fn readout(&self, volume: &Volume, x: f64, y: f64, frame: Option<&Image>) -> Option<Readout> {
        let voxel = self.voxel_at(volume, x, y)?;
        let d = volume.dims();
        let n: [usize; 3] = std::array::from_fn(|a| (voxel[a].round().max(0.0) as usize).min(d[a] - 1));
        let value = volume.slices[n[2]].data[n[1] * volume.width + n[0]];
        let synthesised = frame.and_then(|f| {
            let (u, v) = ((x * self.dpr).floor(), (y * self.dpr).floor());
            let inside = u >= 0.0 && v >= 0.0 && (u as usize) < f.width && (v as usize) < f.height;
            inside.then(|| f.data[v as usize * f.width + u as usize]).filter(|v| v.is_finite())
        });
        Some(Readout { voxel, world: volume.world(voxel), value, synthesised })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orientation::PlaneName;
    use crate::oriented::{Convention, Labels};

    fn pane(affine: [[f64; 4]; 4], dims: [usize; 3], name: PlaneName) -> (Volume, PaneGeometry) {
        let slices = (0..dims[2]).map(|k| Image::new(dims[0], dims[1], (0..dims[0] * dims[1]).map(|i| (1000 * k + i) as f32).collect())).collect();
        let spacing = std::array::from_fn(|c| (0..3).map(|r| affine[r][c] * affine[r][c]).sum::<f64>().sqrt());
        let volume = Volume::new(slices, spacing, affine);
        let plane = OrientedPlane::oriented(&affine, name, 1, Convention::Radiological);
        let [sx, sy] = plane.spacing(&volume);
        let (w, h) = plane.size(&volume);
        let view = View::fit(200, 160, w, h, sy / sx);
        (volume, PaneGeometry { plane, view, dpr: 2.0 })
    }

    #[test]
    fn the_readout_is_the_affine_at_the_point_and_the_bar_is_spacing_over_zoom() {
        let affine = [[-0.5, 0.0, 0.0, 10.0], [0.0, -0.5, 0.0, 20.0], [0.0, 0.0, 3.0, -5.0], [0.0, 0.0, 0.0, 1.0]];
        let (vol, p) = pane(affine, [8, 6, 4], PlaneName::Coronal);
        // Coronal of an LPS volume: x across (L already at the right), k down flipped (S up),
        // each pixel 6 times as tall as wide.
        assert_eq!(p.plane.labels(&vol.affine), Labels { top: 'S', bottom: 'I', left: 'R', right: 'L' });
        assert_eq!(p.view.aspect, 6.0);
        for (x, y) in [(38.0, 1.0), (55.5, 40.25), (62.0, 79.0)] {
            let r = p.readout(&vol, x, y, None).expect("inside");
            assert_eq!(r.world, vol.world(r.voxel));
            let c = p.view.slice_point(x * 2.0, y * 2.0);
            assert_eq!(r.voxel, p.plane.voxel(&vol, c[0], c[1]));
            assert_eq!(r.synthesised, None);
        }
        assert_eq!(p.readout(&vol, -5.0, 10.0, None), None);
        // mm per CSS pixel = spacing × dpr / decode zoom.
        let bar = p.scale_bar(&vol).unwrap();
        assert!((bar.mm / bar.px - 0.5 * 2.0 / p.view.zoom).abs() < 1e-12, "{bar:?}");
        assert!(bar.px <= SCALE_BAR_FRACTION * 100.0 + 1e-9);
        // The crosshair is drawn over the cursor.
        let cursor = [3.25, 2.0, 1.5];
        let ch = p.crosshair(&vol, cursor);
        let back = p.voxel_at(&vol, ch.at[0], ch.at[1]).unwrap();
        assert!((0..3).all(|a| a == p.plane.fixed || (back[a] - cursor[a]).abs() < 1e-9), "{back:?}");
        assert_eq!(ch.world, vol.world(cursor));
    }

    #[test]
    fn the_acquired_value_is_the_nearest_voxel_and_the_synthesised_one_the_frames() {
        let affine = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];
        let (vol, p) = pane(affine, [8, 6, 4], PlaneName::Axial);
        let r = p.readout(&vol, 50.0, 40.0, None).unwrap();
        let n: Vec<usize> = r.voxel.iter().map(|v| v.round() as usize).collect();
        assert_eq!(r.value, (1000 * n[2] + 8 * n[1] + n[0]) as f32);
        let mut frame = Image::new(p.view.width, p.view.height, vec![7.5; p.view.width * p.view.height]);
        assert_eq!(p.readout(&vol, 50.0, 40.0, Some(&frame)).unwrap().synthesised, Some(7.5));
        frame.data[80 * p.view.width + 100] = f32::NAN;
        assert_eq!(p.readout(&vol, 50.0, 40.0, Some(&frame)).unwrap().synthesised, None);
    }
}
