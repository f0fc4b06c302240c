use super::*;
use crate::image::Image;

fn decode(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

fn count(rgb: &[u8], pred: impl Fn(&[u8]) -> bool) -> usize {
    rgb.chunks(3).filter(|p| pred(p)).count()
}

fn dark_in(img: &(usize, usize, Vec<u8>), x0: usize, y0: usize, x1: usize, y1: usize) -> usize {
    let (w, _, rgb) = img;
    (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).filter(|&(x, y)| rgb[(y * w + x) * 3..][..3].iter().all(|&c| c < 100)).count()
}

fn row(method: &str, lambda: &str, ts: &str, scale: f64, vif: f64) -> Row {
    Row {
        method: method.into(),
        lambda: lambda.into(),
        train_scales: ts.into(),
        query_scale: scale,
        vif,
        psnr: 30.0,
        ssim: 0.9,
        n_slices: 4,
        dataset: "test-scan".into(),
        per_slice: Vec::new(),
        seed: None,
    }
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, s) in [1.5, 2.0, 3.0, 4.0].into_iter().enumerate() {
        rows.push(row("bicubic", "", "", s, 0.62 - 0.09 * i as f64));
        rows.push(row("zerofill", "", "", s, 0.66 - 0.1 * i as f64));
        rows.push(row("coord-bilinear", "10", "1-2", s, 0.67 - 0.1 * i as f64));
    }
    rows.push(row("conv", "0", "2", 2.0, 0.56));
    rows.push(row("coord-bilinear", "10", "1-2", 2.0, 0.1)); // another dataset: not drawn
    rows.last_mut().unwrap().dataset = "knee".into();
    rows
}

fn hex(c: Rgb) -> String {
    format!("#{:02X}{:02X}{:02X}", c[0], c[1], c[2])
}

#[test]
fn vif_chart_is_one_definition_in_order_with_one_label_rule() {
    let c = vif_vs_scale(&rows(), "test-scan");
    let labels: Vec<&str> = c.series.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["bicubic", "zerofill", "coord-bilinear λ=10 1-2×", "conv λ=0 2×"]);
    assert_eq!(c.series[2].colour, PALETTE[2]);
    assert_eq!(c.series[2].points.len(), 4);
    assert_eq!(c.x_ticks.as_deref(), Some(&[1.5, 2.0, 3.0, 4.0][..]));
    // A method outside the poster's rows still shows, after them.
    let mut more = rows();
    more.push(row("coord", "3", "1-4", 2.0, 0.5));
    let c = vif_vs_scale(&more, "test-scan");
    assert_eq!((c.series[4].label.as_str(), c.series[4].colour), ("coord λ=3 1-4×", OTHER));
}

#[test]
fn svg_has_real_symbols_ticks_and_the_palette() {
    let c = vif_vs_scale(&rows(), "test-scan");
    let doc = svg(&[c.clone()], (800, 500)).unwrap();
    assert!(doc.starts_with("<svg") && doc.contains("viewBox=\"0 0 800 500\""), "{}", &doc[..200]);
    for text in ["coord-bilinear λ=10 1-2×", "conv λ=0 2×", "zerofill", "bicubic", "1.5×", "2×", "4×", "query scale", "VIF against query scale (test-scan)"] {
        assert!(doc.contains(&format!("\n{text}\n")), "{text} missing");
    }
    // Round VIF ticks with two decimals.
    assert!(doc.contains("\n0.40\n") && doc.contains("\n0.60\n"), "no VIF ticks");
    for s in &c.series {
        assert!(doc.contains(&hex(s.colour)), "{} not drawn in {}", s.label, hex(s.colour));
    }
}

