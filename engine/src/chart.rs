//! Charts and figures, defined once and drawn with `plotters` on any `DrawingBackend`.
//!
//! The same definition gives the site's SVG (a string the results page inserts; the browser sets
//! its text) and, natively, the report's PNG (`plotters`' bitmap backend with DejaVu Sans
//! embedded in the binary, so figures need no system fonts or tools and `cargo` alone redraws
//! them, byte for byte). One palette keyed by the method (its row of [`ROW_ORDER`]) and one label
//! rule ([`crate::methods::label`]) serve both.

use crate::table::{Row, ROW_ORDER};
use crate::methods::{fmt_num, label};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// An 8-bit sRGB colour.
pub type Rgb = [u8; 3];

/// One colour per row of [`ROW_ORDER`] (Tableau 10 without its olive, then light tints of their
/// models for the ablations with data consistency): bicubic grey, zero-fill
/// brown, the default coord model blue; the same method has the same colour in every chart.
pub const PALETTE: [Rgb; 14] = [
    [127, 127, 127], // bicubic
    [140, 86, 75],   // zerofill
    [31, 119, 180],  // coord-bilinear λ=10 1-2× (the default coord model)
    [255, 127, 14],  // conv λ=0 2×
    [188, 189, 34],  // coord λ=10 1-2× (its zero-fill-skip twin)
    [44, 160, 44],   // coord λ=0 1-2×
    [148, 103, 189], // coord λ=10 2×
    [227, 119, 194], // conv λ=10 2×
    [23, 190, 207],  // coord-bilinear+dc λ=10 1-2×
    [214, 39, 40],   // conv+dc λ=0 2×
    [219, 219, 141], // coord+dc λ=10 1-2× (its model's olive, light)
    [152, 223, 138], // coord+dc λ=0 1-2× (its model's green, light)
    [197, 176, 213], // coord+dc λ=10 2× (its model's purple, light)
    [247, 182, 210], // conv+dc λ=10 2× (its model's pink, light)
];
/// Methods outside [`ROW_ORDER`].
pub const OTHER: Rgb = [90, 90, 90];
/// Text, and series that are no method (a run's own loss and validation VIF).
pub const INK: Rgb = [25, 25, 25];
const GRID: Rgb = [222, 222, 222];
const MINOR_GRID: Rgb = [242, 242, 242];
const FONT: FontFamily<'static> = FontFamily::SansSerif;

/// The colour of a method (name, λ and training scales as `results.csv` writes them).
pub fn colour_of(method: &str, lambda: &str, train_scales: &str) -> Rgb {
    ROW_ORDER.iter().position(|r| (r.1, r.2, r.3) == (method, lambda, train_scales)).map_or(OTHER, |i| PALETTE[i])
}

/// One curve. Points are drawn in the given order; a non-finite point (or a non-positive one on
/// a log axis) breaks the line, so gaps stay visible.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub label: String,
    pub colour: Rgb,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Ticks on the x axis, labelled `fmt_num(x)` + `x_suffix`; `None`: round 1-2-5 steps.
    pub x_ticks: Option<Vec<f64>>,
    pub x_suffix: &'static str,
    /// Base-10 logarithmic y axis, for losses spanning decades.
    pub log_y: bool,
}

/// VIF against query scale on `dataset`: one series per method, in [`ROW_ORDER`] (others after,
/// in the order they appear), ticks at the evaluated scales.
pub fn vif_vs_scale(rows: &[Row], dataset: &str) -> LineChart {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.dataset == dataset).collect();
    let mut keys: Vec<(&str, &str, &str)> = ROW_ORDER.iter().map(|r| (r.1, r.2, r.3)).collect();
    for r in &rows {
        let k = (r.method.as_str(), r.lambda.as_str(), r.train_scales.as_str());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let series = keys
        .into_iter()
        .filter_map(|(m, l, ts)| {
            let mut points: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| (r.method.as_str(), r.lambda.as_str(), r.train_scales.as_str()) == (m, l, ts))
                .map(|r| (r.query_scale, r.vif))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            (!points.is_empty()).then(|| Series { label: label(m, l, ts), colour: colour_of(m, l, ts), points })
        })
        .collect();
    let mut scales: Vec<f64> = rows.iter().map(|r| r.query_scale).filter(|s| s.is_finite()).collect();
    scales.sort_by(f64::total_cmp);
    scales.dedup();
    LineChart {
        title: format!("VIF against query scale ({dataset})"),
        x_label: "query scale".into(),
        y_label: "VIF".into(),
        series,
        x_ticks: (scales.len() >= 2).then_some(scales),
        x_suffix: "×",
        log_y: false,
    }
}

