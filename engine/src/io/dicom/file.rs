//! One file → frames: pixel data decoded (native here, JPEG and RLE through `dicom-pixeldata`),
//! rescale slope and intercept applied, and each frame's geometry taken from the classic
//! attributes or the enhanced functional groups. Sizes the header claims are checked against the
//! pixel bytes actually there before any image is built.

use super::crop::AcqSpec;
use super::prescan::prescan;
use super::syntax::{TS_ENCAPSULATED_UNCOMPRESSED, ts_decodable, ts_name, undecodable_ts_problem};
use crate::image::Image;
use crate::io::{IoError, MAX_VOXELS};
use dicom_core::{DicomValue, Tag};
use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use std::io::Cursor;

type Obj = InMemDicomObject;

/// One image of a series, with the geometry its header gives it.
#[derive(Clone, Debug)]
pub(super) struct Frame {
    pub(super) image: Image,
    pub(super) position: Option<[f64; 3]>,
    pub(super) orientation: Option<[f64; 6]>,
    /// DICOM PixelSpacing: (between rows = along y, between columns = along x).
    pub(super) pixel_spacing: Option<[f64; 2]>,
    pub(super) slice_thickness: Option<f64>,
    pub(super) spacing_between: Option<f64>,
    /// File name and frame, for messages.
    pub(super) source: String,
    pub(super) instance: i64,
}

/// What one file brings to a series: its frames, and what must agree across the series.
pub(super) struct FileInfo {
    pub(super) series_uid: String,
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) acq: Option<AcqSpec>,
    pub(super) frames: Vec<Frame>,
    pub(super) notes: Vec<String>,
}

fn el_str(o: &Obj, t: Tag) -> Option<String> {
    let s = o.get(t)?.to_str().ok()?.trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string();
    if s.is_empty() { None } else { Some(s) }
}

fn el_f64s(o: &Obj, t: Tag) -> Option<Vec<f64>> {
    let v = o.get(t)?.to_multi_float64().ok()?;
    if v.is_empty() || v.iter().any(|x| !x.is_finite()) { None } else { Some(v) }
}

fn el_f64(o: &Obj, t: Tag) -> Option<f64> {
    el_f64s(o, t).map(|v| v[0])
}

fn el_uint(o: &Obj, t: Tag) -> Option<u64> {
    o.get(t)?.to_int::<u64>().ok()
}

fn el_int(o: &Obj, t: Tag) -> Option<i64> {
    o.get(t)?.to_int::<i64>().ok()
}

fn first_item(o: &Obj, t: Tag) -> Option<&Obj> {
    o.get(t)?.items()?.first()
}

/// `seq[0].attr` inside a functional group item.
fn fg_f64s(group: Option<&Obj>, seq: Tag, attr: Tag) -> Option<Vec<f64>> {
    el_f64s(first_item(group?, seq)?, attr)
}

