//! `coordsr eval`: every method on the held-out scans at every query scale, written as files
//! that tools and people can read (CSV, the poster's table in Markdown, a chart, a figure).

use crate::csv;
use crate::data::{self, DataSplit};
use crate::degrade::{Degradation, DegradationKind};
use crate::image::Image;
use crate::methods::{fmt_num, Method, Reconstruction, Trained};
use crate::metrics;
pub use crate::table::{Row, DEFAULT_COORD, ROW_ORDER};
use burn::tensor::Device;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct EvalConfig {
    pub data_root: PathBuf,
    pub split: DataSplit,
    pub scales: Vec<f64>,
    /// Slices per scan (spread over the anatomy).
    pub slices: usize,
    pub degradation: DegradationKind,
    /// Evaluate the out-of-distribution scans too.
    pub ood: bool,
    /// Also score each model with data consistency (rows "coord+dc", "conv+dc").
    pub dc: bool,
}

/// One dataset's reference slices.
pub struct Dataset {
    pub name: String,
    pub slices: Vec<Image>,
}

pub fn load_datasets(config: &EvalConfig) -> Result<Vec<Dataset>, String> {
    let mut names: Vec<&String> = config.split.test.iter().collect();
    if config.ood {
        names.extend(config.split.ood.iter());
    }
    names
        .into_iter()
        .map(|rel| {
            Ok(Dataset { name: rel.clone(), slices: data::load_reference_slices(&config.data_root, rel, config.slices)? })
        })
        .collect()
}

/// Score `methods` on `datasets`; `progress` is told each finished (dataset, method, scale).
pub fn evaluate(
    config: &EvalConfig,
    datasets: &[Dataset],
    models: &[Trained],
    device: &Device,
    mut progress: impl FnMut(&str),
) -> Result<Vec<Row>, String> {
    let mut methods = vec![Reconstruction::Classical(Method::Bicubic), Reconstruction::Classical(Method::Zerofill)];
    methods.extend(models.iter().map(Reconstruction::Model));
    if config.dc {
        methods.extend(models.iter().map(Reconstruction::Consistent));
    }
    let mut rows = Vec::new();
    for ds in datasets {
        for &scale in &config.scales {
            let deg = Degradation { kind: config.degradation, scale_x: scale, scale_y: scale };
            let pairs: Vec<_> = ds.slices.iter().map(|hr| (hr, deg.apply(hr))).collect();
            for m in &methods {
                // The conv decoder exists only at its training scale.
                if let Some(t) = m.trained()
                    && t.method() == Method::Conv
                    && scale != 2.0
                {
                    continue;
                }
                let (mut vif, mut psnr, mut ssim) = (0.0, 0.0, 0.0);
                let mut per_slice = Vec::with_capacity(pairs.len());
                for (hr, (lr, grid)) in &pairs {
                    let out = m.reconstruct(lr, grid, device);
                    let r = metrics::evaluate(hr, &out, None).map_err(|e| format!("{}: {e}", ds.name))?;
                    vif += r.vif;
                    psnr += r.psnr;
                    ssim += r.ssim;
                    per_slice.push(r);
                }
                let n = pairs.len() as f64;
                let (method, lambda, train_scales) = m.row_key();
                rows.push(Row {
                    method: method.into(),
                    lambda,
                    train_scales,
                    query_scale: scale,
                    vif: vif / n,
                    psnr: psnr / n,
                    ssim: ssim / n,
                    n_slices: pairs.len(),
                    dataset: ds.name.clone(),
                    per_slice,
                    seed: m.trained().and_then(Trained::seed),
                });
                progress(&format!("{} {} {}×", ds.name, m.name(), fmt_num(scale)));
            }
        }
    }
    Ok(rows)
}

/// The columns of `results.csv`, in order.
const COLUMNS: [&str; 9] =
    ["method", "lambda", "train_scales", "query_scale", "vif", "psnr", "ssim", "n_slices", "dataset"];

/// The columns of `per_slice.csv`, in order.
const PER_SLICE_COLUMNS: [&str; 10] =
    ["method", "lambda", "train_scales", "query_scale", "dataset", "n_slices", "slice", "vif", "psnr", "ssim"];

