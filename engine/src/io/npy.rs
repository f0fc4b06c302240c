//! NumPy `.npy` arrays: 2D (singleton axes squeezed), read as one slice; written as `<f4`.

use super::{IoError, MAX_DIM, MAX_VOXELS, NPY_MAGIC, check_image, write_bytes};
use crate::image::Image;
use crate::volume::Volume;
use std::path::Path;

#[derive(Clone, Copy, Debug)]
enum Elem {
    Bool,
    U(usize),
    I(usize),
    F(usize),
    C(usize),
}

struct NpyHeader {
    elem: Elem,
    size: usize,
    little: bool,
    fortran: bool,
    shape: Vec<u64>,
    data_offset: usize,
}

fn parse_header(b: &[u8]) -> Result<NpyHeader, String> {
    if !b.starts_with(&NPY_MAGIC) {
        return Err("not a NumPy .npy file (no \\x93NUMPY magic)".into());
    }
    if b.len() < 10 {
        return Err("truncated .npy header".into());
    }
    let major = b[6];
    let (len, start) = match major {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10usize),
        2 | 3 => {
            if b.len() < 12 {
                return Err("truncated .npy header".into());
            }
            (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12)
        }
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    let end = start
        .checked_add(len)
        .filter(|&e| e <= b.len())
        .ok_or_else(|| format!("truncated .npy header (claims {len} bytes)"))?;
    let text = std::str::from_utf8(&b[start..end]).map_err(|_| ".npy header is not text".to_string())?;

    let value_after = |key: &str| -> Option<&str> {
        let i = text.find(&format!("'{key}'")).or_else(|| text.find(&format!("\"{key}\"")))?;
        let rest = &text[i + key.len() + 2..];
        let rest = rest.trim_start();
        let rest = rest.strip_prefix(':')?;
        Some(rest.trim_start())
    };
    let descr = value_after("descr").ok_or("the .npy header has no 'descr'")?;
    let q = descr.chars().next().ok_or("bad 'descr' in the .npy header")?;
    if q != '\'' && q != '"' {
        return Err(format!(
            "unsupported .npy dtype {} (structured arrays are not supported)",
            descr.split(',').next().unwrap_or("")
        ));
    }
    let descr = &descr[1..];
    let descr = &descr[..descr.find(q).ok_or("bad 'descr' in the .npy header")?];
    let mut chars = descr.chars();
    let order = chars.next().ok_or("empty dtype in the .npy header")?;
    let little = match order {
        '<' | '|' | '=' => true,
        '>' => false,
        _ => return Err(format!("unsupported .npy dtype '{descr}'")),
    };
    let code = chars.next().ok_or_else(|| format!("unsupported .npy dtype '{descr}'"))?;
    let size: usize = chars.as_str().parse().map_err(|_| format!("unsupported .npy dtype '{descr}'"))?;
    let elem = match (code, size) {
        ('b', 1) => Elem::Bool,
        ('u', 1 | 2 | 4 | 8) => Elem::U(size),
        ('i', 1 | 2 | 4 | 8) => Elem::I(size),
        ('f', 2 | 4 | 8) => Elem::F(size),
        ('c', 8 | 16) => Elem::C(size),
        _ => return Err(format!("unsupported .npy dtype '{descr}' (need bool, integer, float or complex)")),
    };
    let fortran = value_after("fortran_order").map(|v| v.starts_with("True")).unwrap_or(false);
    let shape_txt = value_after("shape").ok_or("the .npy header has no 'shape'")?;
    let shape_txt = shape_txt.strip_prefix('(').ok_or("bad 'shape' in the .npy header")?;
    let shape_txt = &shape_txt[..shape_txt.find(')').ok_or("bad 'shape' in the .npy header")?];
    let mut shape = Vec::new();
    for part in shape_txt.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let part = part.trim_end_matches('L');
        shape.push(part.parse::<u64>().map_err(|_| format!("bad 'shape' entry '{part}' in the .npy header"))?);
    }
    Ok(NpyHeader { elem, size, little, fortran, shape, data_offset: end })
}

