//! Series assembly: the frames of every file → one volume. The series must be one series of
//! one size, orientation and pixel spacing; slices are sorted along the slice normal (never by
//! file name), the geometry goes from DICOM's LPS to RAS, and the acquisition-matrix crop is
//! applied last, on the whole volume.

use super::crop::{CropPlan, apply_crop, plan_crop};
use super::file::{FileInfo, Frame};
use crate::io::{IoError, Loaded, MAX_VOXELS, ReadOptions};
use crate::volume::Volume;

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

/// One volume from the files of a series; `skipped` names the files without the DICM magic (a
/// note, or the error when nothing else was there), `label` names the series in errors.
pub(super) fn assemble(
    label: &str,
    infos: Vec<FileInfo>,
    skipped: Vec<String>,
    options: &ReadOptions,
) -> Result<Loaded, IoError> {
    let err = |p: String| IoError::new(label, p);
    let mut notes = Vec::new();
    if infos.is_empty() {
        return Err(err(if skipped.is_empty() {
            "no files".into()
        } else {
            format!("none of the {} files is a DICOM file (no DICM magic)", skipped.len())
        }));
    }
    if !skipped.is_empty() {
        let shown: Vec<_> = skipped.iter().take(3).map(|s| s.as_str()).collect();
        notes.push(format!(
            "skipped {} non-DICOM file(s): {}{}",
            skipped.len(),
            shown.join(", "),
            if skipped.len() > 3 { ", …" } else { "" }
        ));
    }
    let mut uids: Vec<&str> = infos.iter().map(|i| i.series_uid.as_str()).collect();
    uids.sort();
    uids.dedup();
    if uids.len() > 1 {
        return Err(err(format!(
            "the {} DICOM files belong to {} different series (SeriesInstanceUID); load one series at a time",
            infos.len(),
            uids.len()
        )));
    }
    let (rows, cols) = (infos[0].rows, infos[0].cols);
    let acq = infos[0].acq.clone();
    for i in &infos {
        if (i.rows, i.cols) != (rows, cols) {
            return Err(IoError::new(
                &i.frames[0].source,
                format!("image size {}×{} differs from the series' {}×{}", i.cols, i.rows, cols, rows),
            ));
        }
    }
    let mut frames: Vec<Frame> = Vec::new();
    for mut i in infos {
        notes.append(&mut i.notes);
        frames.append(&mut i.frames);
    }
    if frames.len() as u64 * (rows * cols) as u64 > MAX_VOXELS {
        return Err(err(format!("absurd series size ({} slices of {cols}×{rows})", frames.len())));
    }

    // Orientation and in-plane spacing, which must agree across the series.
    let ori = frames.iter().find_map(|f| f.orientation);
    if let Some(o) = ori {
        if let Some(bad) =
            frames.iter().find(|f| f.orientation.is_some_and(|p| p.iter().zip(&o).any(|(a, b)| (a - b).abs() > 1e-3)))
        {
            return Err(IoError::new(
                &bad.source,
                "image orientation differs from the rest of the series (a localizer or another series mixed in?)",
            ));
        }
    }
    let ps = frames.iter().find_map(|f| f.pixel_spacing);
    if let Some(p) = ps {
        if let Some(bad) = frames.iter().find(|f| {
            f.pixel_spacing.is_some_and(|q| (q[0] - p[0]).abs() > 1e-3 * p[0] || (q[1] - p[1]).abs() > 1e-3 * p[1])
        }) {
            return Err(IoError::new(&bad.source, "pixel spacing differs from the rest of the series"));
        }
    }
    let (row_cos, col_cos) = match ori {
        Some(o) => {
            let (r, c) = ([o[0], o[1], o[2]], [o[3], o[4], o[5]]);
            let (nr, nc) = (norm(r), norm(c));
            if nr < 1e-6 || nc < 1e-6 || norm(cross(r, c)) < 1e-6 * nr * nc {
                return Err(err(format!("degenerate ImageOrientationPatient {o:?}")));
            }
            ([r[0] / nr, r[1] / nr, r[2] / nr], [c[0] / nc, c[1] / nc, c[2] / nc])
        }
        None => {
            notes.push("no ImageOrientationPatient: axial orientation assumed".into());
            ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
        }
    };
    let normal = {
        let n = cross(row_cos, col_cos);
        let l = norm(n);
        [n[0] / l, n[1] / l, n[2] / l]
    };
    let (sy, sx) = match ps {
        Some(p) => (p[0], p[1]),
        None => {
            notes.push("no PixelSpacing: 1 mm assumed".into());
            (1.0, 1.0)
        }
    };
    let nominal_dz =
        frames.iter().find_map(|f| f.spacing_between).or_else(|| frames.iter().find_map(|f| f.slice_thickness));

    let thickness = frames.iter().find_map(|f| f.slice_thickness);
    let mut irregular_slices = None;
    // Sort along the slice normal (not by file name).
    let step: [f64; 3];
    let origin: [f64; 3];
    if frames.iter().all(|f| f.position.is_some()) {
        let key = |f: &Frame| dot(f.position.unwrap_or([0.0; 3]), normal);
        frames.sort_by(|a, b| key(a).total_cmp(&key(b)));
        let keys: Vec<f64> = frames.iter().map(key).collect();
        if frames.len() >= 2 {
            let gaps: Vec<f64> = keys.windows(2).map(|w| w[1] - w[0]).collect();
            let mean = (keys[keys.len() - 1] - keys[0]) / (keys.len() - 1) as f64;
            let dup = gaps.iter().filter(|&&g| g < 1e-3 * mean.max(1e-3)).count();
            if dup > 0 {
                return Err(err(format!(
                    "{} of {} images share a slice position with another (multi-echo, multi-phase or repeated acquisition in one series); select one echo or phase",
                    dup + 1,
                    frames.len()
                )));
            }
            let (gmin, gmax) = gaps.iter().fold((f64::INFINITY, 0f64), |(a, b), &g| (a.min(g), b.max(g)));
            if gmax - gmin > 0.1 * mean {
                let why = format!("slice gaps are not uniform ({gmin:.3} to {gmax:.3} mm); the volume assumes {mean:.3} mm");
                notes.push(why.clone());
                irregular_slices = Some(why);
            }
            let p0 = frames[0].position.unwrap_or([0.0; 3]);
            let pn = frames[frames.len() - 1].position.unwrap_or([0.0; 3]);
            let d = sub(pn, p0);
            let k = (frames.len() - 1) as f64;
            step = [d[0] / k, d[1] / k, d[2] / k];
        } else {
            let dz = nominal_dz.unwrap_or(1.0);
            step = [normal[0] * dz, normal[1] * dz, normal[2] * dz];
        }
        origin = frames[0].position.unwrap_or([0.0; 3]);
    } else {
        // No positions: keep file/frame order (InstanceNumber first).
        frames.sort_by_key(|f| f.instance);
        let dz = nominal_dz.unwrap_or(1.0);
        if frames.len() > 1 {
            notes.push(format!(
                "no ImagePositionPatient on every image: slices kept in InstanceNumber/frame order, {dz} mm apart"
            ));
        }
        step = [normal[0] * dz, normal[1] * dz, normal[2] * dz];
        origin = frames.iter().find_map(|f| f.position).unwrap_or([0.0; 3]);
    }

    // LPS affine, then RAS (negate the x and y rows).
    let mut affine = [[0.0; 4]; 4];
    for r in 0..3 {
        affine[r][0] = row_cos[r] * sx;
        affine[r][1] = col_cos[r] * sy;
        affine[r][2] = step[r];
        affine[r][3] = origin[r];
    }
    affine[3][3] = 1.0;
    for r in 0..2 {
        for c in 0..4 {
            affine[r][c] = -affine[r][c];
        }
    }
    let dz = norm(step);
    let mut volume = Volume {
        width: cols,
        height: rows,
        slices: frames.into_iter().map(|f| f.image).collect(),
        spacing: [sx, sy, if dz > 0.0 { dz } else { 1.0 }],
        affine,
        thickness,
        irregular_slices,
    };

    let mut acquisition_crop = None;
    if let Some(acq) = acq {
        match plan_crop(&volume, &acq) {
            CropPlan::NotNeeded => {}
            CropPlan::Unusable(why) => notes.push(why),
            CropPlan::Rejected(why) => notes.push(why),
            CropPlan::Crop(c, note) => {
                if options.crop_to_acquisition {
                    apply_crop(&mut volume, c.acquired);
                    notes.push(note);
                    acquisition_crop = Some(c);
                } else {
                    notes.push(format!(
                        "not cropped on request: {} (stored {}×{} is zero-filled from {}×{})",
                        acq.text, c.stored.0, c.stored.1, c.acquired.0, c.acquired.1
                    ));
                }
            }
        }
    }
    Ok(Loaded { volume, acquisition_crop, notes })
}