pub fn to_csv(rows: &[Row]) -> String {
    let mut s = csv::line(&COLUMNS) + "\n";
    for r in rows {
        let mut fields = r.key().to_vec();
        // Unrounded (the shortest text that reads back as the same number): whatever rounds
        // them for display — results.md here, the site's results page — rounds the same number once.
        fields.extend([
            r.vif.to_string(),
            r.psnr.to_string(),
            r.ssim.to_string(),
            r.n_slices.to_string(),
            r.dataset.clone(),
        ]);
        let _ = writeln!(s, "{}", csv::line(&fields));
    }
    s
}

/// Read back what [`to_csv`] wrote (per-slice scores are not in it).
pub fn read_csv(text: &str) -> Result<Vec<Row>, String> {
    let records = csv::parse(text)?;
    let (header, records) = records.split_first().ok_or("empty file")?;
    if !header.fields.iter().map(|f| f.trim()).eq(COLUMNS) {
        return Err(format!("not a coordsr eval results.csv (header {:?})", csv::line(&header.fields)));
    }
    records
        .iter()
        .map(|r| {
            let f = &r.fields;
            let bad = || format!("line {}: {:?}", r.line, csv::line(f));
            if f.len() != COLUMNS.len() {
                return Err(bad());
            }
            let num = |s: &str| s.parse::<f64>().map_err(|_| bad());
            Ok(Row {
                method: f[0].clone(),
                lambda: f[1].clone(),
                train_scales: f[2].clone(),
                query_scale: num(&f[3])?,
                vif: num(&f[4])?,
                psnr: num(&f[5])?,
                ssim: num(&f[6])?,
                n_slices: f[7].parse().map_err(|_| bad())?,
                dataset: f[8].clone(),
                per_slice: Vec::new(),
                seed: None,
            })
        })
        .collect()
}

/// One line per (row, slice): `slice` indexes the slices `data::load_reference_slices` picks for
/// `n_slices`, full precision so a re-run can be compared within 1e-3.
pub fn to_per_slice_csv(rows: &[Row]) -> String {
    let mut s = csv::line(&PER_SLICE_COLUMNS) + "\n";
    for r in rows {
        for (i, m) in r.per_slice.iter().enumerate() {
            let mut fields = r.key().to_vec();
            fields.extend([
                r.dataset.clone(),
                r.n_slices.to_string(),
                i.to_string(),
                format!("{:.6}", m.vif),
                format!("{:.4}", m.psnr),
                format!("{:.6}", m.ssim),
            ]);
            let _ = writeln!(s, "{}", csv::line(&fields));
        }
    }
    s
}

/// Attach the per-slice scores of `per_slice.csv` (what [`to_per_slice_csv`] wrote) to the rows
/// [`read_csv`] read from the `results.csv` beside it, so paired differences can be computed
/// from the files alone (the site's results page does). Every line must belong to a row, and
/// every row get its `n_slices` slices in order.
pub fn read_per_slice_csv(text: &str, rows: &mut [Row]) -> Result<(), String> {
    let records = csv::parse(text)?;
    let (header, records) = records.split_first().ok_or("empty file")?;
    if !header.fields.iter().map(|f| f.trim()).eq(PER_SLICE_COLUMNS) {
        return Err(format!("not a coordsr eval per_slice.csv (header {:?})", csv::line(&header.fields)));
    }
    for row in rows.iter_mut() {
        row.per_slice.clear();
    }
    for r in records {
        let f = &r.fields;
        let bad = |why: &str| format!("line {}: {why}: {:?}", r.line, csv::line(f));
        if f.len() != PER_SLICE_COLUMNS.len() {
            return Err(bad("wrong number of fields"));
        }
        let num = |s: &str| s.parse::<f64>().map_err(|_| bad("not a number"));
        let (scale, slice): (f64, usize) = (num(&f[3])?, f[6].parse().map_err(|_| bad("not a slice index"))?);
        let row = rows
            .iter_mut()
            .find(|row| (row.method.as_str(), row.lambda.as_str(), row.train_scales.as_str()) == (&f[0], &f[1], &f[2]) && row.query_scale == scale && row.dataset == f[4])
            .ok_or_else(|| bad("no such row in results.csv"))?;
        if slice != row.per_slice.len() || slice >= row.n_slices {
            return Err(bad("slices out of order"));
        }
        row.per_slice.push(metrics::Metrics { vif: num(&f[7])?, psnr: num(&f[8])?, ssim: num(&f[9])? });
    }
    match rows.iter().find(|row| row.per_slice.len() != row.n_slices) {
        Some(row) => Err(format!("{} at {}× on {}: {} of {} slices", crate::methods::label(&row.method, &row.lambda, &row.train_scales), fmt_num(row.query_scale), row.dataset, row.per_slice.len(), row.n_slices)),
        None => Ok(()),
    }
}

