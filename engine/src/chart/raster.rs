//! PNG output (native builds): `plotters`' bitmap backend drawing into an RGB buffer, text set in
//! DejaVu Sans compiled into the binary, encoded with the `png` crate. Nothing is read from the
//! system, so the same build draws the same bytes everywhere.

use super::{draw, err, rgb, LineChart, INK};
use crate::image::Image;
use ab_glyph::{Font, FontRef, PxScale, PxScaleFont, ScaleFont};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

type BitmapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

/// The bitmap backend with its text set here: plotters' own ab_glyph text drops each glyph's
/// left side bearing (letters drift: "con v") and ignores the font's metrics; this places every
/// glyph at its bearing on a common baseline, kerned, and honours rotation and anchors.
struct Raster<'a>(BitMapBackend<'a>);

fn faces() -> &'static [FontRef<'static>; 2] {
    static FACES: std::sync::OnceLock<[FontRef<'static>; 2]> = std::sync::OnceLock::new();
    FACES.get_or_init(|| {
        let face = |b| FontRef::try_from_slice(b).expect("the embedded DejaVu Sans is a valid font");
        [face(dejavu::sans::regular()), face(dejavu::sans::bold())]
    })
}

/// plotters' size convention: an em of `size / 1.24` px (its SVG writes that as font-size), so
/// the PNG's text is as large as the SVG's.
fn scaled<S: BackendTextStyle>(style: &S) -> PxScaleFont<&'static FontRef<'static>> {
    let font = &faces()[usize::from(matches!(style.style(), FontStyle::Bold))];
    let em = style.size() as f32 / 1.24;
    font.as_scaled(PxScale::from(em * font.height_unscaled() / font.units_per_em().unwrap_or(2048.0)))
}

/// Glyphs of `text` on a baseline at y = 0 from x = 0, and the advance width.
fn set(text: &str, font: &PxScaleFont<&'static FontRef<'static>>) -> (Vec<ab_glyph::Glyph>, f32) {
    let (mut caret, mut prev, mut glyphs) = (0.0, None, Vec::new());
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            caret += font.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(font.scale(), ab_glyph::point(caret, 0.0)));
        caret += font.h_advance(id);
        prev = Some(id);
    }
    (glyphs, caret)
}

impl DrawingBackend for Raster<'_> {
    type ErrorType = BitmapError;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.0.present()
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.0.draw_pixel(p, c)
    }
    fn draw_line<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.0.draw_line(a, b, s)
    }
    fn draw_rect<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S, fill: bool) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.0.draw_rect(a, b, s, fill)
    }
    fn blit_bitmap(&mut self, p: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<BitmapError>> {
        self.0.blit_bitmap(p, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), DrawingErrorKind<BitmapError>> {
        let font = scaled(style);
        let (_, width) = set(text, &font);
        Ok((width.ceil() as u32, (font.ascent() - font.descent()).ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), DrawingErrorKind<BitmapError>> {
        let colour = style.color();
        let font = scaled(style);
        let (glyphs, width) = set(text, &font);
        let (ascent, descent) = (font.ascent(), font.descent());
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        // Where the baseline lies below `pos` (before rotation).
        let dy = match style.anchor().v_pos {
            VPos::Top => ascent,
            VPos::Center => (ascent + descent) / 2.0,
            VPos::Bottom => descent,
        };
        let turn = style.transform();
        let mut ink = Vec::new();
        for g in glyphs {
            if let Some(outline) = font.outline_glyph(g) {
                let b = outline.px_bounds();
                outline.draw(|x, y, cover| {
                    let (lx, ly) = ((b.min.x + x as f32 + dx).round() as i32, (b.min.y + y as f32 + dy).round() as i32);
                    ink.push((turn.transform(lx, ly), cover));
                });
            }
        }
        let (w, h) = self.get_size();
        for ((x, y), cover) in ink {
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && x < w as i32 && y < h as i32 && cover > 0.0 {
                let c = BackendColor { alpha: colour.alpha * cover.min(1.0) as f64, rgb: colour.rgb };
                self.0.draw_pixel((x, y), c)?;
            }
        }
        Ok(())
    }
}

fn area<'a>(buf: &'a mut [u8], size: (u32, u32)) -> DrawingArea<Raster<'a>, Shift> {
    Raster(BitMapBackend::with_buffer(buf, size)).into_drawing_area()
}

/// Register the embedded DejaVu Sans as "sans-serif" (the family the charts name); once.
pub(super) fn register_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ok = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold()).is_ok();
        assert!(ok, "the embedded DejaVu Sans is a valid font");
    });
}