#[cfg(test)]
mod tests {
    use super::super::syntax::TS_EXPLICIT_LE;
    use super::super::synthetic::{Syn, ramp, txt};
    use super::super::{read_dicom_series, read_dicom_series_with};
    use crate::io::test_util::{data, temp_dir};
    use crate::io::{ReadOptions, read_volume, read_volume_with};
    use dicom_core::VR;
    use dicom_dictionary_std::tags;

    /// Five slices along an oblique normal, given in scrambled order.
    fn oblique_series(series: &'static str) -> Vec<(String, Vec<u8>)> {
        let (a, b) = (0.2f64.cos(), 0.2f64.sin());
        let ori = [1.0, 0.0, 0.0, 0.0, a, b]; // normal = (0, -b, a)
        let order = [3usize, 0, 4, 1, 2];
        order
            .iter()
            .map(|&k| {
                let mut s = Syn::new(3, 2, ramp(3, 2, k));
                s.orientation = ori;
                s.series = series;
                let d = 1.5 * k as f64;
                s.position = Some([5.0, 7.0 - b * d, -3.0 + a * d]);
                s.extra.push(txt(tags::INSTANCE_NUMBER, VR::IS, &(10 - k).to_string()));
                (format!("file{}.dcm", 9 - k), s.native(TS_EXPLICIT_LE))
            })
            .collect()
    }

