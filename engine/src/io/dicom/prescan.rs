//! The structure pre-scan: before `dicom-object` parses a file, walk its element structure and
//! check every defined length against the bytes that are actually there. The parser would
//! otherwise allocate and zero whatever an element claims, up to 4 GiB, on a file of a few bytes.

use super::syntax::{TS_DEFLATED, TS_EXPLICIT_BE, TS_IMPLICIT_LE};
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

#[derive(Clone, Copy)]
struct Enc {
    explicit: bool,
    le: bool,
}

fn rd16(b: &[u8], o: usize, le: bool) -> u16 {
    let a = [b[o], b[o + 1]];
    if le { u16::from_le_bytes(a) } else { u16::from_be_bytes(a) }
}

fn rd32(b: &[u8], o: usize, le: bool) -> u32 {
    let a = [b[o], b[o + 1], b[o + 2], b[o + 3]];
    if le { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) }
}

fn long_vr(vr: [u8; 2]) -> bool {
    matches!(&vr, b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN" | b"UR" | b"UT" | b"UV")
}

const UNDEFINED: u32 = 0xFFFF_FFFF;
const MAX_DEPTH: u32 = 32;

/// Walks the file meta group and the data set; returns the transfer syntax UID.
pub(super) fn prescan(b: &[u8]) -> Result<String, String> {
    let mut pos = if b.get(128..132) == Some(&b"DICM"[..]) {
        132
    } else if b.get(0..4) == Some(&b"DICM"[..]) {
        4
    } else {
        return Err("not a DICOM file (no DICM magic at byte 128)".into());
    };
    let mut ts = String::new();
    while pos + 8 <= b.len() && rd16(b, pos, true) == 0x0002 {
        let elem = rd16(b, pos + 2, true);
        let vr = [b[pos + 4], b[pos + 5]];
        let (len, hdr) = if long_vr(vr) {
            if pos + 12 > b.len() {
                return Err("truncated file meta group".into());
            }
            (rd32(b, pos + 8, true), 12)
        } else {
            (rd16(b, pos + 6, true) as u32, 8)
        };
        if len == UNDEFINED {
            return Err(format!("file meta element (0002,{elem:04X}) has an undefined length"));
        }
        let end = (pos + hdr).checked_add(len as usize).filter(|&e| e <= b.len()).ok_or_else(|| {
            format!("file meta element (0002,{elem:04X}) claims {len} bytes but the file has only {} left: truncated or corrupt", b.len().saturating_sub(pos + hdr))
        })?;
        if elem == 0x0010 {
            ts = String::from_utf8_lossy(&b[pos + hdr..end]).trim_end_matches(['\0', ' ']).trim().to_string();
        }
        pos = end;
    }
    if ts.is_empty() {
        return Err("the file meta group has no TransferSyntaxUID (0002,0010)".into());
    }
    let enc = match ts.as_str() {
        TS_IMPLICIT_LE => Enc { explicit: false, le: true },
        TS_EXPLICIT_BE => Enc { explicit: true, le: false },
        // The data set itself is compressed; the parser inflates it (not checked here).
        TS_DEFLATED | "1.2.840.10008.1.2.4.95" | "1.2.840.10008.1.2.4.205" => return Ok(ts),
        _ => Enc { explicit: true, le: true },
    };
    walk_dataset(b, pos, b.len(), enc, false, 0)?;
    Ok(ts)
}

fn walk_dataset(
    b: &[u8],
    mut pos: usize,
    end: usize,
    enc: Enc,
    until_delim: bool,
    depth: u32,
) -> Result<usize, String> {
    if depth > MAX_DEPTH {
        return Err("sequences nested too deeply".into());
    }
    loop {
        if pos == end && !until_delim {
            return Ok(pos);
        }
        if pos + 8 > end {
            if depth == 0 && !until_delim {
                return Ok(end); // a few stray padding bytes at the end of a file
            }
            return Err(format!("truncated data set at byte {pos}"));
        }
        let (group, elem) = (rd16(b, pos, enc.le), rd16(b, pos + 2, enc.le));
        if group == 0xFFFE {
            match elem {
                0xE00D if until_delim => return Ok(pos + 8),
                0xE00D | 0xE0DD => {
                    pos += 8;
                    continue;
                }
                _ => return Err(format!("unexpected item tag (FFFE,{elem:04X}) at byte {pos}")),
            }
        }
        let (vr, len, hdr) = if enc.explicit {
            let vr = [b[pos + 4], b[pos + 5]];
            if long_vr(vr) {
                if pos + 12 > end {
                    return Err(format!("truncated data element ({group:04X},{elem:04X})"));
                }
                (Some(vr), rd32(b, pos + 8, enc.le), 12)
            } else {
                (Some(vr), rd16(b, pos + 6, enc.le) as u32, 8)
            }
        } else {
            (None, rd32(b, pos + 4, enc.le), 8)
        };
        let vstart = pos + hdr;
        if len == UNDEFINED {
            if (group, elem) == (0x7FE0, 0x0010) {
                pos = walk_fragments(b, vstart, end, enc)?;
            } else {
                // A sequence; an undefined-length UN holds implicit VR little endian.
                let inner = if vr == Some(*b"UN") { Enc { explicit: false, le: true } } else { enc };
                pos = walk_sequence(b, vstart, end, inner, true, depth + 1)?;
            }
            continue;
        }
        let vend = vstart.checked_add(len as usize).filter(|&e| e <= end).ok_or_else(|| {
            format!(
                "element ({group:04X},{elem:04X}) claims {len} bytes but only {} remain: truncated or corrupt",
                end - vstart
            )
        })?;
        let is_sq = match vr {
            Some(v) => &v == b"SQ",
            None => StandardDataDictionary
                .by_tag(Tag(group, elem))
                .map(|e| e.vr() == VirtualVr::Exact(VR::SQ))
                .unwrap_or(false),
        };
        if is_sq {
            walk_sequence(b, vstart, vend, enc, false, depth + 1)?;
        }
        pos = vend;
    }
}

fn walk_sequence(b: &[u8], mut pos: usize, end: usize, enc: Enc, undefined: bool, depth: u32) -> Result<usize, String> {
    if depth > MAX_DEPTH {
        return Err("sequences nested too deeply".into());
    }
    loop {
        if pos == end && !undefined {
            return Ok(pos);
        }
        if pos + 8 > end {
            return Err(format!("truncated sequence at byte {pos}"));
        }
        let (group, elem, len) = (rd16(b, pos, enc.le), rd16(b, pos + 2, enc.le), rd32(b, pos + 4, enc.le));
        if group != 0xFFFE {
            return Err(format!("malformed sequence at byte {pos}: expected an item, found ({group:04X},{elem:04X})"));
        }
        match elem {
            0xE0DD if undefined => return Ok(pos + 8),
            0xE0DD | 0xE00D => pos += 8,
            0xE000 if len == UNDEFINED => pos = walk_dataset(b, pos + 8, end, enc, true, depth + 1)?,
            0xE000 => {
                let s = pos + 8;
                let e = s
                    .checked_add(len as usize)
                    .filter(|&e| e <= end)
                    .ok_or_else(|| format!("sequence item claims {len} bytes but only {} remain", end - s))?;
                walk_dataset(b, s, e, enc, false, depth + 1)?;
                pos = e;
            }
            _ => return Err(format!("malformed sequence at byte {pos}: unexpected (FFFE,{elem:04X})")),
        }
    }
}

fn walk_fragments(b: &[u8], mut pos: usize, end: usize, enc: Enc) -> Result<usize, String> {
    loop {
        if pos + 8 > end {
            return Err("truncated encapsulated pixel data".into());
        }
        let (group, elem, len) = (rd16(b, pos, enc.le), rd16(b, pos + 2, enc.le), rd32(b, pos + 4, enc.le));
        match (group, elem) {
            (0xFFFE, 0xE0DD) => return Ok(pos + 8),
            (0xFFFE, 0xE000) if len != UNDEFINED => {
                pos = (pos + 8).checked_add(len as usize).filter(|&e| e <= end).ok_or_else(|| {
                    format!("pixel data fragment claims {len} bytes but only {} remain: truncated", end - pos - 8)
                })?;
            }
            _ => return Err(format!("malformed encapsulated pixel data at byte {pos}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::syntax::TS_EXPLICIT_LE;
    use super::super::synthetic::{Syn, ramp};
    use super::*;
    use crate::io::test_util::data;
    use crate::io::{ReadOptions, read_volume, read_volume_bytes, read_volume_bytes_with};

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
        // Truncated file.
        let e = read_volume_bytes("cut.dcm", &good[..good.len() - 10]).unwrap_err();
        assert!(e.problem.contains("claims") || e.problem.contains("truncated"), "{e}");
        // DICM magic then garbage.
        let mut junk = vec![0u8; 128];
        junk.extend_from_slice(b"DICM");
        junk.extend_from_slice(&[0xAB; 50]);
        assert!(read_volume_bytes("junk.dcm", &junk).is_err());
    }

    // Real data (skipped when ../shared/data is absent)

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
}
