//! One file → frames: pixel data decoded (native here, JPEG and RLE through `dicom-pixeldata`),
//! rescale slope and intercept applied, and each frame's geometry taken from the classic
//! attributes or the enhanced functional groups. Sizes the header claims are checked against the
//! pixel bytes actually there before any image is built.

use super::crop::AcqSpec;
use super::prescan::prescan;
use super::syntax::{TS_ENCAPSULATED_UNCOMPRESSED, TS_RLE, ts_decodable, ts_is_jpeg, ts_name, undecodable_ts_problem};
use crate::image::Image;
use crate::io::{IoError, MAX_DIM, MAX_VOXELS};
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
    let mut notes: Vec<String> = Vec::new();

    let pixel_el = obj.get(tags::PIXEL_DATA).or_else(|| obj.get(tags::FLOAT_PIXEL_DATA));
    let Some(pixel_el) = pixel_el else {
        return Err(err("the DICOM file holds no pixel data (a DICOMDIR, report or other non-image object)".into()));
    };
    // Sizes stay u64 until every limit is checked: a UL or UV Rows/Columns (or a huge
    // NumberOfFrames) must not wrap when cast to a 32-bit usize on wasm32.
    let rows = el_uint(&obj, tags::ROWS).ok_or_else(|| err("no Rows (0028,0010)".into()))?;
    let cols = el_uint(&obj, tags::COLUMNS).ok_or_else(|| err("no Columns (0028,0011)".into()))?;
    let frames = el_uint(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1);
    let spp = el_uint(&obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    if spp != 1 {
        return Err(err(format!(
            "colour DICOM images (SamplesPerPixel {spp}) are not supported; a grayscale MR image is needed"
        )));
    }
    let photometric = el_str(&obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
    match photometric.as_str() {
        "PALETTE COLOR" => {
            return Err(err(
                "PALETTE COLOR images (pixel values are indices into a colour table) are not supported; a grayscale MR image is needed"
                    .into(),
            ));
        }
        "MONOCHROME1" => notes.push(format!(
            "{name}: MONOCHROME1 (low values meant to be shown white): values read as stored, so the image shows inverted compared to a DICOM viewer"
        )),
        _ => {}
    }
    if rows == 0 || cols == 0 {
        return Err(err(format!("zero image size ({cols}×{rows})")));
    }
    if rows > MAX_DIM || cols > MAX_DIM || frames > MAX_DIM {
        return Err(err(format!(
            "absurd dimensions ({cols}×{rows}×{frames} frames; at most {MAX_DIM} per axis)"
        )));
    }
    let nvox = rows * cols * frames; // each ≤ 2¹⁶: no overflow in u64
    if nvox > MAX_VOXELS {
        return Err(err(format!(
            "absurd dimensions ({cols}×{rows}×{frames} frames: {nvox} pixels, at most {MAX_VOXELS})"
        )));
    }
    let is_float = obj.get(tags::PIXEL_DATA).is_none();
    let ba = if is_float {
        32
    } else {
        el_uint(&obj, tags::BITS_ALLOCATED).ok_or_else(|| err("no BitsAllocated (0028,0100)".into()))?
    };
    if !matches!(ba, 8 | 16 | 32) {
        return Err(err(format!("BitsAllocated {ba} is not supported (8, 16 or 32)")));
    }
    let ba = ba as u32;
    let bs = el_uint(&obj, tags::BITS_STORED).unwrap_or(ba as u64).clamp(1, ba as u64) as u32;
    let hb = el_uint(&obj, tags::HIGH_BIT).filter(|&h| h < ba as u64 && h + 1 >= bs as u64).map(|h| h as u32).unwrap_or(bs - 1);
    let signed = el_uint(&obj, tags::PIXEL_REPRESENTATION).unwrap_or(0) == 1;
    let bytes_per = (ba / 8) as usize;
    // ≤ MAX_VOXELS × 4 bytes, which fits a 32-bit usize.
    let need64 = nvox * bytes_per as u64;
    let (rows, cols, frames) = (rows as usize, cols as usize, frames as usize);
    let per_frame = rows * cols;
    let need = usize::try_from(need64).map_err(|_| err(format!("{need64} bytes of pixel data cannot be held here")))?;

    // Raw sample bytes (little endian) of all frames.
    let encapsulated_ts = ts == TS_RLE || ts_is_jpeg(&ts);
    let raw: std::borrow::Cow<[u8]> = match pixel_el.value() {
        DicomValue::Primitive(_) if encapsulated_ts => {
            return Err(err(format!(
                "the pixel data of this {} file is not encapsulated (no fragments): corrupt",
                ts_name(&ts)
            )));
        }
        DicomValue::Primitive(p) => p.to_bytes(),
        DicomValue::PixelSequence(seq) => {
            let fragments = seq.fragments();
            let compressed: u64 = fragments.iter().map(|f| f.len() as u64).sum();
            if ts == TS_ENCAPSULATED_UNCOMPRESSED {
                std::borrow::Cow::Owned(fragments.iter().flat_map(|f| f.iter().copied()).collect())
            } else if !encapsulated_ts {
                return Err(err(format!(
                    "encapsulated (fragmented) pixel data in a {} file, which stores pixels natively: corrupt",
                    ts_name(&ts)
                )));
            } else if need64 > 1100 * compressed + (1 << 20) {
                return Err(err(format!(
                    "the header claims {cols}×{rows}×{frames} pixels ({need} bytes) from {compressed} bytes of compressed data: corrupt"
                )));
            } else if ts == TS_RLE {
                std::borrow::Cow::Owned(
                    decode_rle(fragments, frames, per_frame, bytes_per).map_err(|p| err(format!("RLE Lossless pixel data: {p}")))?,
                )
            } else {
                if bytes_per > 2 {
                    return Err(err(format!("JPEG pixel data with BitsAllocated {ba} is not supported (8 or 16)")));
                }
                std::borrow::Cow::Owned(
                    decode_jpeg(fragments, frames, rows, cols, bytes_per)
                        .map_err(|p| err(format!("{} pixel data: {p}", ts_name(&ts))))?,
                )
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

/// RLE Lossless (PS3.5 Annex G), decoded here rather than by `dicom-pixeldata`, whose decoder
/// indexes the segment table and its output unchecked: a fragment with 0 segments or a short
/// one, more fragments than frames, or a segment that decodes short would panic, and a panic
/// aborts the browser page. One fragment per frame, one segment per byte of a sample (most
/// significant first); every offset and every run is checked against the bytes there. Returns
/// the samples little endian, as native pixel data.
fn decode_rle(fragments: &[Vec<u8>], frames: usize, per_frame: usize, bytes_per: usize) -> Result<Vec<u8>, String> {
    if fragments.len() != frames {
        return Err(format!(
            "{} fragments for {frames} frame{} (RLE stores exactly one fragment per frame): corrupt",
            fragments.len(),
            if frames == 1 { "" } else { "s" }
        ));
    }
    let frame_bytes = per_frame * bytes_per;
    let mut out = vec![0u8; frames * frame_bytes];
    for (f, frag) in fragments.iter().enumerate() {
        if frag.len() < 64 {
            return Err(format!("fragment {f} is {} bytes, shorter than the 64-byte RLE header: corrupt", frag.len()));
        }
        let word = |i: usize| u32::from_le_bytes([frag[4 * i], frag[4 * i + 1], frag[4 * i + 2], frag[4 * i + 3]]) as u64;
        let n = word(0);
        if n != bytes_per as u64 {
            return Err(format!(
                "fragment {f} has {n} segments where {}-bit grayscale needs {bytes_per}: corrupt",
                bytes_per * 8
            ));
        }
        let dst = &mut out[f * frame_bytes..(f + 1) * frame_bytes];
        for i in 0..bytes_per {
            let start = word(1 + i);
            let end = if i + 1 < bytes_per { word(2 + i) } else { frag.len() as u64 };
            if start < 64 || start > end || end > frag.len() as u64 {
                return Err(format!(
                    "fragment {f}: segment {i} at bytes {start}..{end} lies outside the {}-byte fragment: corrupt",
                    frag.len()
                ));
            }
            let seg = &frag[start as usize..end as usize];
            let byte = bytes_per - 1 - i;
            let got = unpack_bits(seg, per_frame, |k, v| dst[k * bytes_per + byte] = v);
            if got < per_frame {
                return Err(format!("fragment {f}: segment {i} decodes to {got} of {per_frame} bytes: truncated or corrupt"));
            }
        }
    }
    Ok(out)
}

/// PackBits: up to `n` bytes out through `put(index, byte)`; returns how many came out.
fn unpack_bits(seg: &[u8], n: usize, mut put: impl FnMut(usize, u8)) -> usize {
    let (mut i, mut k) = (0, 0);
    while k < n && i < seg.len() {
        let h = seg[i] as i8;
        i += 1;
        if h >= 0 {
            let len = (h as usize + 1).min(seg.len() - i).min(n - k);
            for &v in &seg[i..i + len] {
                put(k, v);
                k += 1;
            }
            i += h as usize + 1;
        } else if h != -128 {
            let Some(&v) = seg.get(i) else { break };
            i += 1;
            for _ in 0..(1 - h as isize) as usize {
                if k == n {
                    break;
                }
                put(k, v);
                k += 1;
            }
        }
    }
    k
}

/// JPEG (baseline, extended, lossless), decoded here with `jpeg-decoder` the way
/// `dicom-pixeldata` would (fragments joined, one JPEG stream per frame, each starting at its
/// SOI marker), but with each frame's size checked against Rows × Columns before it is decoded
/// and after: `dicom-pixeldata` copies every decoded frame into a buffer sized from the DICOM
/// header and panics on a larger one.
fn decode_jpeg(fragments: &[Vec<u8>], frames: usize, rows: usize, cols: usize, bytes_per: usize) -> Result<Vec<u8>, String> {
    use jpeg_decoder::{Decoder, PixelFormat};
    let data: Vec<u8> = fragments.concat();
    let frame_bytes = rows * cols * bytes_per;
    let mut out = Vec::with_capacity(frames * frame_bytes);
    let mut at = 0usize;
    for f in 0..frames {
        let start = data
            .get(at..)
            .and_then(|rest| rest.windows(2).position(|w| w == [0xFF, 0xD8]))
            .ok_or_else(|| format!("no JPEG stream for frame {f} of {frames}: truncated or corrupt"))?;
        let mut cursor = Cursor::new(&data[at + start..]);
        let mut dec = Decoder::new(&mut cursor);
        dec.set_max_decoding_buffer_size(frame_bytes.max(1 << 16));
        dec.read_info().map_err(|e| format!("frame {f}: {e}"))?;
        let info = dec.info().ok_or_else(|| format!("frame {f}: no JPEG frame header"))?;
        let bytes = match info.pixel_format {
            PixelFormat::L8 => 1,
            PixelFormat::L16 => 2,
            other => return Err(format!("frame {f} is a colour JPEG ({other:?}); a grayscale image is needed")),
        };
        if info.width as usize != cols || info.height as usize != rows || bytes != bytes_per {
            return Err(format!(
                "frame {f} is a {}×{} JPEG of {}-byte samples, but the DICOM header says {cols}×{rows} in {} bits: corrupt",
                info.width,
                info.height,
                bytes,
                bytes_per * 8
            ));
        }
        let px = dec.decode().map_err(|e| format!("frame {f}: {e}"))?;
        if px.len() != frame_bytes {
            return Err(format!("frame {f} decodes to {} bytes, {frame_bytes} expected: corrupt", px.len()));
        }
        out.extend_from_slice(&px);
        at += start + (cursor.position() as usize).max(2);
    }
    Ok(out)
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

    /// A baseline 8-bit 8×8 grayscale JPEG of a flat image (every block DC 0, so 128 after the
    /// level shift), as scripts/make-corpus.py writes it.
    const FLAT_JPEG_8X8: &[u8] = &[0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x26, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x3f, 0xff, 0xd9];

    #[test]
    fn jpeg_frames_decode_and_a_size_mismatch_is_refused() {
        let s = Syn::new(8, 8, vec![]);
        let mut b = s.encapsulated("1.2.840.10008.1.2.4.50", vec![FLAT_JPEG_8X8.to_vec()]);
        // Syn writes BitsAllocated 16; this JPEG holds 8-bit samples: refused, not misread.
        let e = read_volume_bytes("j16.dcm", &b).unwrap_err();
        assert!(e.problem.contains("8×8 JPEG of 1-byte samples") && e.problem.contains("16 bits"), "{e}");
        // BitsAllocated/Stored 8, high bit 7: decoded.
        for (tag, v) in [([0x00u8, 0x01], 8u16), ([0x01, 0x01], 8), ([0x02, 0x01], 7)] {
            let at = b.windows(8).position(|w| w[..4] == [0x28, 0x00, tag[0], tag[1]] && &w[4..6] == b"US").unwrap();
            b[at + 8..at + 10].copy_from_slice(&v.to_le_bytes());
        }
        let v = read_volume_bytes("j8.dcm", &b).unwrap();
        assert_eq!(v.slices[0].data, vec![128.0; 64]);
        // The same JPEG in a 4×4 image: refused before decoding into a 16-byte frame.
        let small = Syn::new(4, 4, vec![]).encapsulated("1.2.840.10008.1.2.4.50", vec![FLAT_JPEG_8X8.to_vec()]);
        let e = read_volume_bytes("small.dcm", &small).unwrap_err();
        assert!(e.problem.contains("8×8 JPEG"), "{e}");
    }

    #[test]
    fn rle_fragments_and_segments_are_checked() {
        // Two frames, one fragment each, 16-bit: decoded; a missing fragment or an extra one is refused.
        let frag = |vals: &[u16]| {
            let mut f = vec![0u8; 64];
            f[0..4].copy_from_slice(&2u32.to_le_bytes());
            f[4..8].copy_from_slice(&64u32.to_le_bytes());
            f[8..12].copy_from_slice(&(64 + 1 + vals.len() as u32).to_le_bytes());
            f.push(vals.len() as u8 - 1);
            f.extend(vals.iter().map(|v| (v >> 8) as u8));
            f.push(vals.len() as u8 - 1);
            f.extend(vals.iter().map(|v| (v & 0xff) as u8));
            f
        };
        let mut s = Syn::new(2, 2, vec![]);
        s.frames = 2;
        let b = s.encapsulated("1.2.840.10008.1.2.5", vec![frag(&[1, 2, 3, 4]), frag(&[500, 600, 700, 800])]);
        let v = read_volume_bytes("rle2.dcm", &b).unwrap();
        assert_eq!(v.depth(), 2);
        let e = read_volume_bytes("rle1.dcm", &s.encapsulated("1.2.840.10008.1.2.5", vec![frag(&[1, 2, 3, 4])])).unwrap_err();
        assert!(e.problem.contains("1 fragments for 2 frames"), "{e}");
        let three = vec![frag(&[1, 2, 3, 4]), frag(&[1, 2, 3, 4]), frag(&[1, 2, 3, 4])];
        let e = read_volume_bytes("rle3.dcm", &s.encapsulated("1.2.840.10008.1.2.5", three)).unwrap_err();
        assert!(e.problem.contains("3 fragments for 2 frames"), "{e}");
        // A segment that decodes short, and a header with no segments.
        let s1 = Syn::new(2, 2, vec![]);
        let short = frag(&[1, 2]);
        let e = read_volume_bytes("short.dcm", &s1.encapsulated("1.2.840.10008.1.2.5", vec![short])).unwrap_err();
        assert!(e.problem.contains("decodes to 2 of 4 bytes"), "{e}");
        let mut none = frag(&[1, 2, 3, 4]);
        none[0..4].copy_from_slice(&0u32.to_le_bytes());
        let e = read_volume_bytes("none.dcm", &s1.encapsulated("1.2.840.10008.1.2.5", vec![none])).unwrap_err();
        assert!(e.problem.contains("has 0 segments"), "{e}");
    }

    #[test]
    fn monochrome1_is_noted_and_palette_color_refused() {
        let mut s = Syn::new(4, 3, ramp(4, 3, 0));
        s.extra.push(txt(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME1"));
        let l = crate::io::read_volume_bytes_with("m1.dcm", &s.native(TS_EXPLICIT_LE), &ReadOptions::default()).unwrap();
        assert!(l.notes.iter().any(|n| n.contains("m1.dcm") && n.contains("MONOCHROME1")), "{:?}", l.notes);
        assert_eq!(l.volume.slices[0].data[1], 3.0, "values as stored");
        let mut s = Syn::new(4, 3, ramp(4, 3, 0));
        s.extra.push(txt(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "PALETTE COLOR"));
        let e = read_volume_bytes("pal.dcm", &s.native(TS_EXPLICIT_LE)).unwrap_err();
        assert!(e.problem.contains("PALETTE COLOR"), "{e}");
    }

    #[test]
    fn deflated_files_are_prescanned_and_read() {
        let s = Syn::new(4, 3, ramp(4, 3, 0));
        let v = read_volume_bytes("d.dcm", &s.native("1.2.840.10008.1.2.1.99")).unwrap();
        assert_eq!(v.slices[0].data, ramp(4, 3, 0).iter().map(|&x| x as f32).collect::<Vec<_>>());
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
