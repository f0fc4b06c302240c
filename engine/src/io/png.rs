//! PNG: read as one 2D grayscale slice (8- or 16-bit values kept as they are; colour converted to
//! luma), written as 8-bit grayscale through a linear window.

use super::{IoError, MAX_DIM, MAX_VOXELS, check_image, write_bytes};
use crate::image::Image;
use crate::volume::Volume;
use ::png::{BitDepth, ColorType, Decoder, Limits, Transformations};
use std::io::Cursor;
use std::path::Path;

/// Deflate cannot expand data by much more than this; a larger claimed image is a lie.
const MAX_INFLATE_RATIO: u64 = 1100;

pub(crate) fn read_png_bytes(name: &str, bytes: &[u8]) -> Result<Volume, IoError> {
    let err = |p: String| IoError::new(name, p);
    // IHDR is the first chunk (the PNG standard requires it): its claimed size is checked here,
    // before the decoder sizes anything, so that the refusal reads the same natively and on
    // wasm32 (where the decoder's own limits would trip first, with a vaguer message).
    if bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let be = |o: usize| u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as u64;
        let (w, h) = (be(16), be(20));
        if w == 0 || h == 0 || w > MAX_DIM || h > MAX_DIM || w * h > MAX_VOXELS {
            return Err(err(format!("absurd PNG dimensions {w}×{h}")));
        }
    }
    let mut dec = Decoder::new_with_limits(Cursor::new(bytes), Limits { bytes: 1 << 28 });
    dec.set_transformations(Transformations::EXPAND);
    let mut reader = dec.read_info().map_err(|e| err(format!("not a readable PNG: {e}")))?;
    let (w, h) = {
        let info = reader.info();
        (info.width as u64, info.height as u64)
    };
    if w == 0 || h == 0 || w > MAX_DIM || h > MAX_DIM || w * h > MAX_VOXELS {
        return Err(err(format!("absurd PNG dimensions {w}×{h}")));
    }
    let size = reader.output_buffer_size().ok_or_else(|| err(format!("PNG of {w}×{h} is too large")))?;
    // The decoded bytes (up to 8 per pixel for 16-bit RGBA) stay within what the f32 slice will
    // take, so the buffer is bounded where the reader runs, not only by the file's size.
    if size as u64 > 4 * MAX_VOXELS {
        return Err(err(format!("PNG of {w}×{h} needs {size} bytes to decode, more than this reader accepts ({})", 4 * MAX_VOXELS)));
    }
    if size as u64 > MAX_INFLATE_RATIO * bytes.len() as u64 + (1 << 16) {
        return Err(err(format!(
            "the PNG header claims {w}×{h} pixels ({size} bytes) but the file has only {} bytes: corrupt",
            bytes.len()
        )));
    }
    let mut buf = vec![0u8; size];
    let out = reader.next_frame(&mut buf).map_err(|e| err(format!("corrupt PNG data: {e}")))?;
    let (w, h) = (out.width as usize, out.height as usize);
    let channels = match out.color_type {
        ColorType::Grayscale => 1,
        ColorType::GrayscaleAlpha => 2,
        ColorType::Rgb => 3,
        ColorType::Rgba => 4,
        ColorType::Indexed => return Err(err("indexed PNG was not expanded".into())),
    };
    let wide = out.bit_depth == BitDepth::Sixteen;
    let bps = if wide { 2 } else { 1 };
    if out.bit_depth != BitDepth::Eight && !wide {
        return Err(err(format!("unexpected PNG bit depth {:?} after expansion", out.bit_depth)));
    }
    let line = out.line_size;
    if line < w * channels * bps || buf.len() < line * h {
        return Err(err("PNG rows are shorter than the image width".into()));
    }
    let sample = |row: &[u8], x: usize, c: usize| -> f32 {
        let i = (x * channels + c) * bps;
        if wide { u16::from_be_bytes([row[i], row[i + 1]]) as f32 } else { row[i] as f32 }
    };
    let mut px = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &buf[y * line..(y + 1) * line];
        for x in 0..w {
            let v = if channels >= 3 {
                0.299 * sample(row, x, 0) + 0.587 * sample(row, x, 1) + 0.114 * sample(row, x, 2)
            } else {
                sample(row, x, 0)
            };
            px.push(v);
        }
    }
    Ok(Volume::from_image(Image::new(w, h, px), [1.0, 1.0]))
}