pub(crate) fn read_npy_bytes(name: &str, b: &[u8]) -> Result<Volume, IoError> {
    let err = |p: String| IoError::new(name, p);
    let h = parse_header(b).map_err(err)?;
    let shown = format!("({})", h.shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "));
    if h.shape.contains(&0) {
        return Err(err(format!("the array is empty (shape {shown})")));
    }
    // Squeeze singleton axes down to two (they change no memory layout).
    let mut dims = h.shape.clone();
    while dims.len() > 2 {
        if let Some(i) = dims.iter().position(|&d| d == 1) {
            dims.remove(i);
        } else {
            break;
        }
    }
    if dims.len() != 2 {
        return Err(err(format!("only 2D arrays are supported (shape {shown})")));
    }
    let (hgt, wid) = (dims[0], dims[1]);
    if hgt > MAX_DIM || wid > MAX_DIM || hgt * wid > MAX_VOXELS {
        return Err(err(format!("absurd array shape {shown}")));
    }
    let (hgt, wid) = (hgt as usize, wid as usize);
    let n = hgt * wid;
    let need = n as u64 * h.size as u64;
    let have = (b.len() - h.data_offset) as u64;
    if have < need {
        return Err(err(format!(
            "the header claims shape {shown} ({need} bytes) but the file holds only {have}: truncated"
        )));
    }
    let data = &b[h.data_offset..h.data_offset + need as usize];
    let le = h.little;
    let get = |i: usize| -> f64 {
        let e = &data[i * h.size..(i + 1) * h.size];
        macro_rules! num {
            ($t:ty) => {{
                let a = e.try_into().unwrap_or([0u8; std::mem::size_of::<$t>()]);
                (if le { <$t>::from_le_bytes(a) } else { <$t>::from_be_bytes(a) }) as f64
            }};
        }
        match h.elem {
            Elem::Bool => (e[0] != 0) as u8 as f64,
            Elem::U(1) => e[0] as f64,
            Elem::U(2) => num!(u16),
            Elem::U(4) => num!(u32),
            Elem::U(_) => num!(u64),
            Elem::I(1) => e[0] as i8 as f64,
            Elem::I(2) => num!(i16),
            Elem::I(4) => num!(i32),
            Elem::I(_) => num!(i64),
            Elem::F(2) => {
                let a: [u8; 2] = e.try_into().unwrap_or([0; 2]);
                half::f16::from_bits(if le { u16::from_le_bytes(a) } else { u16::from_be_bytes(a) }).to_f64()
            }
            Elem::F(4) => num!(f32),
            Elem::F(_) => num!(f64),
            Elem::C(s) => {
                let part = |p: &[u8]| -> f64 {
                    if s == 8 {
                        let a: [u8; 4] = p.try_into().unwrap_or([0; 4]);
                        (if le { f32::from_le_bytes(a) } else { f32::from_be_bytes(a) }) as f64
                    } else {
                        let a: [u8; 8] = p.try_into().unwrap_or([0; 8]);
                        if le { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) }
                    }
                };
                part(&e[..s / 2]).hypot(part(&e[s / 2..]))
            }
        }
    };
    let mut px = Vec::with_capacity(n);
    for y in 0..hgt {
        for x in 0..wid {
            let i = if h.fortran { y + x * hgt } else { y * wid + x };
            let v = get(i) as f32;
            if !v.is_finite() {
                return Err(err(format!("element [{y}, {x}] is {v}: NaN or infinite values are not accepted")));
            }
            px.push(v);
        }
    }
    Ok(Volume::from_image(Image::new(wid, hgt, px), [1.0, 1.0]))
}