/// Reads one single- or multi-frame file; `name` is used in errors and notes.
pub(super) fn read_file(name: &str, bytes: &[u8]) -> Result<FileInfo, IoError> {
    let err = |p: String| IoError::new(name, p);
    let ts = prescan(bytes).map_err(err)?;
    if !ts_decodable(&ts) {
        return Err(err(undecodable_ts_problem(&ts)));
    }
    let obj = OpenFileOptions::new()
        .from_reader(Cursor::new(bytes))
        .map_err(|e| err(format!("not a readable DICOM file: {e}")))?;
    let mut notes = Vec::new();

    let pixel_el = obj.get(tags::PIXEL_DATA).or_else(|| obj.get(tags::FLOAT_PIXEL_DATA));
    let Some(pixel_el) = pixel_el else {
        return Err(err("the DICOM file holds no pixel data (a DICOMDIR, report or other non-image object)".into()));
    };
    let rows = el_uint(&obj, tags::ROWS).ok_or_else(|| err("no Rows (0028,0010)".into()))? as usize;
    let cols = el_uint(&obj, tags::COLUMNS).ok_or_else(|| err("no Columns (0028,0011)".into()))? as usize;
    let frames = el_uint(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1) as usize;
    let spp = el_uint(&obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    if spp != 1 {
        return Err(err(format!(
            "colour DICOM images (SamplesPerPixel {spp}) are not supported; a grayscale MR image is needed"
        )));
    }
    if rows == 0 || cols == 0 {
        return Err(err(format!("zero image size ({cols}×{rows})")));
    }
    let nvox = (rows as u64) * (cols as u64) * (frames as u64);
    if nvox > MAX_VOXELS || frames > 1 << 16 {
        return Err(err(format!("absurd dimensions ({cols}×{rows}×{frames} frames)")));
    }
    let is_float = obj.get(tags::PIXEL_DATA).is_none();
    let ba = if is_float {
        32
    } else {
        el_uint(&obj, tags::BITS_ALLOCATED).ok_or_else(|| err("no BitsAllocated (0028,0100)".into()))? as u32
    };
    if !matches!(ba, 8 | 16 | 32) {
        return Err(err(format!("BitsAllocated {ba} is not supported (8, 16 or 32)")));
    }
    let bs = (el_uint(&obj, tags::BITS_STORED).unwrap_or(ba as u64) as u32).clamp(1, ba);
    let hb = el_uint(&obj, tags::HIGH_BIT).map(|v| v as u32).filter(|&h| h < ba && h + 1 >= bs).unwrap_or(bs - 1);
    let signed = el_uint(&obj, tags::PIXEL_REPRESENTATION).unwrap_or(0) == 1;
    let bytes_per = (ba / 8) as usize;
    let per_frame = rows * cols;
    let need = nvox as usize * bytes_per;

    // Raw sample bytes (little endian) of all frames.
    let raw: std::borrow::Cow<[u8]> = match pixel_el.value() {
        DicomValue::Primitive(p) => p.to_bytes(),
        DicomValue::PixelSequence(seq) => {
            if ts == TS_ENCAPSULATED_UNCOMPRESSED {
                std::borrow::Cow::Owned(seq.fragments().iter().flat_map(|f| f.iter().copied()).collect())
            } else {
                let compressed: usize = seq.fragments().iter().map(|f| f.len()).sum();
                if need as u64 > 1100 * compressed as u64 + (1 << 20) {
                    return Err(err(format!(
                        "the header claims {cols}×{rows}×{frames} pixels ({need} bytes) from {compressed} bytes of compressed data: corrupt"
                    )));
                }
                use dicom_pixeldata::PixelDecoder;
                let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    obj.decode_pixel_data().map(|d| d.data().to_vec())
                }));
                match decoded {
                    Ok(Ok(d)) => std::borrow::Cow::Owned(d),
                    Ok(Err(e)) => return Err(err(format!("cannot decode {} pixel data: {e}", ts_name(&ts)))),
                    Err(_) => {
                        return Err(err(format!("the {} decoder failed on this file (corrupt data)", ts_name(&ts))));
                    }
                }
            }
        }
        DicomValue::Sequence(_) => return Err(err("PixelData is a sequence, not pixels: corrupt".into())),
    };
    if raw.len() < need {
        return Err(err(format!(
            "the pixel data holds {} bytes but the header claims {cols}×{rows}×{frames} pixels of {ba} bits ({need} bytes): truncated or corrupt",
            raw.len()
        )));
    }

    // Functional groups (enhanced multi-frame objects).
    let shared = first_item(&obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    let per_frame_items =
        obj.get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).and_then(|e| e.items()).filter(|it| it.len() == frames);
    let top_slope = el_f64(&obj, tags::RESCALE_SLOPE);
    let top_inter = el_f64(&obj, tags::RESCALE_INTERCEPT);
    let top_pos = el_f64s(&obj, tags::IMAGE_POSITION_PATIENT).filter(|v| v.len() >= 3);
    let top_ori = el_f64s(&obj, tags::IMAGE_ORIENTATION_PATIENT).filter(|v| v.len() >= 6);
    let top_ps = el_f64s(&obj, tags::PIXEL_SPACING).filter(|v| v.len() >= 2);
    let top_thick = el_f64(&obj, tags::SLICE_THICKNESS);
    let top_between = el_f64(&obj, tags::SPACING_BETWEEN_SLICES);
    let instance = el_int(&obj, tags::INSTANCE_NUMBER).unwrap_or(0);

    let mask: u64 = if bs >= 64 { u64::MAX } else { (1u64 << bs) - 1 };
    let shift = hb + 1 - bs;
    let mut out_frames = Vec::with_capacity(frames);
    let mut slope_note = false;
    for f in 0..frames {
        let pf = per_frame_items.map(|it| &it[f]);
        let pick = |seq: Tag, attr: Tag| fg_f64s(pf, seq, attr).or_else(|| fg_f64s(shared, seq, attr));
        let mut slope = top_slope
            .or_else(|| pick(tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE, tags::RESCALE_SLOPE).map(|v| v[0]))
            .unwrap_or(1.0);
        let inter = top_inter
            .or_else(|| pick(tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE, tags::RESCALE_INTERCEPT).map(|v| v[0]))
            .unwrap_or(0.0);
        if slope == 0.0 {
            slope = 1.0;
            slope_note = true;
        }
        let position = pick(tags::PLANE_POSITION_SEQUENCE, tags::IMAGE_POSITION_PATIENT)
            .or_else(|| if frames == 1 { top_pos.clone() } else { None })
            .filter(|v| v.len() >= 3)
            .map(|v| [v[0], v[1], v[2]]);
        let orientation = pick(tags::PLANE_ORIENTATION_SEQUENCE, tags::IMAGE_ORIENTATION_PATIENT)
            .or_else(|| top_ori.clone())
            .filter(|v| v.len() >= 6)
            .map(|v| [v[0], v[1], v[2], v[3], v[4], v[5]]);
        let pixel_spacing = pick(tags::PIXEL_MEASURES_SEQUENCE, tags::PIXEL_SPACING)
            .or_else(|| top_ps.clone())
            .filter(|v| v.len() >= 2 && v[0] > 0.0 && v[1] > 0.0)
            .map(|v| [v[0], v[1]]);
        let slice_thickness =
            pick(tags::PIXEL_MEASURES_SEQUENCE, tags::SLICE_THICKNESS).map(|v| v[0]).or(top_thick).filter(|v| *v > 0.0);
        let spacing_between = pick(tags::PIXEL_MEASURES_SEQUENCE, tags::SPACING_BETWEEN_SLICES)
            .map(|v| v[0])
            .or(top_between)
            .filter(|v| *v > 0.0);

        let fb = &raw[f * per_frame * bytes_per..(f + 1) * per_frame * bytes_per];
        let mut px = Vec::with_capacity(per_frame);
        for i in 0..per_frame {
            let s = &fb[i * bytes_per..(i + 1) * bytes_per];
            let v = if is_float {
                f32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f64
            } else {
                let u: u64 = match bytes_per {
                    1 => s[0] as u64,
                    2 => u16::from_le_bytes([s[0], s[1]]) as u64,
                    _ => u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as u64,
                };
                let u = (u >> shift) & mask;
                if signed && bs < 64 && u & (1u64 << (bs - 1)) != 0 {
                    u as i64 as f64 - (1u64 << bs) as f64
                } else {
                    u as f64
                }
            };
            let y = (v * slope + inter) as f32;
            if !y.is_finite() {
                return Err(err(format!(
                    "pixel ({}, {}) of frame {f} is {y}: NaN or infinite values are not accepted",
                    i % cols,
                    i / cols
                )));
            }
            px.push(y);
        }
        out_frames.push(Frame {
            image: Image::new(cols, rows, px),
            position,
            orientation,
            pixel_spacing,
            slice_thickness,
            spacing_between,
            source: if frames > 1 { format!("{name} frame {f}") } else { name.to_string() },
            instance,
        });
    }
    if slope_note {
        notes.push(format!("{name}: RescaleSlope 0 ignored (taken as 1)"));
    }

    let acq = acquisition_matrix(&obj, per_frame_items.and_then(|it| it.first()), shared);

    Ok(FileInfo {
        series_uid: el_str(&obj, tags::SERIES_INSTANCE_UID).unwrap_or_default(),
        rows,
        cols,
        acq,
        frames: out_frames,
        notes,
    })
}

