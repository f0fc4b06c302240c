use super::super::test_util::*;
use super::super::{read_volume, read_volume_bytes, read_volume_bytes_with, read_volume_with};
use super::*;
use dicom_core::value::{DataSetSequence, PixelFragmentSequence};
use dicom_core::{DataElement, PrimitiveValue};
use dicom_object::FileMetaTableBuilder;

type El = DataElement<InMemDicomObject>;

fn us(t: Tag, v: u16) -> El {
    DataElement::new(t, VR::US, PrimitiveValue::from(v))
}
fn txt(t: Tag, vr: VR, s: &str) -> El {
    DataElement::new(t, vr, PrimitiveValue::from(s))
}
fn seq(t: Tag, items: Vec<InMemDicomObject>) -> El {
    DataElement::new(t, VR::SQ, DataSetSequence::from(items))
}

/// A small synthetic MR image file.
struct Syn {
    cols: u16,
    rows: u16,
    frames: usize,
    pixels: Vec<u16>,
    signed: bool,
    bits_stored: u16,
    position: Option<[f64; 3]>,
    orientation: [f64; 6],
    spacing: [f64; 2],
    slope: Option<&'static str>,
    intercept: Option<&'static str>,
    series: &'static str,
    acq: Option<[u16; 4]>,
    phase_dir: &'static str,
    extra: Vec<El>,
}

impl Syn {
    fn new(cols: u16, rows: u16, pixels: Vec<u16>) -> Syn {
        Syn {
            cols,
            rows,
            frames: 1,
            pixels,
            signed: false,
            bits_stored: 16,
            position: Some([0.0, 0.0, 0.0]),
            orientation: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            spacing: [0.5, 0.5],
            slope: None,
            intercept: None,
            series: "1.2.3.4.5",
            acq: None,
            phase_dir: "ROW",
            extra: Vec::new(),
        }
    }