    #[test]
    fn series_sorted_by_position_along_normal() {
        let v = read_dicom_series(oblique_series("1.2.3")).unwrap();
        assert_eq!(v.depth(), 5);
        for k in 0..5 {
            assert_eq!(v.slices[k].data[0], (k * 100) as f32, "slice {k}");
        }
        assert!((v.spacing[2] - 1.5).abs() < 1e-9);
        // The third column is the RAS step between slices: LPS (0, -b, a)·1.5 → RAS (0, b, a)·1.5.
        let (a, b) = (0.2f64.cos(), 0.2f64.sin());
        assert!((v.affine[1][2] - b * 1.5).abs() < 1e-9 && (v.affine[2][2] - a * 1.5).abs() < 1e-9);
        // The same from a folder.
        let dir = temp_dir("series");
        for (n, b) in oblique_series("1.2.3") {
            std::fs::write(dir.join(n), b).unwrap();
        }
        std::fs::write(dir.join("README.txt"), "not dicom").unwrap();
        let l = read_volume_with(&dir, &ReadOptions::default()).unwrap();
        assert_eq!(l.volume.depth(), 5);
        let empty = temp_dir("nodicom");
        std::fs::write(empty.join("a.txt"), "x").unwrap();
        let e = read_volume(&empty).unwrap_err();
        assert!(e.problem.contains("none of the 1 files is a DICOM file"), "{e}");
        assert_eq!(l.volume.slices[4].data[0], 400.0);
        assert!(l.notes.iter().any(|n| n.contains("skipped 1 non-DICOM")), "{:?}", l.notes);
    }

    #[test]
    fn several_series_is_an_error_naming_the_count() {
        let mut files = oblique_series("1.2.3");
        files.extend(oblique_series("1.2.4").into_iter().take(2).map(|(n, b)| (format!("x{n}"), b)));
        let mut third = oblique_series("1.2.5");
        files.push(third.remove(0));
        let e = read_dicom_series(files).unwrap_err();
        assert!(e.problem.contains("8 DICOM files belong to 3 different series"), "{e}");
    }

    #[test]
    fn duplicate_positions_are_an_error() {
        let mut files = oblique_series("1.2.3");
        let dup = files[0].1.clone();
        files.push(("dup.dcm".into(), dup));
        let e = read_dicom_series(files).unwrap_err();
        assert!(e.problem.contains("share a slice position"), "{e}");
    }

    // Real data (skipped when ../shared/data is absent)

    #[test]
    fn real_series_order_does_not_depend_on_file_names() {
        let Some(dir) = data("brain-t1-uih", "real_series_order_does_not_depend_on_file_names") else { return };
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort_by(|a, b| b.0.cmp(&a.0)); // reversed names
        let opts = ReadOptions { crop_to_acquisition: false };
        let a = read_dicom_series_with(files, &opts).unwrap().volume;
        let b = read_volume_with(&dir, &opts).unwrap().volume;
        assert_eq!(a.depth(), 80);
        assert_eq!(a.affine, b.affine);
        for k in 0..a.depth() {
            assert_eq!(a.slices[k], b.slices[k]);
        }
    }
}