/// A training run's two charts from its log, `(step, loss, L1, validation VIF)` per validation:
/// the loss (log axis) and validation VIF with the baselines' validation VIF as flat lines.
pub fn training_curves(log: &[(f64, f64, f64, f64)], bicubic: Option<f64>, zerofill: Option<f64>) -> [LineChart; 2] {
    let col = |f: fn(&(f64, f64, f64, f64)) -> f64| log.iter().map(|r| (r.0, f(r))).collect::<Vec<_>>();
    let loss = LineChart {
        title: "training loss".into(),
        x_label: "step".into(),
        y_label: "loss (L1 + λ·Ld)".into(),
        series: vec![
            Series { label: "loss".into(), colour: INK, points: col(|r| r.1) },
            Series { label: "L1".into(), colour: PALETTE[3], points: col(|r| r.2) },
        ],
        x_ticks: None,
        x_suffix: "",
        log_y: true,
    };
    let (first, last) = (log.first().map_or(0.0, |r| r.0), log.last().map_or(1.0, |r| r.0));
    let mut series = vec![Series { label: "validation VIF".into(), colour: INK, points: col(|r| r.3) }];
    for (method, v) in [("bicubic", bicubic), ("zerofill", zerofill)] {
        if let Some(v) = v {
            series.push(Series { label: label(method, "", ""), colour: colour_of(method, "", ""), points: vec![(first, v), (last, v)] });
        }
    }
    let vif = LineChart { title: "validation VIF".into(), x_label: "step".into(), y_label: "VIF".into(), series, x_ticks: None, x_suffix: "", log_y: false };
    [loss, vif]
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("drawing a chart: {e}")
}

/// Tick positions at a 1-2-5 step that cover `[lo, hi]` (first tick ≤ lo, last ≥ hi) with at
/// most about `target` intervals inside the range; the axis then runs from the first tick to the
/// last, so every gridline carries a round label. A degenerate range is padded first; non-finite
/// bounds give no ticks.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !lo.is_finite() || !hi.is_finite() {
        return Vec::new();
    }
    let (lo, hi) = padded_range(lo.min(hi), lo.max(hi));
    let step = nice_step(hi - lo, target);
    let k0 = (lo / step + 1e-9).floor() as i64;
    let k1 = ((hi / step - 1e-9).ceil() as i64).max(k0 + 1);
    (k0..=k1).map(|k| if k == 0 { 0.0 } else { k as f64 * step }).collect()
}

/// Smallest step of the form {1, 2, 5}·10^k giving at most `target` intervals over `span`.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let mult = [1.0, 2.0, 5.0].into_iter().find(|m| norm <= m + 1e-9).unwrap_or(10.0);
    mult * mag
}

/// A constant series (or a single point) has no extent to scale to; pad it so it sits in the
/// middle of a readable axis instead of dividing by zero.
fn padded_range(lo: f64, hi: f64) -> (f64, f64) {
    let scale = lo.abs().max(hi.abs());
    if hi - lo > scale * 1e-12 && hi - lo > f64::MIN_POSITIVE {
        return (lo, hi);
    }
    let pad = if scale == 0.0 { 1.0 } else { scale * 0.1 };
    (lo - pad, hi + pad)
}

/// Label for a tick at `v` on an axis of spacing `step`: just enough decimals to tell neighbours
/// apart, scientific notation (trailing zeros dropped) for very large or small values.
fn format_tick(v: f64, step: f64) -> String {
    if v.abs() < step * 1e-6 {
        return "0".into();
    }
    let step_exp = step.log10().floor() as i32;
    let mag = v.abs().log10().floor() as i32;
    if mag >= 6 || step_exp < -4 {
        let text = format!("{:.*e}", (mag - step_exp).max(0) as usize, v);
        match text.split_once('e') {
            Some((m, e)) if m.contains('.') => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
            _ => text,
        }
    } else {
        format!("{:.*}", (-step_exp).max(0) as usize, v)
    }
}

