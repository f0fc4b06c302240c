//! End-to-end tests of the `coordsr` command line: what a user types, what they get back.

mod common;

use common::data_root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn coordsr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coordsr")).args(args).output().expect("coordsr runs")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("coordsr-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A user error: non-zero exit, one line naming the file, and never a panic.
fn assert_clean_error(out: &Output, file: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    assert!(err.contains(file), "error should name {file}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn bad_inputs_give_one_line_errors() {
    let d = tmp("bad");
    let missing = d.join("missing.nii");
    assert_clean_error(&coordsr(&["metrics", missing.to_str().unwrap(), missing.to_str().unwrap()]), "missing.nii");

    let text = d.join("notes.nii");
    std::fs::write(&text, "this is not an image").unwrap();
    assert_clean_error(&coordsr(&["upscale", text.to_str().unwrap(), "--scale", "2", "--method", "bicubic", "-o", d.join("o.nii").to_str().unwrap()]), "notes.nii");

    let gz = d.join("cut.nii.gz");
    std::fs::write(&gz, [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, 1, 2, 3]).unwrap();
    assert_clean_error(&coordsr(&["upscale", gz.to_str().unwrap(), "--scale", "2", "--method", "bicubic", "-o", d.join("o.nii").to_str().unwrap()]), "cut.nii.gz");

    let w = d.join("fake.csrw");
    std::fs::write(&w, b"CSRW\x01\0\0\0\xff\xff\0\0").unwrap();
    assert_clean_error(&coordsr(&["export", w.to_str().unwrap(), "-o", d.join("x.csrw").to_str().unwrap()]), "fake.csrw");
}

#[test]
fn metrics_prints_json_and_identical_images_score_perfectly() {
    let d = tmp("metrics");
    let img = coordsr::phantom::shepp_logan(64, 64);
    let a = d.join("a.npy");
    coordsr::io::write_npy(&a, &img).unwrap();
    let out = coordsr(&["metrics", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((v["vif"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    assert!((v["ssim"].as_f64().unwrap() - 1.0).abs() < 1e-9);
}

#[test]
fn upscale_writes_nifti_with_updated_affine() {
    let d = tmp("upscale");
    let lr = coordsr::phantom::shepp_logan(40, 30);
    let vol = coordsr::volume::Volume::from_image(lr, [2.0, 3.0]);
    let input = d.join("in.nii.gz");
    coordsr::io::write_nifti(&input, &vol).unwrap();
    for method in ["bicubic", "zerofill", "nearest"] {
        let output = d.join(format!("{method}.nii"));
        let out = coordsr(&["upscale", input.to_str().unwrap(), "--scale", "2.5,1.5", "--method", method, "-o", output.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v = coordsr::io::read_volume(&output).unwrap();
        assert_eq!((v.width, v.height, v.depth()), (100, 45, 1));
        assert!((v.spacing[0] - 0.8).abs() < 1e-4 && (v.spacing[1] - 2.0).abs() < 1e-4, "{:?}", v.spacing);
    }
}

#[test]
fn upscale_uses_the_built_in_model_from_any_folder() {
    // A newcomer's first command: the default method (coord), no --weights, run from a folder
    // outside the repository, relative paths.
    let d = tmp("builtin");
    let vol = coordsr::volume::Volume::from_image(coordsr::phantom::shepp_logan(36, 28), [1.0, 1.2]);
    coordsr::io::write_nifti(&d.join("scan.nii.gz"), &vol).unwrap();
    for (method, scale, size) in [("coord", "2.5", (90, 70)), ("conv", "2", (72, 56))] {
        let name = format!("{method}.nii.gz");
        let out = Command::new(env!("CARGO_BIN_EXE_coordsr"))
            .current_dir(&d)
            .args(["upscale", "scan.nii.gz", "--scale", scale, "--method", method, "-o", &name])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v = coordsr::io::read_volume(&d.join(&name)).unwrap();
        assert_eq!((v.width, v.height, v.depth()), (size.0, size.1, 1), "{method}");
        // Not a blank or constant image: the phantom's structure comes through.
        let s = &v.slices[0].data;
        let (lo, hi) = s.iter().fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(s.iter().all(|x| x.is_finite()) && hi - lo > 0.5, "{method}: range {lo}..{hi}");
    }
    // The built-in model is the one `--weights static/weights/coord.csrw` names: same pixels.
    let explicit = d.join("explicit.nii.gz");
    let w = common::repo().join("static/weights/coord.csrw");
    let out = coordsr(&["upscale", d.join("scan.nii.gz").to_str().unwrap(), "--scale", "2.5", "--weights", w.to_str().unwrap(), "-o", explicit.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = coordsr::io::read_volume(&explicit).unwrap();
    let b = coordsr::io::read_volume(&d.join("coord.nii.gz")).unwrap();
    assert_eq!(a.slices[0].data, b.slices[0].data);
    // Weights of the wrong kind are refused with the file named.
    let c = common::repo().join("static/weights/conv.csrw");
    let out = coordsr(&["upscale", d.join("scan.nii.gz").to_str().unwrap(), "--scale", "2", "--weights", c.to_str().unwrap(), "-o", d.join("x.nii").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("conv.csrw") && err.contains("not coord"), "{err}");
}

#[test]
fn help_names_the_built_in_models_facts() {
    let out = coordsr(&["upscale", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    // The facts come from the weights' own headers: check them against the sidecar.
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::repo().join("static/weights/coord.json")).unwrap()).unwrap();
    let meta = &sidecar["meta"];
    for want in [
        "built-in".to_string(),
        "coord λ=10 1-2×".to_string(),
        format!("split {}", meta["split"]["name"].as_str().unwrap()),
        format!("validation VIF {:.3}", meta["val_vif"].as_f64().unwrap()),
        "conv λ=0 2×".to_string(),
    ] {
        assert!(help.contains(&want), "--help lacks {want:?}:\n{help}");
    }
}

#[test]
fn train_eval_export_upscale_on_real_data() {
    let Some(root) = data_root("train_eval_export_upscale_on_real_data") else { return };
    let d = tmp("e2e");
    let run = d.join("run");
    let common = [
        "--steps", "4", "--val-every", "2", "--batch", "2", "--channels", "8", "--blocks", "1", "--train-slices", "2",
        "--val-slices", "1", "--data", root.to_str().unwrap(),
    ];
    let mut args = vec!["train", "--decoder", "coord", "--hidden", "16,16", "--lambda", "10", "-o", run.to_str().unwrap()];
    args.extend(common);
    let out = coordsr(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["best.csrw", "log.csv", "curve.png", "state.json", "config.json"] {
        assert!(run.join(f).exists(), "{f} missing");
    }
    assert_eq!(coordsr::train::read_log(&run.join("log.csv")).len(), 2);

    // Resume continues from step 4 to step 6 instead of starting over.
    let mut args: Vec<&str> = vec!["train", "--decoder", "coord", "--hidden", "16,16", "--lambda", "10", "--resume", "-o", run.to_str().unwrap()];
    let mut c = common.to_vec();
    c[1] = "6";
    args.extend(c);
    let out = coordsr(&args);
    // A different step budget is a different config: refused with a clear message.
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("different configuration"));

    let conv = d.join("conv");
    let mut args = vec!["train", "--decoder", "conv", "-o", conv.to_str().unwrap()];
    args.extend(common);
    let out = coordsr(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let web = d.join("coord-web.csrw");
    let out = coordsr(&["export", run.join("best.csrw").to_str().unwrap(), "-o", web.to_str().unwrap(), "--f16"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(d.join("coord-web.json").exists());

    let res = d.join("results");
    let out = coordsr(&[
        "eval", "--weights", web.to_str().unwrap(), conv.join("best.csrw").to_str().unwrap(), "--scales", "2,3", "--slices", "1",
        "--no-ood", "--data", root.to_str().unwrap(), "-o", res.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(res.join("results.csv")).unwrap();
    assert!(csv.starts_with("method,lambda,train_scales,query_scale,vif,psnr,ssim,n_slices,dataset"));
    // bicubic, zerofill, coord (over bilinear, its default skip) at 2 and 3; conv only at 2.
    assert_eq!(csv.lines().filter(|l| l.starts_with("coord-bilinear,10,1-2,")).count(), 2);
    assert_eq!(csv.lines().filter(|l| l.starts_with("conv,")).count(), 1);
    // The sidecar's test metrics are this model's rows, by row name (not those of a zero-fill-skip
    // coord model with the same λ and scales).
    let mut rows = csv.clone();
    rows.push_str("coord,10,1-2,2,0.5,30,0.9,1,x\n");
    std::fs::write(res.join("with-twin.csv"), rows).unwrap();
    let out = coordsr(&["export", web.to_str().unwrap(), "-o", d.join("again.csrw").to_str().unwrap(), "--results", res.join("with-twin.csv").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sidecar: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("again.json")).unwrap()).unwrap();
    let metrics = sidecar["test_metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 2, "{metrics:?}");
    assert!(metrics.iter().all(|m| m["method"] == "coord-bilinear"), "{metrics:?}");
    for f in ["results.md", "vif_vs_scale.png", "figure.png"] {
        assert!(res.join(f).exists(), "{f} missing");
    }

    let lr = coordsr::phantom::shepp_logan(32, 32);
    let input = d.join("lr.nii");
    coordsr::io::write_nifti(&input, &coordsr::volume::Volume::from_image(lr, [1.0, 1.0])).unwrap();
    let o = d.join("sr.nii");
    let out = coordsr(&["upscale", input.to_str().unwrap(), "--scale", "3", "--weights", web.to_str().unwrap(), "-o", o.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(coordsr::io::read_volume(&o).unwrap().width, 96);
}

/// Two readers of the demo study, one exporting JSON and one CSV: the scores given here are
/// already "coord relative to conv", and the raw clicks are derived from the sides each reader
/// was shown, as the browser records them.
fn study_exports(d: &std::path::Path) -> (PathBuf, PathBuf, PathBuf) {
    use coordsr::study::{Answer, Export, StudyDef, Viewing};
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/study/demo.json");
    let def = StudyDef::parse("demo.json", &std::fs::read(&demo).unwrap()).unwrap();
    let export = |reader: &str, noise: [i8; 6], sharp: [i8; 6], conf: [i8; 6]| {
        let answers = def
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let sign = if def.right_is_first_method(reader, &c.id) { 1 } else { -1 };
                let raw = [("noise", noise[i]), ("sharpness", sharp[i]), ("confidence", conf[i])]
                    .into_iter()
                    .map(|(q, s)| (q.to_string(), sign * s))
                    .collect();
                let view = Viewing { millis: 4200.0, zoom: c.zoom, center: c.center.unwrap(), window: [0.5, 1.0] };
                Answer::new(&def, reader, &c.id, raw, view, "2025-03-01T10:00:00.000Z").unwrap()
            })
            .collect();
        Export::new(&def, reader, "2025-03-01T10:30:00.000Z", answers)
    };
    let a = d.join("alice.json");
    let b = d.join("bob.csv");
    std::fs::write(&a, export("alice", [2, 1, 1, 0, -1, 2], [0, 0, 1, 0, 0, 0], [1, 2, 2, 1, 1, 2]).to_json()).unwrap();
    std::fs::write(&b, export("bob", [1, 1, 2, 0, 0, 2], [0, 0, 0, -1, 0, 0], [1, 2, 1, 1, 2, 2]).to_csv()).unwrap();
    (demo, a, b)
}

#[test]
fn study_summarize_pools_json_and_csv_exports() {
    let d = tmp("study");
    let (demo, a, b) = study_exports(&d);
    let json = d.join("summary.json");
    let (a, b, demo, json) = (a.to_str().unwrap(), b.to_str().unwrap(), demo.to_str().unwrap(), json.to_str().unwrap());
    let out = coordsr(&["study", "summarize", a, b, "--study", demo, "--json", json]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("## Compared to conv, coord is …"), "{md}");
    // numpy / scipy / sklearn on the scores above: noise mean 11/12, SD 0.9962, Wilcoxon of
    // the case means p = 0.125, linear κ 0.5263; confidence mean 1.5, SD 0.5222, p = 0.03125,
    // κ 0.3333.
    assert!(md.contains("| Noise | 2 | 12 | +0.92 ± 1.00 | 0.125 | 0.53 |"), "{md}");
    assert!(md.contains("| Diagnostic confidence | 2 | 12 | +1.50 ± 0.52 | 0.031 | 0.33 |"), "{md}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    assert!((v["questions"][0]["kappa"]["linear"].as_f64().unwrap() - 0.5263157894736842).abs() < 1e-12);
    assert_eq!(v["readers"], serde_json::json!(["alice", "bob"]));
}

#[test]
fn study_summarize_names_the_bad_file() {
    let d = tmp("study-bad");
    let (demo, a, b) = study_exports(&d);
    let bad = d.join("answers.csv");
    let text = std::fs::read_to_string(&b).unwrap().replacen(",score,", ",points,", 1);
    std::fs::write(&bad, text).unwrap();
    let out = coordsr(&["study", "summarize", a.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_clean_error(&out, "answers.csv");
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing column score"));
    assert_clean_error(&coordsr(&["study", "summarize", d.join("missing.json").to_str().unwrap()]), "missing.json");
    // The same reader twice (as JSON and as CSV) would count every answer double.
    let again = d.join("alice-again.csv");
    let alice = coordsr::study::Export::parse("alice.json", &std::fs::read(&a).unwrap()).unwrap();
    std::fs::write(&again, alice.to_csv()).unwrap();
    assert_clean_error(&coordsr(&["study", "summarize", a.to_str().unwrap(), again.to_str().unwrap()]), "alice-again.csv");
    // A study file that is not the one answered.
    let other = d.join("other-study.json");
    std::fs::write(&other, std::fs::read_to_string(&demo).unwrap().replace("demo-shoulder", "other")).unwrap();
    assert_clean_error(&coordsr(&["study", "summarize", a.to_str().unwrap(), "--study", other.to_str().unwrap()]), "alice.json");
}

/// A sagittal DICOM series in the patient's LPS frame, as scanners write one: `depth` files of
/// `cols × rows`, rows toward posterior, columns toward inferior, slices 1 mm apart toward the
/// left (ImagePositionPatient x grows), 0.9 mm pixels, SliceThickness 1.
fn write_sagittal_series(dir: &Path, cols: u16, rows: u16, depth: usize) {
    use dicom_core::{DataElement, PrimitiveValue, VR};
    use dicom_dictionary_std::tags;
    use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
    std::fs::create_dir_all(dir).unwrap();
    let txt = |t, vr, s: &str| DataElement::new(t, vr, PrimitiveValue::from(s));
    let us = |t, v: u16| DataElement::new(t, VR::US, PrimitiveValue::from(v));
    for k in 0..depth {
        let pixels: Vec<u16> = (0..cols as usize * rows as usize).map(|i| (i % cols as usize * 3 + i / cols as usize * 5 + k * 40) as u16).collect();
        let obj = InMemDicomObject::from_element_iter([
            txt(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
            txt(tags::SOP_INSTANCE_UID, VR::UI, &format!("1.2.3.4.5.6.{k}")),
            txt(tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.4.5"),
            txt(tags::MODALITY, VR::CS, "MR"),
            us(tags::ROWS, rows),
            us(tags::COLUMNS, cols),
            us(tags::SAMPLES_PER_PIXEL, 1),
            txt(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
            us(tags::BITS_ALLOCATED, 16),
            us(tags::BITS_STORED, 16),
            us(tags::HIGH_BIT, 15),
            us(tags::PIXEL_REPRESENTATION, 0),
            txt(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "0\\1\\0\\0\\0\\-1"),
            txt(tags::PIXEL_SPACING, VR::DS, "0.9\\0.9"),
            txt(tags::SLICE_THICKNESS, VR::DS, "1"),
            txt(tags::IMAGE_POSITION_PATIENT, VR::DS, &format!("{}\\-100\\50", -20.0 + k as f64)),
            DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(pixels.into_iter().collect())),
        ]);
        let file = obj
            .with_meta(FileMetaTableBuilder::new().transfer_syntax("1.2.840.10008.1.2.1").media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4"))
            .unwrap();
        file.write_to_file(dir.join(format!("{k:03}.dcm"))).unwrap();
    }
}

fn world(v: &coordsr::volume::Volume, ijk: [f64; 3]) -> [f64; 3] {
    v.world(ijk)
}

/// `degrade --slice-thickness` then `upscale --through-plane` at the original spacing: the thick
/// slices sit at the centre of the tissue they averaged, and every output voxel lands on the
/// source voxel of the same index, for RAS NIfTI (oblique, odd and even depths, a gap, a real
/// factor) and an LPS DICOM series of a sagittal acquisition.
#[test]
fn through_plane_round_trips_keep_world_positions() {
    use coordsr::image::Image;
    use coordsr::volume::Volume;
    let d = tmp("through");
    let (c, s) = (0.4f64.cos(), 0.4f64.sin());
    let oblique = [[-0.8 * c, 0.0, 1.0 * s, 31.0], [0.0, 0.8, 0.0, -17.0], [0.8 * s, 0.0, 1.0 * c, 42.0], [0.0, 0.0, 0.0, 1.0]];
    let dicom = d.join("sagittal");
    write_sagittal_series(&dicom, 24, 20, 29);
    let mut sources: Vec<(PathBuf, &str, &str)> = Vec::new();
    for (depth, thickness, spacing) in [(40usize, "4", "4"), (41, "3", "3"), (37, "2.5", "2.5"), (39, "2", "3")] {
        let slices = (0..depth).map(|k| Image::from_fn(16, 13, |x, y| (x * 2 + y) as f32 + 5.0 * k as f32)).collect();
        let p = d.join(format!("ras-{depth}.nii.gz"));
        coordsr::io::write_nifti(&p, &Volume::new(slices, [0.8, 0.8, 1.0], oblique)).unwrap();
        sources.push((p, thickness, spacing));
    }
    sources.push((dicom, "3", "3"));
    for (src, thickness, spacing) in &sources {
        let name = src.file_name().unwrap().to_string_lossy().to_string();
        let fine = coordsr::io::read_volume(src).unwrap();
        let thick_path = d.join(format!("{name}-thick.nii.gz"));
        let out = coordsr(&["degrade", src.to_str().unwrap(), "--slice-thickness", thickness, "--slice-spacing", spacing, "-o", thick_path.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let thick = coordsr::io::read_volume(&thick_path).unwrap();
        let (t, sp): (f64, f64) = (thickness.parse().unwrap(), spacing.parse().unwrap());
        assert!((thick.thickness.unwrap() - t).abs() < 1e-4, "{name}: thickness {:?}", thick.thickness);
        for j in 0..thick.depth() {
            let centre = (t - 1.0) / 2.0 + j as f64 * sp;
            let (p, q) = (world(&thick, [3.0, 2.0, j as f64]), world(&fine, [3.0, 2.0, centre]));
            assert!((0..3).all(|r| (p[r] - q[r]).abs() < 1e-3), "{name} thick slice {j}: {p:?} vs {q:?}");
        }
        let up = d.join(format!("{name}-up.nii.gz"));
        let out = coordsr(&["upscale", thick_path.to_str().unwrap(), "--through-plane", "--method", "bicubic", "--slice-spacing", "1", "-o", up.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let up = coordsr::io::read_volume(&up).unwrap();
        let expected = ((thick.depth() - 1) as f64 * sp + t).round() as usize;
        assert_eq!((up.width, up.height, up.depth()), (fine.width, fine.height, expected), "{name}");
        for k in [0, up.depth() / 2, up.depth() - 1] {
            for ij in [[0.0, 0.0], [5.0, 7.0]] {
                let (p, q) = (world(&up, [ij[0], ij[1], k as f64]), world(&fine, [ij[0], ij[1], k as f64]));
                assert!((0..3).all(|r| (p[r] - q[r]).abs() < 1e-3), "{name} k {k}: {p:?} vs {q:?}");
            }
        }
    }
}

#[test]
fn through_plane_mistakes_are_named() {
    use coordsr::image::Image;
    use coordsr::volume::Volume;
    let d = tmp("through-bad");
    let one = d.join("one.nii");
    coordsr::io::write_nifti(&one, &Volume::from_image(Image::from_fn(8, 8, |x, _| x as f32), [1.0, 1.0])).unwrap();
    let o = d.join("o.nii");
    let out = coordsr(&["upscale", one.to_str().unwrap(), "--through-plane", "--method", "bicubic", "-o", o.to_str().unwrap()]);
    assert_clean_error(&out, "one.nii");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least two slices"));
    let slices = (0..6).map(|_| Image::from_fn(8, 8, |x, _| x as f32)).collect();
    let thick = d.join("thick.nii");
    coordsr::io::write_nifti(&thick, &Volume::new(slices, [1.0, 1.0, 3.0], [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 1.0]])).unwrap();
    let out = coordsr(&["upscale", thick.to_str().unwrap(), "--through-plane", "--method", "bicubic", "--slice-spacing", "4", "-o", o.to_str().unwrap()]);
    assert_clean_error(&out, "thick.nii");
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than the input"));
    let out = coordsr(&["degrade", thick.to_str().unwrap(), "--slice-thickness", "2", "-o", o.to_str().unwrap()]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("at least the scan's slice spacing"));
    let out = coordsr(&["upscale", thick.to_str().unwrap(), "--through-plane", "--scale", "2", "-o", o.to_str().unwrap()]);
    assert!(!out.status.success() && !String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn through_plane_coord_uses_the_built_in_through_plane_model() {
    use coordsr::volume::Volume;
    let d = tmp("through-coord");
    let slices = (0..8).map(|k| coordsr::phantom::shepp_logan(40, 36).map(|v| v * (1.0 + 0.05 * k as f32))).collect();
    let thick = d.join("thick.nii.gz");
    coordsr::io::write_nifti(&thick, &Volume::new(slices, [1.0, 1.0, 3.0], [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 1.0]])).unwrap();
    let out = d.join("fine.nii.gz");
    let o = Command::new(env!("CARGO_BIN_EXE_coordsr"))
        .current_dir(&d)
        .args(["upscale", thick.to_str().unwrap(), "--through-plane", "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("through-plane (boxcar slices)"), "names the model it used: {err}");
    assert!(err.contains("no slice thickness in the file"), "says what it assumed: {err}");
    let v = coordsr::io::read_volume(&out).unwrap();
    assert_eq!((v.width, v.height, v.depth()), (40, 36, 24));
    assert!(v.slices.iter().all(|s| s.all_finite()));
    assert!((v.spacing[2] - 1.0).abs() < 1e-5);
}

#[test]
fn eval_keeps_a_folds_test_subject_unseen() {
    let d = tmp("fold");
    let weights = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/weights/coord.csrw");
    // The shipped model was trained on brain-by-subject-v1, not on fold 2's split: refused before
    // any scan is read, naming the file and the fold.
    let out = coordsr(&["eval", "--fold", "2", "--weights", weights.to_str().unwrap(), "-o", d.to_str().unwrap()]);
    assert_clean_error(&out, "coord.csrw");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not fold 2's 'loso-fold-2'"));
    assert_clean_error(&coordsr(&["eval", "--fold", "5", "-o", d.to_str().unwrap()]), "--fold 5");
    assert_clean_error(&coordsr(&["train", "--fold", "0", "-o", d.join("run").to_str().unwrap()]), "--fold 0");
}

/// A weights file with its header changed by `f` (the tensors kept): a cross-subject run's
/// model, as far as the headers the skip rule reads are concerned.
fn with_header(bytes: &[u8], f: impl Fn(&mut coordsr::weights::Header)) -> Vec<u8> {
    let (mut header, data) = coordsr::weights::parse(bytes).unwrap();
    f(&mut header);
    let json = serde_json::to_vec(&header).unwrap();
    let mut out = bytes[..8].to_vec();
    out.extend((json.len() as u32).to_le_bytes());
    out.extend(json);
    while out.len() % 4 != 0 {
        out.push(b' ');
    }
    out.extend(data);
    out
}

#[test]
fn the_skip_rule_is_read_from_the_runs_headers_and_gates_the_summary() {
    let d = tmp("skip-rule");
    let weights = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/weights");
    let mut files = Vec::new();
    for fold in 1..=4 {
        for (model, skip, vif) in [("coord", "bilinear", 0.64), ("coord", "zerofill", 0.65), ("conv", "zerofill", 0.60), ("conv", "bilinear", 0.59)] {
            let bytes = std::fs::read(weights.join(format!("{model}.csrw"))).unwrap();
            let bytes = with_header(&bytes, |h| {
                h.config.skip = skip.parse().unwrap();
                h.meta["split"] = serde_json::json!({"name": format!("loso-fold-{fold}"), "validation": coordsr::data::DataSplit::fold(fold).unwrap().validation});
                h.meta["seed"] = serde_json::json!(1);
                h.meta["val_vif"] = serde_json::json!(vif + 0.001 * fold as f64);
            });
            let p = d.join(format!("fold{fold}-{model}-{skip}-s1.csrw"));
            std::fs::write(&p, bytes).unwrap();
            files.push(p.to_str().unwrap().to_string());
        }
    }
    let run = |files: &[String]| {
        let mut args = vec!["eval", "--loso-validation", "-o", d.to_str().unwrap(), "--weights"];
        args.extend(files.iter().map(String::as_str));
        coordsr(&args)
    };
    // One seed-1 run missing: the rule waits and says for what; the finished runs are written.
    let out = run(&files[..15]);
    assert_eq!(out.status.code(), Some(3), "pending is exit status 3");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pending") && err.contains("fold 4 conv λ=0 2× bilinear"), "{err}");
    let csv = std::fs::read_to_string(d.join("loso_validation.csv")).unwrap();
    assert_eq!(csv.lines().count(), 16, "header and the 15 finished runs: {csv}");
    let summary = coordsr(&["eval", "--loso-summary", d.to_str().unwrap(), "-o", d.to_str().unwrap()]);
    assert!(summary.status.success(), "{}", String::from_utf8_lossy(&summary.stderr));
    let md = std::fs::read_to_string(d.join("loso.md")).unwrap();
    assert!(md.contains("Runs finished: 15 of 36. The skip rule is pending"), "{md}");
    // Test scores while the rule waits are refused.
    std::fs::write(d.join("loso_per_slice.csv"), "fold,test_subject,seed,method,skip,lambda,train_scales,query_scale,dataset,slice,psnr,ssim,vif\n1,s,,bicubic,,,,2,s,0,30,0.9,0.5\n").unwrap();
    let refused = coordsr(&["eval", "--loso-summary", d.to_str().unwrap(), "-o", d.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("test scores exist but the skip rule is pending"));
    std::fs::remove_file(d.join("loso_per_slice.csv")).unwrap();
    // All sixteen: the higher mean wins (coord over zero-fill here), the named default on conv.
    let out = run(&files);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "coord zerofill\nconv zerofill\n");
    assert!(coordsr(&["eval", "--loso-summary", d.to_str().unwrap(), "-o", d.to_str().unwrap()]).status.success());
    let round: coordsr::loso::CrossSubject = serde_json::from_str(&std::fs::read_to_string(d.join("loso.json")).unwrap()).unwrap();
    assert_eq!(round.runs.len(), 16);
    assert_eq!(round.rule.defaults().unwrap().0.skip, "zerofill");
    // A model of another split is named, not counted; so is a second copy of a run, and a run
    // whose header says it validated on another subject than its fold's.
    let shipped = weights.join("coord.csrw");
    assert_clean_error(&run(&[shipped.to_str().unwrap().to_string()]), "coord.csrw");
    let twice = run(&[files[0].clone(), files[0].clone()]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("two finished runs of fold 1 coord λ=10 1–2× bilinear seed 1"));
    let odd = d.join("odd.csrw");
    std::fs::write(&odd, with_header(&std::fs::read(&files[0]).unwrap(), |h| h.meta["split"]["validation"] = serde_json::json!(["brain-t1-uih"]))).unwrap();
    assert_clean_error(&run(&[odd.to_str().unwrap().to_string()]), "odd.csrw");
}

#[test]
fn eval_of_a_fold_keeps_each_seed_of_a_configuration_apart() {
    let Some(root) = data_root("eval_of_a_fold_keeps_each_seed_of_a_configuration_apart") else { return };
    let d = tmp("fold-seeds");
    // The shipped coord model relabelled as two seeds of a fold-1 run (fold 1's split is the one it
    // was trained on): the scores are the first round's, the rows must stay per seed.
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/weights/coord.csrw")).unwrap();
    let mut weights = Vec::new();
    for seed in [1, 2] {
        let p = d.join(format!("fold1-coord-l10-bilinear-s{seed}.csrw"));
        std::fs::write(&p, with_header(&bytes, |h| {
            h.meta["split"]["name"] = serde_json::json!("loso-fold-1");
            h.meta["seed"] = serde_json::json!(seed);
        }))
        .unwrap();
        weights.push(p.to_str().unwrap().to_string());
    }
    let out_dir = d.join("eval");
    let mut args = vec!["eval", "--fold", "1", "--slices", "2", "--scales", "2", "--no-ood", "--data", root.to_str().unwrap(), "-o", out_dir.to_str().unwrap(), "--weights"];
    args.extend(weights.iter().map(String::as_str));
    let out = coordsr(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let per_slice = coordsr::loso::read_per_slice_csv(&std::fs::read_to_string(out_dir.join("loso_per_slice.csv")).unwrap()).unwrap();
    let coord: Vec<_> = per_slice.iter().filter(|s| s.config == coordsr::loso::coord_default()).collect();
    assert_eq!(coord.len(), 4, "two seeds × two slices");
    assert_eq!(coord.iter().filter(|s| s.seed == Some(2)).count(), 2);
    assert!(coord.iter().all(|s| s.test_subject == "brain-t1-studyforrest" && s.fold == 1));
    // The same model under both seed labels: the same scores, slice for slice.
    assert_eq!(coord[0].vif, coord[2].vif);
    assert_eq!(per_slice.iter().filter(|s| s.seed.is_none()).count(), 4, "bicubic and zero-fill, two slices each");
    let means = std::fs::read_to_string(out_dir.join("loso.csv")).unwrap();
    assert_eq!(means.lines().count(), 1 + 4, "{means}");
}

#[test]
fn render_draws_a_plane_as_the_viewer_orients_it() {
    // A thick-slice RAS volume: its coronal plane, radiological (patient's right on the left,
    // superior up), at its true aspect, nearest: every drawn pixel is the voxel the engine's
    // OrientedPlane names, at the place the View puts it.
    let d = tmp("plane");
    let (w, h, n) = (12, 10, 6);
    let slices = (0..n).map(|k| coordsr::image::Image::new(w, h, (0..w * h).map(|i| (1000 * k + i) as f32).collect())).collect();
    let affine = [[1.0, 0.0, 0.0, -5.0], [0.0, 1.0, 0.0, -4.0], [0.0, 0.0, 3.0, 2.0], [0.0, 0.0, 0.0, 1.0]];
    let vol = coordsr::volume::Volume::new(slices, [1.0, 1.0, 3.0], affine);
    let input = d.join("thick.nii");
    coordsr::io::write_nifti(&input, &vol).unwrap();
    let output = d.join("coronal.npy");
    let out = coordsr(&[
        "render", input.to_str().unwrap(), "--plane", "coronal", "--slice", "4", "--method", "nearest",
        "--width", "48", "--height", "72", "--center", "5.5,2.5", "--zoom", "4", "-o", output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let img = coordsr::io::read_volume(&output).unwrap().slices.remove(0);
    let plane = coordsr::oriented::OrientedPlane::oriented(&affine, coordsr::orientation::PlaneName::Coronal, 4, coordsr::oriented::Convention::Radiological);
    assert_eq!(plane.labels(&affine), coordsr::oriented::Labels { top: 'S', bottom: 'I', left: 'R', right: 'L' });
    let view = coordsr::view::View::new(48, 72, [5.5, 2.5], 4.0).with_aspect(3.0);
    for (v, u) in [(0, 0), (10, 3), (40, 20), (71, 47)] {
        let c = view.slice_coord(u, v);
        let ijk = plane.voxel(&vol, c[0].round(), c[1].round());
        let want = 1000.0 * ijk[2] + w as f64 * ijk[1] + ijk[0];
        assert_eq!(img.data[v * 48 + u] as f64, want, "pixel ({u}, {v})");
        // Right of the centre is the patient's left (lower world x), above is superior.
        let world = vol.world(ijk);
        let centre = vol.world(plane.voxel(&vol, 5.5, 2.5));
        assert_eq!(world[0] < centre[0], c[0].round() > 5.5 && ijk[0] != 5.5, "pixel ({u}, {v}): {world:?} vs centre {centre:?}");
    }
    // An index beyond the volume: a clear error.
    let out = coordsr(&["render", input.to_str().unwrap(), "--plane", "coronal", "--slice", "10", "--method", "nearest", "--width", "8", "--height", "8", "--center", "1,1", "--zoom", "1", "-o", output.to_str().unwrap()]);
    assert_clean_error(&out, "thick.nii");
}