#[test]
fn png_is_the_same_chart_with_the_same_colours() {
    let c = vif_vs_scale(&rows(), "test-scan");
    let img = decode(&png(&[c.clone()], (800, 500)).unwrap());
    assert_eq!((img.0, img.1), (800, 500));
    let non_white = count(&img.2, |p| p != [255, 255, 255]);
    assert!(non_white > 800 * 500 / 50, "{non_white} drawn pixels");
    for s in &c.series {
        let n = count(&img.2, |p| p == s.colour);
        assert!(n > 20, "{}: {n} pixels of {:?}", s.label, s.colour);
    }
    // The title (top centre) is set in glyphs: dark pixels there.
    assert!(dark_in(&img, 200, 0, 600, 40) > 100);
    // Same input, same bytes.
    assert_eq!(png(&[c.clone()], (800, 500)).unwrap(), png(&[c], (800, 500)).unwrap());
}

/// Text drawn alone into a small PNG.
fn glyphs(s: &str) -> Vec<u8> {
    let chart = LineChart {
        title: s.into(),
        x_label: String::new(),
        y_label: String::new(),
        series: Vec::new(),
        x_ticks: None,
        x_suffix: "",
        log_y: false,
    };
    decode(&png(&[chart], (120, 60)).unwrap()).2
}

#[test]
fn the_embedded_font_has_the_symbols() {
    let missing = glyphs("\u{E000}"); // private use: the font's "missing" box
    for s in ["λ", "×", "–", "…", "·"] {
        let g = glyphs(s);
        assert!(count(&g, |p| p[0] < 128) > 5, "{s} draws nothing");
        assert_ne!(g, missing, "{s} is drawn as a missing glyph");
    }
    assert_ne!(glyphs("λ"), glyphs("l"));
}

#[test]
fn training_curves_draw_with_baselines_and_survive_bad_logs() {
    let log: Vec<_> = (1..=14).map(|i| (i as f64 * 100.0, 0.03 - 0.0005 * i as f64, 0.028 - 0.0005 * i as f64, 0.57 + 0.004 * i as f64)).collect();
    let charts = training_curves(&log, Some(0.593), Some(0.627));
    assert_eq!(charts[1].series.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), ["validation VIF", "bicubic", "zerofill"]);
    assert_eq!(charts[1].series[2].colour, colour_of("zerofill", "", ""));
    let img = decode(&png(&charts, (1280, 400)).unwrap());
    assert_eq!((img.0, img.1), (1280, 400));
    assert!(count(&img.2, |p| p == PALETTE[1]) > 20 && count(&img.2, |p| p == PALETTE[0]) > 20);
    let doc = svg(&charts, (1280, 400)).unwrap();
    assert!(doc.contains("loss (L1 + λ·Ld)") && doc.contains("validation VIF"));
    // Log axis: decade labels.
    assert!(doc.contains("\n0.01\n") && doc.contains("\n0.02\n") && doc.contains("\n0.1\n"), "log ticks");

    // Empty, NaN, non-positive (on the log axis) and constant logs draw without panicking.
    let mut bad = log.clone();
    bad[3] = (400.0, f64::NAN, -1.0, f64::INFINITY);
    for l in [Vec::new(), bad, vec![(1.0, 0.5, 0.5, 0.5)], vec![(1.0, 0.0, 0.0, 0.0); 3]] {
        let charts = training_curves(&l, None, None);
        decode(&png(&charts, (640, 300)).unwrap());
        svg(&charts, (640, 300)).unwrap();
    }
    assert!(svg(&training_curves(&[], None, None), (640, 300)).unwrap().contains("no data"));
}