/// `m·10^k` written plainly where that stays short, otherwise as `me{k}`.
fn format_pow10(m: u32, k: i32) -> String {
    if (-4..=5).contains(&k) { format!("{:.*}", (-k).max(0) as usize, m as f64 * 10f64.powi(k)) } else { format!("{m}e{k}") }
}

/// An axis in drawing units (log10 of the data on a log axis): its range, labelled ticks and
/// unlabelled minor gridlines. It is the chart's coordinate too, so plotters draws exactly these
/// ticks in every backend.
#[derive(Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
    minor: Vec<f64>,
}

impl Axis {
    fn linear(lo: f64, hi: f64, target: usize) -> Axis {
        let t = nice_ticks(lo, hi, target);
        let step = t[1] - t[0];
        Axis { lo: t[0], hi: t[t.len() - 1], ticks: t.iter().map(|&v| (v, format_tick(v, step))).collect(), minor: Vec::new() }
    }

    /// Given ticks (at least two, sorted), the axis padded by a twentieth on each side.
    fn fixed(ticks: &[f64], suffix: &str) -> Axis {
        let (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
        let pad = (hi - lo) / 20.0;
        let ticks = ticks.iter().map(|&v| (v, format!("{}{suffix}", fmt_num(v)))).collect();
        Axis { lo: lo - pad, hi: hi + pad, ticks, minor: Vec::new() }
    }

    /// Decades labelled, 2–9 multiples as minor gridlines; 2 and 5 labelled too when the axis
    /// spans one decade (otherwise it would carry two labels).
    fn log(lo: f64, hi: f64) -> Axis {
        let d0 = lo.log10().floor() as i32;
        let d1 = (hi.log10().ceil() as i32).max(d0 + 1);
        let mut ticks: Vec<(f64, String)> = (d0..=d1).map(|k| (k as f64, format_pow10(1, k))).collect();
        let mut minor = Vec::new();
        for k in d0..d1 {
            for m in 2..=9u32 {
                let u = k as f64 + (m as f64).log10();
                if d1 - d0 == 1 && (m == 2 || m == 5) { ticks.push((u, format_pow10(m, k))) } else { minor.push(u) }
            }
        }
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        Axis { lo: d0 as f64, hi: d1 as f64, ticks, minor }
    }

    fn label(&self, v: f64) -> String {
        let near = self.ticks.iter().min_by(|a, b| (a.0 - v).abs().total_cmp(&(b.0 - v).abs()));
        near.map_or_else(String::new, |t| t.1.clone())
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.lo..self.hi).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { self.minor.clone() } else { self.ticks.iter().map(|t| t.0).collect() }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

const LEGEND_SWATCH: i32 = 24;
const LEGEND_GAP: i32 = 20;
const LEGEND_ROW: i32 = 20;

/// Draw `chart` filling `area` (white background): title, axes, series with markers, and the
/// legend in rows under the plot.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &LineChart) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let text = |size: f64| (FONT, size).into_font().color(&rgb(INK));
    let usable = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && (!chart.log_y || y > 0.0);
    let ty = |y: f64| if chart.log_y { y.log10() } else { y };

    // Legend entries flowed into rows: (series, x in row); then each row's width.
    let mut rows: Vec<(Vec<(usize, i32)>, i32)> = Vec::new();
    let mut x = 0;
    for (i, s) in chart.series.iter().enumerate().filter(|(_, s)| !s.label.is_empty()) {
        let tw = area.estimate_text_size(&s.label, &text(16.0)).map_err(err)?.0 as i32;
        let entry = LEGEND_SWATCH + 6 + tw;
        match rows.last_mut() {
            Some((row, _)) if x + entry <= w - 20 => row.push((i, x)),
            _ => {
                rows.push((vec![(i, 0)], 0));
                x = 0;
            }
        }
        x += entry + LEGEND_GAP;
        rows.last_mut().expect("a row was pushed").1 = x - LEGEND_GAP;
    }
    let legend_h = if rows.is_empty() { 0 } else { rows.len() as i32 * LEGEND_ROW + 8 };
    let (plot_area, legend) = area.split_vertically(h - legend_h);

    let pts = || chart.series.iter().flat_map(|s| s.points.iter()).filter(|p| usable(p));
    let (x_lo, x_hi) = pts().fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    let (y_lo, y_hi) = pts().fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| (a.0.min(p.1), a.1.max(p.1)));
    if !x_lo.is_finite() {
        // Nothing to plot: a titled "no data" rather than a missing file.
        let centre = |size| text(size).pos(Pos::new(HPos::Center, VPos::Center));
        plot_area.draw(&Text::new(chart.title.clone(), (w / 2, 20), centre(24.0))).map_err(err)?;
        plot_area.draw(&Text::new("no data", (w / 2, h / 2), centre(18.0))).map_err(err)?;
        return area.present().map_err(err);
    }
    let plot_h = (h - legend_h - 100).max(40) as f64;
    let y_axis = if chart.log_y { Axis::log(y_lo, y_hi) } else { Axis::linear(y_lo, y_hi, ((plot_h / 45.0) as usize).max(2)) };
    let x_axis = match &chart.x_ticks {
        Some(t) if t.len() >= 2 => Axis::fixed(t, chart.x_suffix),
        _ => Axis::linear(x_lo, x_hi, ((w as f64 - 120.0) / 90.0).max(2.0) as usize),
    };
    let widest = y_axis.ticks.iter().map(|t| area.estimate_text_size(&t.1, &text(15.0)).map_or(0, |s| s.0 as i32)).max().unwrap_or(0);