    fn elements(&self, pixel: El) -> Vec<El> {
        let f = |v: &[f64]| v.iter().map(|x| format!("{x}")).collect::<Vec<_>>().join("\\");
        let mut e = vec![
            txt(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
            txt(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5.6.7"),
            txt(tags::SERIES_INSTANCE_UID, VR::UI, self.series),
            txt(tags::MODALITY, VR::CS, "MR"),
            us(tags::ROWS, self.rows),
            us(tags::COLUMNS, self.cols),
            us(tags::SAMPLES_PER_PIXEL, 1),
            txt(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
            us(tags::BITS_ALLOCATED, 16),
            us(tags::BITS_STORED, self.bits_stored),
            us(tags::HIGH_BIT, self.bits_stored - 1),
            us(tags::PIXEL_REPRESENTATION, self.signed as u16),
            txt(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, &f(&self.orientation)),
            txt(tags::PIXEL_SPACING, VR::DS, &f(&self.spacing)),
            txt(tags::SLICE_THICKNESS, VR::DS, "2"),
            pixel,
        ];
        if self.frames > 1 {
            e.push(txt(tags::NUMBER_OF_FRAMES, VR::IS, &self.frames.to_string()));
        }
        if let Some(p) = self.position {
            e.push(txt(tags::IMAGE_POSITION_PATIENT, VR::DS, &f(&p)));
        }
        if let Some(s) = self.slope {
            e.push(txt(tags::RESCALE_SLOPE, VR::DS, s));
        }
        if let Some(s) = self.intercept {
            e.push(txt(tags::RESCALE_INTERCEPT, VR::DS, s));
        }
        if let Some(a) = self.acq {
            e.push(DataElement::new(tags::ACQUISITION_MATRIX, VR::US, PrimitiveValue::U16(a.into_iter().collect())));
            e.push(txt(tags::IN_PLANE_PHASE_ENCODING_DIRECTION, VR::CS, self.phase_dir));
        }
        e.extend(self.extra.iter().cloned());
        e
    }

    fn native(&self, ts: &str) -> Vec<u8> {
        let px = DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(self.pixels.iter().copied().collect()));
        write(self.elements(px), ts)
    }

    fn encapsulated(&self, ts: &str, fragments: Vec<Vec<u8>>) -> Vec<u8> {
        let px = DataElement::new(tags::PIXEL_DATA, VR::OB, PixelFragmentSequence::new(Vec::<u32>::new(), fragments));
        write(self.elements(px), ts)
    }
}

fn write(elements: Vec<El>, ts: &str) -> Vec<u8> {
    let obj = InMemDicomObject::from_element_iter(elements);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new().transfer_syntax(ts).media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4"),
        )
        .expect("meta");
    let mut out = Vec::new();
    file.write_all(&mut out).expect("write dicom");
    out
}

fn ramp(w: usize, h: usize, k: usize) -> Vec<u16> {
    (0..w * h).map(|i| (i % w * 3 + i / w * 5 + k * 100) as u16).collect()
}

#[test]
fn single_file_values_geometry_and_ras() {
    let mut s = Syn::new(4, 3, ramp(4, 3, 0));
    s.position = Some([-10.0, 20.0, 30.0]);
    s.spacing = [0.7, 0.6]; // row spacing (y), column spacing (x)
    let v = read_volume_bytes("one.dcm", &s.native(TS_EXPLICIT_LE)).unwrap();
    assert_eq!((v.width, v.height, v.depth()), (4, 3, 1));
    assert_eq!(v.slices[0].get(2, 1), (2 * 3 + 5) as f32);
    assert!((v.spacing[0] - 0.6).abs() < 1e-9 && (v.spacing[1] - 0.7).abs() < 1e-9);
    // LPS (-10, 20, 30) is RAS (10, -20, 30); the row direction +x(L) is -x in RAS.
    assert_eq!(v.affine[0][3], 10.0);
    assert_eq!(v.affine[1][3], -20.0);
    assert_eq!(v.affine[2][3], 30.0);
    assert!((v.affine[0][0] + 0.6).abs() < 1e-9 && (v.affine[1][1] + 0.7).abs() < 1e-9);
    // Implicit VR and big endian give the same.
    for ts in [TS_IMPLICIT_LE, TS_EXPLICIT_BE] {
        let w = read_volume_bytes("one.dcm", &s.native(ts)).unwrap();
        assert_eq!(w.slices[0], v.slices[0], "{ts}");
    }
}

#[test]
fn rescale_signed_and_bits_stored() {
    let mut s = Syn::new(2, 2, vec![10, 20, 0x0FFF, 0xF005]);
    s.slope = Some("2.5");
    s.intercept = Some("-10");
    s.bits_stored = 12; // the top nibble of 0xF005 is not part of the value
    let v = read_volume_bytes("r.dcm", &s.native(TS_EXPLICIT_LE)).unwrap();
    assert_eq!(v.slices[0].data, vec![15.0, 40.0, 0x0FFF as f32 * 2.5 - 10.0, 5.0 * 2.5 - 10.0]);
    let mut s = Syn::new(2, 1, vec![(-5i16) as u16, 7]);
    s.signed = true;
    let v = read_volume_bytes("s.dcm", &s.native(TS_EXPLICIT_LE)).unwrap();
    assert_eq!(v.slices[0].data, vec![-5.0, 7.0]);
}

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

#[test]
fn multi_frame_enhanced_gives_slices() {
    let (w, h, n) = (3usize, 2usize, 4usize);
    let px: Vec<u16> = (0..n).flat_map(|k| ramp(w, h, k)).collect();
    let mut s = Syn::new(w as u16, h as u16, px);
    s.frames = n;
    s.position = None;
    // Per-frame positions in reverse order, per-frame rescale slope 2.
    let per_frame: Vec<InMemDicomObject> = (0..n)
        .map(|f| {
            let z = 10.0 - 2.0 * f as f64;
            InMemDicomObject::from_element_iter([
                seq(
                    tags::PLANE_POSITION_SEQUENCE,
                    vec![InMemDicomObject::from_element_iter([txt(
                        tags::IMAGE_POSITION_PATIENT,
                        VR::DS,
                        &format!("0\\0\\{z}"),
                    )])],
                ),
                seq(
                    tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
                    vec![InMemDicomObject::from_element_iter([
                        txt(tags::RESCALE_SLOPE, VR::DS, "2"),
                        txt(tags::RESCALE_INTERCEPT, VR::DS, "0"),
                    ])],
                ),
            ])
        })
        .collect();
    s.extra.push(seq(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, per_frame));
    let v = read_volume_bytes("mf.dcm", &s.native(TS_EXPLICIT_LE)).unwrap();
    assert_eq!(v.depth(), n);
    // Sorted by z ascending: the last frame first.
    for k in 0..n {
        assert_eq!(v.slices[k].data[0], 2.0 * ((n - 1 - k) * 100) as f32);
    }
    assert!((v.spacing[2] - 2.0).abs() < 1e-9);
    assert_eq!(v.affine[2][3], 4.0);
}

#[test]
fn undecodable_transfer_syntax_names_it() {
    // Written as JPEG Baseline, then the transfer syntax UID edited in memory to JPEG 2000
    // (same length, so the meta group stays valid).
    let s = Syn::new(2, 2, vec![0; 4]);
    let mut b = s.encapsulated("1.2.840.10008.1.2.4.50", vec![vec![0xFF, 0xD8, 0xFF, 0xD9]]);
    let at = b.windows(22).position(|w| w == b"1.2.840.10008.1.2.4.50").expect("ts in meta");
    b[at..at + 22].copy_from_slice(b"1.2.840.10008.1.2.4.90");
    let e = read_volume_bytes("j2k.dcm", &b).unwrap_err();
    assert!(
        e.problem.contains("JPEG 2000")
            && e.problem.contains("1.2.840.10008.1.2.4.90")
            && e.problem.contains("no decoder"),
        "{e}"
    );
    assert_eq!(e.file, "j2k.dcm");
    // A folder holding it reports the same, naming the file.
    let dir = temp_dir("j2k");
    std::fs::write(dir.join("a.dcm"), &b).unwrap();
    let e = read_volume(&dir).unwrap_err();
    assert!(e.file.ends_with("a.dcm") && e.problem.contains("JPEG 2000"), "{e}");
}

#[test]
fn rle_is_decoded() {
    // RLE Lossless, 16-bit: two segments (high bytes, low bytes), each one literal run.
    let vals: [u16; 4] = [1, 258, 513, 65535];
    let mut frag = vec![0u8; 64];
    frag[0..4].copy_from_slice(&2u32.to_le_bytes());
    frag[4..8].copy_from_slice(&64u32.to_le_bytes());
    frag[8..12].copy_from_slice(&(64u32 + 5 + 1).to_le_bytes());
    frag.push(3);
    frag.extend(vals.iter().map(|v| (v >> 8) as u8));
    frag.push(0); // pad segment to even length
    frag.push(3);
    frag.extend(vals.iter().map(|v| (v & 0xff) as u8));
    frag.push(0);
    let s = Syn::new(2, 2, vec![]);
    let b = s.encapsulated("1.2.840.10008.1.2.5", vec![frag]);
    let v = read_volume_bytes("rle.dcm", &b).unwrap();
    assert_eq!(v.slices[0].data, vals.iter().map(|&v| v as f32).collect::<Vec<_>>());
}

#[test]
fn lying_lengths_error_without_allocating() {
    let s = Syn::new(4, 3, ramp(4, 3, 0));
    let good = s.native(TS_EXPLICIT_LE);
    // The pixel data element's length claims 3 GB; 24 bytes are there.
    let tag = [0xE0u8, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0];
    let at = good.windows(8).position(|w| w == tag).expect("pixel data tag");
    let mut bad = good.clone();
    bad[at + 8..at + 12].copy_from_slice(&3_000_000_000u32.to_le_bytes());
    let e = read_volume_bytes("lie.dcm", &bad).unwrap_err();
    assert!(e.problem.contains("claims 3000000000 bytes"), "{e}");
    // Rows × Columns larger than the pixel data actually there.
    let big = Syn::new(16000, 16000, ramp(4, 3, 0));
    let e = read_volume_bytes("big.dcm", &big.native(TS_EXPLICIT_LE)).unwrap_err();
    assert!(e.problem.contains("truncated") && e.problem.contains("16000×16000"), "{e}");
    let huge = Syn::new(60000, 60000, ramp(4, 3, 0));
    let e = read_volume_bytes("huge.dcm", &huge.native(TS_EXPLICIT_LE)).unwrap_err();
    assert!(e.problem.contains("absurd"), "{e}");
    // Truncated file.
    let e = read_volume_bytes("cut.dcm", &good[..good.len() - 10]).unwrap_err();
    assert!(e.problem.contains("claims") || e.problem.contains("truncated"), "{e}");
    // DICM magic then garbage.
    let mut junk = vec![0u8; 128];
    junk.extend_from_slice(b"DICM");
    junk.extend_from_slice(&[0xAB; 50]);
    assert!(read_volume_bytes("junk.dcm", &junk).is_err());
    // A DICOM without pixel data.
    let obj = write(
        vec![
            txt(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.88.11"),
            txt(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3"),
        ],
        TS_EXPLICIT_LE,
    );
    let e = read_volume_bytes("sr.dcm", &obj).unwrap_err();
    assert!(e.problem.contains("no pixel data"), "{e}");
}

fn lcg(seed: &mut u64) -> f32 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (*seed >> 40) as f32 / (1u64 << 24) as f32
}

/// A zero-filled acquisition: random aw×ah "acquired" images interpolated to w×h in k-space,
/// stored as 16-bit.
fn zero_filled_series(
    w: usize,
    h: usize,
    aw: usize,
    ah: usize,
    acq: [u16; 4],
    dir: &'static str,
    zero_fill: bool,
) -> Vec<(String, Vec<u8>)> {
    let mut seed = 7u64;
    (0..3)
        .map(|k| {
            let img = if zero_fill {
                let lo = Image::from_fn(aw, ah, |x, y| {
                    1000.0 + 300.0 * lcg(&mut seed) + if (x / 4 + y / 4) % 2 == 0 { 500.0 } else { 0.0 }
                });
                kspace::resample(&lo, w, h, true)
            } else {
                Image::from_fn(w, h, |x, y| {
                    1000.0 + 300.0 * lcg(&mut seed) + if (x / 4 + y / 4) % 2 == 0 { 500.0 } else { 0.0 }
                })
            };
            let mut s =
                Syn::new(w as u16, h as u16, img.data.iter().map(|v| v.round().clamp(0.0, 65535.0) as u16).collect());
            s.position = Some([0.0, 0.0, 2.0 * k as f64]);
            s.spacing = [0.5, 0.25];
            s.acq = Some(acq);
            s.phase_dir = dir;
            (format!("z{k}.dcm"), s.native(TS_EXPLICIT_LE))
        })
        .collect()
}

#[test]
fn acquisition_matrix_crop_synthetic() {
    // Stored 64 wide × 48 tall; acquired 32 columns (phase, along the row) × 24 rows (frequency).
    let files = zero_filled_series(64, 48, 32, 24, [24, 0, 0, 32], "ROW", true);
    let l = read_dicom_series_with(files.clone(), &ReadOptions::default()).unwrap();
    let v = &l.volume;
    assert_eq!((v.width, v.height, v.depth()), (32, 24, 3), "{:?}", l.notes);
    let c = l.acquisition_crop.clone().expect("crop recorded");
    assert_eq!((c.stored, c.acquired), ((64, 48), (32, 24)));
    assert!(c.energy_outside < 1e-3, "{}", c.energy_outside);
    assert!((v.spacing[0] - 0.5).abs() < 1e-9 && (v.spacing[1] - 1.0).abs() < 1e-9, "{:?}", v.spacing);
    assert!((v.affine[0][0] + 0.5).abs() < 1e-9 && (v.affine[1][1] + 1.0).abs() < 1e-9);
    // Field of view kept.
    assert!((v.width as f64 * v.spacing[0] - 64.0 * 0.25).abs() < 1e-9);
    assert!(
        l.notes.iter().any(|n| n.contains("k-space cropped to the acquisition matrix 32×24 (stored 64×48")),
        "{:?}",
        l.notes
    );
    // Opting out keeps the stored grid and says why.
    let l = read_dicom_series_with(files.clone(), &ReadOptions { crop_to_acquisition: false }).unwrap();
    assert_eq!((l.volume.width, l.volume.height), (64, 48));
    assert!(l.acquisition_crop.is_none());
    assert!(l.notes.iter().any(|n| n.contains("not cropped on request")), "{:?}", l.notes);
    // A header with the axes swapped is corrected by the k-space check.
    let files = zero_filled_series(64, 48, 32, 24, [0, 24, 32, 0], "COL", true);
    let l = read_dicom_series_with(files, &ReadOptions::default()).unwrap();
    assert_eq!((l.volume.width, l.volume.height), (32, 24), "{:?}", l.notes);
    assert!(l.notes.iter().any(|n| n.contains("axes swapped against the header")), "{:?}", l.notes);
    // A grid that was really sampled at 64×48 is not cropped whatever the header says.
    let files = zero_filled_series(64, 48, 32, 24, [24, 0, 0, 32], "ROW", false);
    let l = read_dicom_series_with(files, &ReadOptions::default()).unwrap();
    assert_eq!((l.volume.width, l.volume.height), (64, 48));
    assert!(l.acquisition_crop.is_none());
    assert!(l.notes.iter().any(|n| n.contains("does not look zero-filled")), "{:?}", l.notes);
}

// ---------------------------------------------------------------------------------------------
// Real data (skipped when ../shared/data is absent)

fn positions_along_normal(v: &Volume) -> Vec<[f64; 3]> {
    (0..v.depth())
        .map(|k| {
            [
                v.affine[0][3] + v.affine[0][2] * k as f64,
                v.affine[1][3] + v.affine[1][2] * k as f64,
                v.affine[2][3] + v.affine[2][2] * k as f64,
            ]
        })
        .collect()
}

#[test]
fn real_series_vs_seg_sorted_spacing_and_crop() {
    let Some(dir) = data("vs-seg-001-t1", "real_series_vs_seg_sorted_spacing_and_crop") else { return };
    let raw = read_volume_with(&dir, &ReadOptions { crop_to_acquisition: false }).unwrap();
    let v = &raw.volume;
    assert_eq!((v.width, v.height, v.depth()), (512, 512, 120));
    assert!((v.spacing[2] - 1.5).abs() < 0.01, "{:?}", v.spacing);
    assert!((v.spacing[0] - 0.41).abs() < 0.01, "{:?}", v.spacing);
    // Sorting: every file read alone sits at affine·(0, 0, k) of the slice equal to it.
    let pos = positions_along_normal(v);
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut matched = 0;
    for p in files.iter().filter(|p| p.extension().is_some_and(|e| e == "dcm")) {
        let one = read_volume_with(p, &ReadOptions { crop_to_acquisition: false }).unwrap().volume;
        let o = [one.affine[0][3], one.affine[1][3], one.affine[2][3]];
        let k = pos
            .iter()
            .position(|q| (0..3).all(|i| (q[i] - o[i]).abs() < 1e-3))
            .unwrap_or_else(|| panic!("{p:?} at {o:?} not on the slice axis"));
        assert_eq!(one.slices[0], v.slices[k], "{p:?} should be slice {k}");
        matched += 1;
    }
    assert_eq!(matched, 120);
    // Cropped (the default).
    let l = read_volume_with(&dir, &ReadOptions::default()).unwrap();
    println!("vs-seg-001-t1: {:?}", l.notes);
    let c = l.acquisition_crop.clone().expect("vs-seg must be cropped");
    assert_eq!(c.acquired, (256, 256));
    assert!(c.energy_outside < 0.005, "{}", c.energy_outside);
    let w = &l.volume;
    assert_eq!((w.width, w.height, w.depth()), (256, 256, 120));
    for a in 0..2 {
        assert!((w.spacing[a] - 2.0 * v.spacing[a]).abs() < 1e-9);
        assert!((w.spacing[a] * w.width as f64 - v.spacing[a] * v.width as f64).abs() < 1e-9, "FOV kept");
        for r in 0..3 {
            assert!((w.affine[r][a] - 2.0 * v.affine[r][a]).abs() < 1e-9);
        }
    }
    assert_eq!(w.affine[0][3], v.affine[0][3]);
    assert_eq!(w.spacing[2], v.spacing[2]);
    // The crop keeps the mean intensity.
    let (m0, m1) = (v.slices[60].mean(), w.slices[60].mean());
    assert!((m0 - m1).abs() < 1e-3 * m0, "{m0} vs {m1}");
}

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

#[test]
fn real_acquisition_crops() {
    // (folder, stored w×h, expected acquired w×h)
    let cases: [(&str, (usize, usize), Option<(usize, usize)>); 4] = [
        ("brain-t1-uih", (0, 0), None),
        ("knee-dess-pykneer", (512, 512), None),
        ("brain-t1-philips-adni", (256, 256), None),
        ("brain-t1-studyforrest", (274, 384), None),
    ];
    for (folder, stored, _) in cases {
        let Some(dir) = data(folder, "real_acquisition_crops") else { continue };
        let raw = read_volume_with(&dir, &ReadOptions { crop_to_acquisition: false }).unwrap();
        let l = read_volume_with(&dir, &ReadOptions::default()).unwrap();
        let (v, w) = (&raw.volume, &l.volume);
        println!(
            "{folder}: stored {}×{}×{} spacing {:?} → {}×{} spacing {:?}; crop {:?}; notes {:?}",
            v.width,
            v.height,
            v.depth(),
            v.spacing,
            w.width,
            w.height,
            w.spacing,
            l.acquisition_crop,
            l.notes
        );
        if stored.0 > 0 {
            assert_eq!((v.width, v.height), stored, "{folder}");
        }
        // FOV kept whatever happened.
        for a in 0..2 {
            let (fv, fw) = (v.spacing[a] * [v.width, v.height][a] as f64, w.spacing[a] * [w.width, w.height][a] as f64);
            assert!((fv - fw).abs() < 1e-6 * fv, "{folder} FOV {fv} vs {fw}");
        }
        match folder {
            "brain-t1-uih" => {
                let mut dims = [v.width, v.height];
                dims.sort();
                assert_eq!((dims, v.depth()), ([460, 512], 80));
                // 460×512 stored; 256 frequency × 230 phase acquired, phase along the rows (x).
                let c = l.acquisition_crop.clone().expect("UIH must be cropped");
                assert_eq!((v.width, v.height), (460, 512));
                assert_eq!(c.acquired, (230, 256));
                assert!(c.energy_outside < 0.003, "{}", c.energy_outside);
                assert!((w.spacing[0] - 1.0).abs() < 1e-9 && (w.spacing[1] - 1.0).abs() < 1e-9, "{:?}", w.spacing);
                assert!(l.notes.iter().any(|n| n.contains("axes as the header says")), "{:?}", l.notes);
            }
            "knee-dess-pykneer" => {
                assert_eq!(v.depth(), 80);
                // 512 frequency × 320 phase, phase along the rows (x): only x was zero-filled.
                let c = l.acquisition_crop.clone().expect("knee must be cropped");
                assert_eq!(c.acquired, (320, 512));
                assert!(c.energy_outside < 0.003, "{}", c.energy_outside);
                assert!((w.spacing[0] - 0.5).abs() < 1e-9 && (w.spacing[1] - 0.3125).abs() < 1e-9, "{:?}", w.spacing);
                assert!(l.notes.iter().any(|n| n.contains("axes as the header says")), "{:?}", l.notes);
                assert!(l.notes.iter().any(|n| n.contains("skipped 2 non-DICOM")), "{:?}", l.notes);
            }
            "brain-t1-philips-adni" => {
                assert_eq!(v.depth(), 170);
                assert!(l.acquisition_crop.is_none(), "stored at the acquired matrix");
            }
            "brain-t1-studyforrest" => {
                assert_eq!(v.depth(), 240);
                assert!(l.acquisition_crop.is_none(), "no AcquisitionMatrix");
                assert!((v.spacing[2] - 0.67).abs() < 0.01, "{:?}", v.spacing);
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn real_philips_rescale_slope_applied() {
    let Some(dir) = data("brain-t1-philips-adni", "real_philips_rescale_slope_applied") else { return };
    let p = dir.join("1301_0001.dcm");
    let bytes = std::fs::read(&p).unwrap();
    let obj = OpenFileOptions::new().from_reader(Cursor::new(&bytes[..])).unwrap();
    let slope = el_f64(&obj, tags::RESCALE_SLOPE).expect("Philips file has RescaleSlope");
    let inter = el_f64(&obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0);
    assert!((slope - 2.36).abs() < 0.01, "slope {slope}");
    let raw: Vec<u16> = obj.get(tags::PIXEL_DATA).unwrap().to_multi_int::<u16>().unwrap_or_else(|_| {
        obj.get(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    });
    let v = read_volume_bytes("philips.dcm", &bytes).unwrap();
    let img = &v.slices[0];
    let mut checked = 0;
    for (i, &r) in raw.iter().enumerate().step_by(97) {
        let want = (r as f64 * slope + inter) as f32;
        assert!((img.data[i] - want).abs() <= 1e-3 * want.abs().max(1.0), "pixel {i}: {} vs {want}", img.data[i]);
        checked += (r > 0) as usize;
    }
    assert!(checked > 10);
}

#[test]
fn real_single_files() {
    let Some(dir) = data("pydicom-data", "real_single_files") else { return };
    let v = read_volume(&dir.join("emri_small.dcm")).unwrap();
    println!("emri_small: {}×{}×{} spacing {:?}", v.width, v.height, v.depth(), v.spacing);
    assert_eq!((v.width, v.height, v.depth()), (64, 64, 10));
    let l = read_volume_with(&dir.join("MR2_UNCR.dcm"), &ReadOptions::default()).unwrap();
    println!("MR2_UNCR: {}×{} spacing {:?} notes {:?}", l.volume.width, l.volume.height, l.volume.spacing, l.notes);
    assert_eq!((l.volume.width, l.volume.height), (1024, 1024));
    assert!(l.acquisition_crop.is_none());
    // Siemens, 256 frequency × 134 phase steps with a 75 % phase FOV, stored 484×484 at
    // 0.723 mm: the 134 phase samples cover 262.5 mm, i.e. 179 samples of the 350 mm grid.
    let l = read_volume_with(&dir.join("MR-SIEMENS-DICOM-WithOverlays.dcm"), &ReadOptions::default()).unwrap();
    println!("WithOverlays: {}×{} spacing {:?} notes {:?}", l.volume.width, l.volume.height, l.volume.spacing, l.notes);
    assert_eq!(l.acquisition_crop.as_ref().map(|c| c.acquired), Some((256, 179)), "{:?}", l.notes);
    let v =
        read_volume_with(&dir.join("MR-SIEMENS-DICOM-WithOverlays.dcm"), &ReadOptions { crop_to_acquisition: false })
            .unwrap()
            .volume;
    assert_eq!((v.width, v.height), (484, 484));
    // The whole folder: three different series.
    let e = read_volume(&dir).unwrap_err();
    assert!(e.problem.contains("different series"), "{e}");
}

#[test]
fn real_file_bytes_match_path_reading() {
    let Some(dir) = data("knee-dess-pykneer", "real_file_bytes_match_path_reading") else { return };
    let p = dir.join("IM-0001-0001-0001.dcm");
    let bytes = std::fs::read(&p).unwrap();
    let a = read_volume_bytes_with("knee.bin", &bytes, &ReadOptions::default()).unwrap();
    let b = read_volume(&p).unwrap();
    assert_eq!(a.volume.slices[0], b.slices[0]);
    // Prescan accepts the real file and finds its transfer syntax.
    assert_eq!(prescan(&bytes).unwrap(), TS_EXPLICIT_LE);
}