/// An 8-bit grayscale PNG in memory. `window` = (black, white) maps linearly to 0..255 with
/// clamping; `None` uses the image's finite min..max. Non-finite values become black.
pub fn encode_png_gray8(image: &Image, window: Option<(f32, f32)>) -> Result<Vec<u8>, IoError> {
    check_image("PNG output", image)?;
    if image.width > u32::MAX as usize || image.height > u32::MAX as usize {
        return Err(IoError::new("PNG output", "image too large for PNG"));
    }
    let (lo, hi) = window.unwrap_or_else(|| {
        image
            .data
            .iter()
            .filter(|v| v.is_finite())
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)))
    });
    let span = hi as f64 - lo as f64;
    let px: Vec<u8> = image
        .data
        .iter()
        .map(|&v| {
            if !v.is_finite() || !(span > 0.0) || !span.is_finite() {
                0
            } else {
                (((v as f64 - lo as f64) / span).clamp(0.0, 1.0) * 255.0).round() as u8
            }
        })
        .collect();
    let mut out = Vec::new();
    {
        let mut enc = ::png::Encoder::new(&mut out, image.width as u32, image.height as u32);
        enc.set_color(ColorType::Grayscale);
        enc.set_depth(BitDepth::Eight);
        let mut wr = enc.write_header().map_err(|e| IoError::new("PNG output", format!("PNG encoding failed: {e}")))?;
        wr.write_image_data(&px).map_err(|e| IoError::new("PNG output", format!("PNG encoding failed: {e}")))?;
        wr.finish().map_err(|e| IoError::new("PNG output", format!("PNG encoding failed: {e}")))?;
    }
    Ok(out)
}

/// Write `image` as an 8-bit grayscale PNG through a linear `window` (default min..max).
pub fn write_png(path: &Path, image: &Image, window: Option<(f32, f32)>) -> Result<(), IoError> {
    let bytes = encode_png_gray8(image, window).map_err(|e| IoError::new(path.display().to_string(), e.problem))?;
    write_bytes(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::temp_dir;
    use super::super::{read_volume, read_volume_bytes};
    use super::*;

    #[test]
    fn png_round_trip() {
        let dir = temp_dir("png");
        let im = Image::from_fn(9, 6, |x, y| ((x * 29 + y * 7) % 256) as f32);
        let p = dir.join("a.png");
        write_png(&p, &im, Some((0.0, 255.0))).unwrap();
        let v = read_volume(&p).unwrap();
        assert_eq!((v.width, v.height, v.depth()), (9, 6, 1));
        assert_eq!(v.slices[0], im);
        // Default window: min..max → 0..255.
        let im2 = im.map(|v| v * 0.01 - 3.0);
        write_png(&p, &im2, None).unwrap();
        let v = read_volume(&p).unwrap();
        let (lo, hi) = v.slices[0].min_max();
        assert_eq!((lo, hi), (0.0, 255.0));
        for (a, b) in v.slices[0].data.iter().zip(&im.data) {
            let (_, imax) = im.min_max();
            assert!((a - b * 255.0 / imax).abs() <= 0.5 + 1e-3, "{a} vs {b}");
        }
        // A window clamps.
        let bytes = encode_png_gray8(&im, Some((100.0, 200.0))).unwrap();
        let v = read_volume_bytes("w.png", &bytes).unwrap();
        for (a, b) in v.slices[0].data.iter().zip(&im.data) {
            let want = ((b - 100.0) / 100.0 * 255.0).clamp(0.0, 255.0).round();
            assert_eq!(*a, want);
        }
    }

    #[test]
    fn png_16bit_and_rgb() {
        let mut out = Vec::new();
        {
            let mut enc = ::png::Encoder::new(&mut out, 2, 1);
            enc.set_color(ColorType::Grayscale);
            enc.set_depth(BitDepth::Sixteen);
            let mut wr = enc.write_header().unwrap();
            wr.write_image_data(&[0x12, 0x34, 0xff, 0xfe]).unwrap();
        }
        let v = read_volume_bytes("g16.png", &out).unwrap();
        assert_eq!(v.slices[0].data, vec![0x1234 as f32, 0xfffe as f32]);
        let mut out = Vec::new();
        {
            let mut enc = ::png::Encoder::new(&mut out, 1, 1);
            enc.set_color(ColorType::Rgb);
            enc.set_depth(BitDepth::Eight);
            let mut wr = enc.write_header().unwrap();
            wr.write_image_data(&[100, 100, 100]).unwrap();
        }
        let v = read_volume_bytes("rgb.png", &out).unwrap();
        assert!((v.slices[0].data[0] - 100.0).abs() < 1e-3);
    }

    #[test]
    fn png_lying_header_errors_without_allocating() {
        // A valid 1×1 PNG whose IHDR is edited to claim 60000×60000 (CRC fixed up).
        let im = Image::from_fn(1, 1, |_, _| 1.0);
        let mut b = encode_png_gray8(&im, None).unwrap();
        b[16..20].copy_from_slice(&60000u32.to_be_bytes());
        b[20..24].copy_from_slice(&60000u32.to_be_bytes());
        let crc = crc32(&b[12..29]);
        b[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = read_volume_bytes("lie.png", &b).unwrap_err();
        assert!(e.problem.contains("claims") || e.problem.contains("absurd"), "{e}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
}