/// 8-bit RGB PNG bytes of a `width`×`height` buffer (three bytes per pixel, row-major).
fn encode(rgb: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // An in-memory PNG of non-zero size from a buffer of exactly width*height*3 bytes cannot
        // fail; a failure here is a broken invariant.
        let mut writer = enc.write_header().expect("PNG header for a non-empty image");
        writer.write_image_data(rgb).expect("buffer matches its dimensions");
        writer.finish().expect("finishing an in-memory PNG");
    }
    out
}

/// `charts` side by side, as one PNG of `size` pixels.
pub fn png(charts: &[LineChart], size: (u32, u32)) -> Result<Vec<u8>, String> {
    register_fonts();
    let (w, h) = (size.0.max(1), size.1.max(1));
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = area(&mut buf, (w, h));
        for (area, chart) in root.split_evenly((1, charts.len().max(1))).iter().zip(charts) {
            draw(area, chart)?;
        }
        root.present().map_err(err)?;
    }
    Ok(encode(&buf, w, h))
}

/// One image of a multi-panel figure, shown through its own display window.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub title: String,
    pub image: Image,
    pub window: (f32, f32),
}

const GAP: usize = 12;
const TITLE: f64 = 18.0;
const TITLE_H: usize = 28;

/// `window.0..window.1` mapped linearly to black..white, clamped, NaN black; a degenerate window
/// thresholds rather than dividing by zero.
fn gray_level(v: f32, (lo, hi): (f32, f32)) -> u8 {
    let span = hi - lo;
    let t = if v.is_nan() {
        0.0
    } else if span > 0.0 && span.is_finite() {
        (v - lo) / span
    } else if v >= lo {
        1.0
    } else {
        0.0
    };
    (t.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Panels row by row in a paper-style grid, as PNG: each image scaled by nearest neighbour (the
/// pixel grid of a low-resolution input stays visible, as an honest comparison must show) to fit
/// a `panel_size` square, aspect kept, letterboxed on black; its title above it, cut with "…"
/// where it would run into the next panel.
pub fn figure_png(panels: &[Panel], columns: usize, panel_size: usize) -> Result<Vec<u8>, String> {
    register_fonts();
    let panel = panel_size.max(16);
    let cols = columns.clamp(1, panels.len().max(1));
    let rows = panels.len().div_ceil(cols).max(1);
    let cell_h = TITLE_H + panel;
    let (w, h) = (cols * panel + (cols + 1) * GAP, rows * cell_h + (rows + 1) * GAP);
    let mut buf = vec![255u8; w * h * 3];
    let origin = |i: usize| (GAP + (i % cols) * (panel + GAP), GAP + (i / cols) * (cell_h + GAP));
    for (i, p) in panels.iter().enumerate() {
        let (x0, y0) = origin(i);
        let y0 = y0 + TITLE_H;
        let (iw, ih) = (p.image.width, p.image.height);
        let s = if iw == 0 || ih == 0 { 0.0 } else { (panel as f64 / iw as f64).min(panel as f64 / ih as f64) };
        let (dw, dh) = (((iw as f64 * s).round() as usize).min(panel), ((ih as f64 * s).round() as usize).min(panel));
        let (ox, oy) = ((panel - dw) / 2, (panel - dh) / 2);
        for y in 0..panel {
            for x in 0..panel {
                let inside = x >= ox && x < ox + dw && y >= oy && y < oy + dh;
                let g = if inside {
                    let sx = ((x - ox) * iw / dw).min(iw - 1);
                    let sy = ((y - oy) * ih / dh).min(ih - 1);
                    gray_level(p.image.get(sx, sy), p.window)
                } else {
                    0
                };
                let k = ((y0 + y) * w + x0 + x) * 3;
                buf[k..k + 3].fill(g);
            }
        }
    }
    {
        let root = area(&mut buf, (w as u32, h as u32));
        let style = (FontFamily::SansSerif, TITLE).into_font().color(&rgb(INK)).pos(Pos::new(HPos::Left, VPos::Center));
        let fits = |t: &str| root.estimate_text_size(t, &style).map_or(true, |s| s.0 as usize <= panel);
        for (i, p) in panels.iter().enumerate() {
            let mut title = p.title.clone();
            while !fits(&title) && !title.is_empty() {
                title.pop();
                while title.ends_with(' ') {
                    title.pop();
                }
                if fits(&format!("{title}…")) {
                    title.push('…');
                    break;
                }
            }
            let (x0, y0) = origin(i);
            root.draw(&Text::new(title, (x0 as i32, (y0 + TITLE_H / 2) as i32 - 2), style.clone())).map_err(err)?;
        }
        if panels.is_empty() {
            let centre = style.pos(Pos::new(HPos::Center, VPos::Center));
            root.draw(&Text::new("no panels", (w as i32 / 2, h as i32 / 2), centre)).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(encode(&buf, w as u32, h as u32))
}