/// A `<f4` C-order `.npy` of shape (height, width), in memory.
pub fn encode_npy(image: &Image) -> Result<Vec<u8>, IoError> {
    check_image("NPY output", image)?;
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", image.height, image.width);
    // Magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64.
    let unpadded = 10 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let hlen = dict.len() + pad + 1;
    let mut out = Vec::with_capacity(10 + hlen + image.data.len() * 4);
    out.extend_from_slice(&NPY_MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(hlen as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    for v in &image.data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

/// Write `image` as a `<f4` `.npy` of shape (height, width).
pub fn write_npy(path: &Path, image: &Image) -> Result<(), IoError> {
    let bytes = encode_npy(image).map_err(|e| IoError::new(path.display().to_string(), e.problem))?;
    write_bytes(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::temp_dir;
    use super::super::{read_volume, read_volume_bytes};
    use super::*;

    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let dict = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        let mut out = NPY_MAGIC.to_vec();
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&((dict.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(dict.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn npy_round_trip() {
        let dir = temp_dir("npy");
        let im = Image::from_fn(7, 4, |x, y| x as f32 * 0.5 - y as f32 * 3.25 + 1e-3);
        let p = dir.join("a.npy");
        write_npy(&p, &im).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(bytes[8] as usize + 10, 64 * ((bytes[8] as usize + 10) / 64), "header padded to 64");
        let v = read_volume(&p).unwrap();
        assert_eq!(v.depth(), 1);
        assert_eq!(v.slices[0], im);
    }

    #[test]
    fn npy_dtypes_orders_and_shapes() {
        // int16 big-endian, C order, shape (2, 3).
        let vals: [i16; 6] = [1, -2, 3, 4, 5, -600];
        let data: Vec<u8> = vals.iter().flat_map(|v| v.to_be_bytes()).collect();
        let v = read_volume_bytes("a.npy", &npy(">i2", false, "(2, 3)", &data)).unwrap();
        assert_eq!((v.width, v.height), (3, 2));
        assert_eq!(v.slices[0].data, vec![1.0, -2.0, 3.0, 4.0, 5.0, -600.0]);
        // Fortran order: the same values as columns.
        let data: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
        let v = read_volume_bytes("f.npy", &npy("<i2", true, "(2, 3)", &data)).unwrap();
        assert_eq!(v.slices[0].data, vec![1.0, 3.0, 5.0, -2.0, 4.0, -600.0]);
        // Singleton axes are squeezed; uint8.
        let v = read_volume_bytes("s.npy", &npy("|u1", false, "(1, 2, 3, 1)", &[0, 1, 2, 3, 4, 255])).unwrap();
        assert_eq!((v.width, v.height), (3, 2));
        assert_eq!(v.slices[0].data[5], 255.0);
        // float16.
        let data: Vec<u8> =
            [half::f16::from_f32(1.5), half::f16::from_f32(-2.0)].iter().flat_map(|v| v.to_le_bytes()).collect();
        let v = read_volume_bytes("h.npy", &npy("<f2", false, "(1, 2)", &data)).unwrap();
        assert_eq!(v.slices[0].data, vec![1.5, -2.0]);
    }

    #[test]
    fn npy_bad_inputs() {
        let e = read_volume_bytes("3d.npy", &npy("<f4", false, "(2, 2, 2)", &[0; 32])).unwrap_err();
        assert!(e.problem.contains("only 2D arrays are supported (shape (2, 2, 2))"), "{e}");
        let e = read_volume_bytes("1d.npy", &npy("<f4", false, "(4,)", &[0; 16])).unwrap_err();
        assert!(e.problem.contains("only 2D"), "{e}");
        let e = read_volume_bytes("big.npy", &npy("<f4", false, "(16000, 16000)", &[0; 10])).unwrap_err();
        assert!(e.problem.contains("truncated"), "{e}");
        let e = read_volume_bytes("huge.npy", &npy("<f4", false, "(100000, 100000)", &[0; 10])).unwrap_err();
        assert!(e.problem.contains("absurd"), "{e}");
        let e = read_volume_bytes("obj.npy", &npy("|O", false, "(1, 1)", &[0; 8])).unwrap_err();
        assert!(e.problem.contains("dtype"), "{e}");
        let e = read_volume_bytes("str.npy", &npy("<U3", false, "(1, 1)", &[0; 12])).unwrap_err();
        assert!(e.problem.contains("dtype"), "{e}");
        let data: Vec<u8> = [1.0f32, f32::NAN].iter().flat_map(|v| v.to_le_bytes()).collect();
        let e = read_volume_bytes("nan.npy", &npy("<f4", false, "(1, 2)", &data)).unwrap_err();
        assert!(e.problem.contains("[0, 1]") && e.problem.contains("NaN"), "{e}");
        let e = read_volume_bytes("empty.npy", &npy("<f4", false, "(0, 5)", &[])).unwrap_err();
        assert!(e.problem.contains("empty"), "{e}");
    }
}