/// Pixel size of the VIF-against-scale chart, in the report's PNG and the site's SVG alike.
pub const VIF_CHART_SIZE: (u32, u32) = (800, 500);

/// The poster's own VIF / PSNR at 1.5×, 2×, 3× (sagittal knee, its data and degradation), for
/// reference beside ours: same rows as [`ROW_ORDER`]; zero-fill is not in the poster.
pub const POSTER: [(&str, &str, &str, &str); 6] = [
    ("bicubic", "", "", ".87 / 34.2 · .79 / 31.4 · .64 / 27.6"),
    (DEFAULT_COORD.0, "10", "1-2", ".92 / 33.8 · .87 / 31.0 · .76 / 26.9"),
    ("conv", "0", "2", "– · .82 / 32.3 · –"),
    ("coord", "0", "1-2", ".95 / 33.0 · .88 / 30.2 · .74 / 26.3"),
    ("coord", "10", "2", ".95 / 33.2 · .89 / 30.6 · .77 / 26.2"),
    ("conv", "10", "2", "– · .81 / 32.2 · –"),
];

/// Markdown tables in the poster's layout, one per dataset: VIF / PSNR, then SSIM.
pub fn to_markdown(rows: &[Row], config: &EvalConfig) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# coordsr evaluation\n");
    let _ = writeln!(out, "Data: {}.", config.split.describe());
    let _ = writeln!(
        out,
        "Degradation: {:?} at each query scale (same field of view; low-res sample j at reference index j·N/n). \
         Metrics against the acquired-resolution reference (k-space cropped to the acquisition matrix where the \
         scanner interpolated). VIF: pixel-domain multi-scale (vifp), PSNR/SSIM with the reference's range.\n",
        config.degradation
    );
    let mut datasets: Vec<&str> = rows.iter().map(|r| r.dataset.as_str()).collect();
    datasets.dedup();
    for ds in datasets {
        let rs: Vec<&Row> = rows.iter().filter(|r| r.dataset == ds).collect();
        let n = rs.first().map(|r| r.n_slices).unwrap_or(0);
        let _ = writeln!(out, "## {ds} ({n} slices)\n");
        for (title, cell) in [("VIF / PSNR", 0), ("SSIM", 1)] {
            let _ = writeln!(out, "{title}:\n");
            let poster = cell == 0;
            let _ = write!(out, "| group | method | λ | train scale |");
            for s in &config.scales {
                let _ = write!(out, " {}× |", fmt_num(*s));
            }
            if poster {
                let _ = write!(out, " poster (knee) 1.5× · 2× · 3× |");
            }
            let _ = writeln!(out);
            let _ = writeln!(out, "|---|---|---|---|{}{}", "---|".repeat(config.scales.len()), if poster { "---|" } else { "" });
            for (group, method, lambda, ts) in ROW_ORDER {
                let present = rs.iter().any(|r| r.method == method && r.lambda == lambda && r.train_scales == ts);
                if !present {
                    continue;
                }
                let _ = write!(out, "| {group} | {method} | {} | {} |", if lambda.is_empty() { "–" } else { lambda }, if ts.is_empty() { "–" } else { ts });
                for s in &config.scales {
                    let r = rs.iter().find(|r| r.method == method && r.lambda == lambda && r.train_scales == ts && r.query_scale == *s);
                    let v = match (r, cell) {
                        (Some(r), 0) => format!("{:.3} / {:.2}", r.vif, r.psnr),
                        (Some(r), _) => format!("{:.4}", r.ssim),
                        (None, _) => "–".into(),
                    };
                    let _ = write!(out, " {v} |");
                }
                if poster {
                    let p = POSTER.iter().find(|p| (p.0, p.1, p.2) == (method, lambda, ts)).map_or("not in the poster", |p| p.3);
                    let _ = write!(out, " {p} |");
                }
                let _ = writeln!(out);
            }
            let _ = writeln!(out);
        }
    }
    let paired = crate::paired::to_markdown(rows);
    if !paired.is_empty() {
        let _ = writeln!(out, "## Paired differences over the same slices
");
        let _ = writeln!(out, "Per slice `a − b`, then the mean, its 95 % bootstrap interval and the Wilcoxon signed-rank p (engine/src/paired.rs).
");
        out += &paired;
    }
    out
}

/// The poster's figure on one test slice, as PNG: input, bicubic 2×, conv 2×, coord 2× λ=0,
/// coord 2× λ=10, coord 4× λ=10 (queried from the same 2× input), zero-fill 2×, reference.
#[cfg(not(target_arch = "wasm32"))]
pub fn figure(hr: &Image, models: &[Trained], device: &Device) -> Result<Vec<u8>, String> {
    use crate::chart::{self, Panel};
    let deg = Degradation::kspace(2.0);
    let (lr, grid) = deg.apply(hr);
    // A central crop a third of the slice wide, on the reference grid.
    let (cw, ch) = (hr.width / 3, hr.height / 3);
    let (cx, cy) = (hr.width / 3, hr.height / 3);
    let crop = |img: &Image, k: usize| img.crop(cx * k, cy * k, cw * k, ch * k);
    let (lo, hi) = {
        let c = crop(hr, 1);
        let (a, b) = c.min_max();
        (a, b)
    };
    let find = |key: (&str, &str, &str)| {
        models.iter().find(|t| {
            let (name, lambda, ts) = Reconstruction::Model(t).row_key();
            (name, lambda.as_str(), ts.as_str()) == key
        })
    };
    let mut panels = vec![Panel { title: "A input (2× low-res)".into(), image: crop(&crate::interp::nearest(&lr, &grid), 1), window: (lo, hi) }];
    panels.push(Panel { title: "B bicubic 2×".into(), image: crop(&Reconstruction::Classical(Method::Bicubic).reconstruct(&lr, &grid, device), 1), window: (lo, hi) });
    let mut add = |title: &str, t: Option<&Trained>, k: usize| {
        if let Some(t) = t {
            let g = crate::geometry::Grid::upscaled(lr.width, lr.height, 2.0 * k as f64, 2.0 * k as f64);
            panels.push(Panel { title: title.into(), image: crop(&t.model.upscale(&lr, &g, device), k), window: (lo, hi) });
        }
    };
    add("C conv 2×", find(("conv", "0", "2")), 1);
    add("D coord 2× λ=0", find(("coord", "0", "1-2")), 1);
    add("E coord 2× λ=10", find(DEFAULT_COORD), 1);
    add("F coord 4× λ=10", find(DEFAULT_COORD), 2);
    panels.push(Panel { title: "zero-fill 2×".into(), image: crop(&Reconstruction::Classical(Method::Zerofill).reconstruct(&lr, &grid, device), 1), window: (lo, hi) });
    panels.push(Panel { title: "reference".into(), image: crop(hr, 1), window: (lo, hi) });
    chart::figure_png(&panels, 4, 256)
}

/// Write `results.csv`, `results.md`, `per_slice.csv`, `vif_vs_scale.png` (the chart the site
/// draws as SVG, for the first dataset: the test split) and `figure.png` (PNG bytes) into `out`.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_outputs(out: &std::path::Path, rows: &[Row], config: &EvalConfig, figure: Option<Vec<u8>>) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let w = |name: &str, bytes: &[u8]| std::fs::write(out.join(name), bytes).map_err(|e| format!("{}: {e}", out.join(name).display()));
    w("results.csv", to_csv(rows).as_bytes())?;
    w("results.md", to_markdown(rows, config).as_bytes())?;
    w("per_slice.csv", to_per_slice_csv(rows).as_bytes())?;
    if let Some(first) = rows.first() {
        use crate::chart;
        w("vif_vs_scale.png", &chart::png(&[chart::vif_vs_scale(rows, &first.dataset)], VIF_CHART_SIZE)?)?;
    }
    if let Some(f) = figure {
        w("figure.png", &f)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_csv_reads_back() {
        let row = |method: &str, scale: f64| Row {
            method: method.into(),
            lambda: if method == "coord" { "10".into() } else { String::new() },
            train_scales: if method == "coord" { "1-2".into() } else { String::new() },
            query_scale: scale,
            vif: 0.61234,
            psnr: 33.1234,
            ssim: 0.91234,
            n_slices: 12,
            dataset: "brain-t1-studyforrest".into(),
            per_slice: Vec::new(),
            seed: None,
        };
        let rows = vec![row("bicubic", 1.5), row("coord", 2.0)];
        let back = read_csv(&to_csv(&rows)).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!((back[1].method.as_str(), back[1].lambda.as_str(), back[1].train_scales.as_str()), ("coord", "10", "1-2"));
        // Unrounded: the scores read back as the very numbers written.
        assert_eq!((back[1].query_scale, back[1].vif, back[1].psnr, back[1].ssim, back[1].n_slices), (2.0, 0.61234, 33.1234, 0.91234, 12));
        assert!(read_csv("a,b\n1,2").unwrap_err().contains("not a coordsr eval"));
        assert!(read_csv(&format!("{}coord,10\n", to_csv(&[]))).unwrap_err().contains("line 2"));
    }

    #[test]
    fn per_slice_scores_read_back_onto_their_rows() {
        let row = |method: &str, lambda: &str, scale: f64, vifs: &[f64]| Row {
            method: method.into(),
            lambda: lambda.into(),
            train_scales: if lambda.is_empty() { String::new() } else { "1-2".into() },
            query_scale: scale,
            vif: 0.5,
            psnr: 30.0,
            ssim: 0.9,
            n_slices: vifs.len(),
            dataset: "scan".into(),
            per_slice: vifs.iter().map(|&v| metrics::Metrics { vif: v, psnr: 30.5, ssim: 0.9 }).collect(),
            seed: None,
        };
        let rows = vec![row("zerofill", "", 2.0, &[0.41, 0.52]), row("coord", "10", 2.0, &[0.43, 0.51]), row("coord", "10", 3.0, &[0.3, 0.2])];
        let text = to_per_slice_csv(&rows);
        let mut back = read_csv(&to_csv(&rows)).unwrap();
        read_per_slice_csv(&text, &mut back).unwrap();
        for (a, b) in rows.iter().zip(&back) {
            assert_eq!(a.per_slice, b.per_slice);
        }
        // A slice missing, a line without its row, a wrong file: said, with the line.
        let short: String = text.lines().take(text.lines().count() - 1).map(|l| format!("{l}\n")).collect();
        assert!(read_per_slice_csv(&short, &mut back).unwrap_err().contains("1 of 2 slices"));
        let mut fewer = back[..2].to_vec();
        assert!(read_per_slice_csv(&text, &mut fewer).unwrap_err().contains("no such row"));
        assert!(read_per_slice_csv(&to_csv(&rows), &mut back).unwrap_err().contains("not a coordsr eval per_slice.csv"));
    }

    #[test]
    fn committed_per_slice_csv_belongs_to_the_committed_results_csv() {
        let mut rows = read_csv(include_str!("../../results/results.csv")).unwrap();
        read_per_slice_csv(include_str!("../../results/per_slice.csv"), &mut rows).unwrap();
        assert!(rows.iter().all(|r| !r.per_slice.is_empty()));
    }

    #[test]
    fn every_committed_row_has_its_place_in_the_tables() {
        // The poster-layout tables (report and site) show ROW_ORDER's rows only.
        for r in read_csv(include_str!("../../results/results.csv")).unwrap() {
            let key = (r.method.as_str(), r.lambda.as_str(), r.train_scales.as_str());
            assert!(ROW_ORDER.iter().any(|o| (o.1, o.2, o.3) == key), "{key:?} is not in ROW_ORDER");
        }
    }

    #[test]
    fn committed_results_csv_is_written_back_byte_for_byte() {
        let committed = include_str!("../../results/results.csv");
        assert_eq!(to_csv(&read_csv(committed).unwrap()), committed);
    }
}