    let mut c = ChartBuilder::on(&plot_area)
        .caption(&chart.title, text(24.0))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(widest + 34)
        .build_cartesian_2d(x_axis.clone(), y_axis.clone())
        .map_err(err)?;
    let (fx, fy) = (|v: &f64| x_axis.label(*v), |v: &f64| y_axis.label(*v));
    c.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .label_style(text(15.0))
        .axis_desc_style(text(16.0))
        .bold_line_style(rgb(GRID))
        .light_line_style(rgb(MINOR_GRID))
        .axis_style(rgb([70, 70, 70]))
        .draw()
        .map_err(err)?;
    for s in &chart.series {
        let colour = rgb(s.colour);
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for p in &s.points {
            match usable(p) {
                true => runs.last_mut().expect("never empty").push((p.0, ty(p.1))),
                false => runs.push(Vec::new()),
            }
        }
        for run in runs.iter().filter(|r| !r.is_empty()) {
            c.draw_series(LineSeries::new(run.iter().copied(), colour.stroke_width(2))).map_err(err)?;
            c.draw_series(run.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(err)?;
        }
    }

    for (r, (row, row_w)) in rows.iter().enumerate() {
        let y = r as i32 * LEGEND_ROW + LEGEND_ROW / 2;
        let x0 = (w - row_w) / 2;
        for &(i, dx) in row {
            let (s, x) = (&chart.series[i], x0 + dx);
            let colour = rgb(s.colour);
            legend.draw(&PathElement::new(vec![(x, y), (x + LEGEND_SWATCH, y)], colour.stroke_width(2))).map_err(err)?;
            legend.draw(&Circle::new((x + LEGEND_SWATCH / 2, y), 3, colour.filled())).map_err(err)?;
            let style = text(16.0).pos(Pos::new(HPos::Left, VPos::Center));
            legend.draw(&Text::new(s.label.clone(), (x + LEGEND_SWATCH + 6, y), style)).map_err(err)?;
        }
    }
    area.present().map_err(err)
}

/// `charts` side by side, as one SVG document of `size` pixels.
pub fn svg(charts: &[LineChart], size: (u32, u32)) -> Result<String, String> {
    #[cfg(not(target_arch = "wasm32"))]
    raster::register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        for (area, chart) in root.split_evenly((1, charts.len().max(1))).iter().zip(charts) {
            draw(area, chart)?;
        }
        root.present().map_err(err)?;
    }
    Ok(out)
}

#[cfg(not(target_arch = "wasm32"))]
mod raster;
#[cfg(not(target_arch = "wasm32"))]
pub use raster::{figure_png, png, Panel};

#[cfg(test)]
mod tests;