#[test]
fn figure_lays_out_panels_with_titles() {
    let img = Image::from_fn(40, 20, |x, _| x as f32 / 39.0);
    let panels: Vec<Panel> = (0..7)
        .map(|i| Panel { title: format!("{} coord 2× λ=10 and a title far too long for one panel", (b'A' + i) as char), image: img.clone(), window: (0.0, 1.0) })
        .collect();
    let fig = decode(&figure_png(&panels, 4, 192).unwrap());
    let (w, h) = (4 * 192 + 5 * 12, 2 * (28 + 192) + 3 * 12);
    assert_eq!((fig.0, fig.1), (w, h));
    // Letterboxed: 192×96 image centred in the 192² panel (black above), gradient left to right.
    let px = |x: usize, y: usize| fig.2[(y * w + x) * 3];
    let (x0, y0) = (12, 12 + 28);
    assert_eq!(px(x0 + 96, y0 + 10), 0);
    assert!(px(x0 + 2, y0 + 96) < 20 && px(x0 + 189, y0 + 96) > 235);
    // Titles are drawn (dark pixels above each panel) and cut before the next panel.
    assert!(dark_in(&fig, x0, 12, x0 + 192, y0) > 50);
    assert_eq!(dark_in(&fig, x0 + 192, 12, x0 + 192 + 12, y0), 0);
    // The last row holds three panels; the fourth cell stays white.
    assert_eq!(dark_in(&fig, 12 + 3 * 204, h - 12 - 192, w - 12, h - 12), 0);
    decode(&figure_png(&[], 4, 64).unwrap());
}

fn assert_125_cover(lo: f64, hi: f64, target: usize) {
    let t = nice_ticks(lo, hi, target);
    assert!(t.len() >= 2, "{lo}..{hi}: {t:?}");
    let step = t[1] - t[0];
    let tol = step * 1e-6;
    assert!(t[0] <= lo + tol && *t.last().unwrap() >= hi - tol, "{lo}..{hi} not covered by {t:?}");
    let mant = step / 10f64.powf(step.log10().floor());
    assert!([1.0, 2.0, 5.0, 10.0].iter().any(|m| (mant - m).abs() < 1e-6), "step {step} for {lo}..{hi}");
    for w in t.windows(2) {
        assert!((w[1] - w[0] - step).abs() < tol, "uneven ticks {t:?}");
    }
    assert!((hi - lo) / step <= target as f64 + 1e-9);
    assert!(t.len() <= target + 3);
}

#[test]
fn ticks_are_1_2_5_and_cover_range() {
    assert_eq!(nice_ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    assert_eq!(nice_ticks(0.0, 1.0, 2), vec![0.0, 0.5, 1.0]);
    for &(lo, hi, n) in &[(0.0f64, 1.0f64, 5usize), (-3.7, 12.2, 6), (28.13, 31.9, 8), (1e-5, 3e-5, 4), (1234.0, 98765.0, 7), (-0.004, -0.001, 3), (0.0, 1e9, 10), (7.0, 7.0000001, 5)] {
        assert_125_cover(lo, hi, n);
    }
    assert!(nice_ticks(5.0, 5.0, 4).len() >= 2);
    assert!(nice_ticks(0.0, 0.0, 4).len() >= 2);
    assert!(nice_ticks(f64::NAN, 1.0, 4).is_empty());
}

#[test]
fn tick_labels_are_short_and_distinct() {
    assert_eq!(format_tick(0.30000000000000004, 0.1), "0.3");
    assert_eq!(format_tick(-1e-17, 0.1), "0");
    assert_eq!(format_tick(25.0, 5.0), "25");
    assert_eq!(format_tick(2e-5, 1e-5), "2e-5");
    assert_eq!(format_tick(2.5e6, 5e5), "2.5e6");
    assert_eq!(format_pow10(1, -3), "0.001");
    assert_eq!(format_pow10(5, 2), "500");
    assert_eq!(format_pow10(1, -7), "1e-7");
}

/// Draws the charts into the temp directory, to look at.
#[test]
fn demo_pngs() {
    let dir = std::env::temp_dir();
    std::fs::write(dir.join("coordsr-chart-vif.png"), png(&[vif_vs_scale(&rows(), "test-scan")], (800, 500)).unwrap()).unwrap();
    std::fs::write(dir.join("coordsr-chart-vif.svg"), svg(&[vif_vs_scale(&rows(), "test-scan")], (800, 500)).unwrap()).unwrap();
}