/// The acquisition matrix: the classic attribute, else the enhanced MR FOV/geometry of the first
/// frame or the shared functional groups.
fn acquisition_matrix(obj: &Obj, first_frame: Option<&Obj>, shared: Option<&Obj>) -> Option<AcqSpec> {
    if let Some(m) =
        obj.get(tags::ACQUISITION_MATRIX).and_then(|e| e.to_multi_int::<u32>().ok()).filter(|m| m.len() == 4)
    {
        let dir = el_str(obj, tags::IN_PLANE_PHASE_ENCODING_DIRECTION).unwrap_or_default();
        // "frequency rows \ frequency columns \ phase rows \ phase columns": one of each pair is
        // non-zero. Vendors disagree on which slot of a pair they fill (UIH writes 0\256\0\230,
        // GE 0\512\320\0 for a phase-along-x scan), so only the counts are taken from the slots;
        // the axis comes from InPlanePhaseEncodingDirection (ROW: phase varies along a row, x).
        let freq = (m[0] as usize).max(m[1] as usize);
        let phase = (m[2] as usize).max(m[3] as usize);
        let (x, y) = match dir.as_str() {
            "ROW" => (phase, freq),
            "COL" => (freq, phase),
            _ => ((m[1] as usize).max(m[3] as usize), (m[0] as usize).max(m[2] as usize)),
        };
        let dir_text = if dir.is_empty() { "unknown".to_string() } else { dir.clone() };
        let phase_axis = match dir.as_str() {
            "ROW" => Some(0),
            "COL" => Some(1),
            _ => None,
        };
        Some(AcqSpec {
            x,
            y,
            phase_axis,
            pct_phase_fov: el_f64(obj, tags::PERCENT_PHASE_FIELD_OF_VIEW),
            text: format!(
                "AcquisitionMatrix {}\\{}\\{}\\{} ({freq} frequency × {phase} phase, phase encoding {dir_text})",
                m[0], m[1], m[2], m[3]
            ),
        })
    } else {
        let geo = |g: Option<&Obj>| first_item(g?, tags::MRFOV_GEOMETRY_SEQUENCE).cloned();
        geo(first_frame).or_else(|| geo(shared)).and_then(|g| {
            let fr = el_uint(&g, tags::MR_ACQUISITION_FREQUENCY_ENCODING_STEPS)? as usize;
            let ph = el_uint(&g, tags::MR_ACQUISITION_PHASE_ENCODING_STEPS_IN_PLANE)? as usize;
            let dir = el_str(&g, tags::IN_PLANE_PHASE_ENCODING_DIRECTION).unwrap_or_default();
            let (x, y, phase_axis) = match dir.as_str() {
                "COL" => (fr, ph, Some(1)),
                "ROW" => (ph, fr, Some(0)),
                _ => (ph, fr, None),
            };
            Some(AcqSpec {
                x,
                y,
                phase_axis,
                pct_phase_fov: el_f64(&g, tags::PERCENT_PHASE_FIELD_OF_VIEW),
                text: format!("MR FOV geometry: {fr} frequency × {ph} phase steps, phase encoding {dir}"),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::syntax::{TS_EXPLICIT_BE, TS_EXPLICIT_LE, TS_IMPLICIT_LE};
    use super::super::synthetic::{Syn, ramp, seq, txt, write};
    use super::*;
    use crate::io::test_util::data;
    use crate::io::{ReadOptions, read_volume, read_volume_bytes, read_volume_with};
    use dicom_core::VR;

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
    fn lying_dimensions_error_without_allocating() {
        // Rows × Columns larger than the pixel data actually there.
        let big = Syn::new(16000, 16000, ramp(4, 3, 0));
        let e = read_volume_bytes("big.dcm", &big.native(TS_EXPLICIT_LE)).unwrap_err();
        assert!(e.problem.contains("truncated") && e.problem.contains("16000×16000"), "{e}");
        let huge = Syn::new(60000, 60000, ramp(4, 3, 0));
        let e = read_volume_bytes("huge.dcm", &huge.native(TS_EXPLICIT_LE)).unwrap_err();
        assert!(e.problem.contains("absurd"), "{e}");
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

    // Real data (skipped when ../shared/data is absent)

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
        println!(
            "WithOverlays: {}×{} spacing {:?} notes {:?}",
            l.volume.width, l.volume.height, l.volume.spacing, l.notes
        );
        assert_eq!(l.acquisition_crop.as_ref().map(|c| c.acquired), Some((256, 179)), "{:?}", l.notes);
        let v = read_volume_with(
            &dir.join("MR-SIEMENS-DICOM-WithOverlays.dcm"),
            &ReadOptions { crop_to_acquisition: false },
        )
        .unwrap()
        .volume;
        assert_eq!((v.width, v.height), (484, 484));
        // The whole folder: three different series.
        let e = read_volume(&dir).unwrap_err();
        assert!(e.problem.contains("different series"), "{e}");
    }
}
