//! The structure pre-scan: before `dicom-object` parses a file, walk its element structure and
//! check every defined length against the bytes that are actually there. The parser would
//! otherwise allocate and zero whatever an element claims, up to 4 GiB, on a file of a few bytes.

use super::syntax::{TS_DEFLATED, TS_EXPLICIT_BE, TS_IMPLICIT_LE};
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
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

/// Whether an explicit-VR element header carries a 4-byte length (12-byte header) rather than a
/// 2-byte one (8-byte header). This is the rule of the decoders that `dicom-object` parses with
/// (dicom-encoding's explicit VR little and big endian `decode_header`), kept identical here: the
/// VR is read with `VR::from_binary`, an unknown VR is taken as UN, and only the VRs of PS3.5
/// Table 7.1-2 have a 2-byte length. Any other rule lets the two disagree on where an element
/// ends, and a length the pre-scan never checked reaches the parser's allocation.
fn long_vr(vr: [u8; 2]) -> bool {
    !matches!(
        parsed_vr(vr),
        VR::AE
            | VR::AS
            | VR::AT
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::FL
            | VR::FD
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::SL
            | VR::SS
            | VR::ST
            | VR::TM
            | VR::UI
            | VR::UL
            | VR::US
    )
}

/// The VR as the parser reads it: unknown bytes are UN.
fn parsed_vr(vr: [u8; 2]) -> VR {
    VR::from_binary(vr).unwrap_or(VR::UN)
}

/// One element header as the parser's explicit-VR decoder reads it: (group, element, length,
/// header size), or `None` when the bytes end inside the header. Items and delimiters (group
/// FFFE) have no VR: tag and a 4-byte length.
fn explicit_header(b: &[u8], pos: usize, end: usize, le: bool) -> Option<(u16, u16, Option<VR>, u32, usize)> {
    if pos.checked_add(8)? > end {
        return None;
    }
    let (group, elem) = (rd16(b, pos, le), rd16(b, pos + 2, le));
    if group == 0xFFFE {
        return Some((group, elem, None, rd32(b, pos + 4, le), 8));
    }
    let vr = [b[pos + 4], b[pos + 5]];
    if long_vr(vr) {
        if pos + 12 > end {
            return None;
        }
        Some((group, elem, Some(parsed_vr(vr)), rd32(b, pos + 8, le), 12))
    } else {
        Some((group, elem, Some(parsed_vr(vr)), rd16(b, pos + 6, le) as u32, 8))
    }
}

/// The VR the parser's implicit-VR decoder gives a tag (dicom-encoding's `implicit_le`): OW for
/// pixel and overlay data, else the dictionary's, relaxed, else UN.
fn implicit_vr(group: u16, elem: u16) -> VR {
    if (group, elem) == (0x7FE0, 0x0010) || (group >> 8 == 0x60 && elem == 0x3000) {
        VR::OW
    } else {
        StandardDataDictionary.by_tag(Tag(group, elem)).map(|e| e.vr().relaxed()).unwrap_or(VR::UN)
    }
}

const UNDEFINED: u32 = 0xFFFF_FFFF;
const MAX_DEPTH: u32 = 32;

/// Walks the file meta group and the data set; returns the transfer syntax UID.
///
/// The meta group is walked the way `dicom-object` reads it (`FileMetaTable::read_from`): the
/// group length (0002,0000) first, then elements until that many bytes are read, whatever their
/// group, so that the data set starts where the parser will start it. A deflated data set is
/// inflated here, bounded by what the reader accepts, and walked like any other.
pub(super) fn prescan(b: &[u8]) -> Result<String, String> {
    let mut pos = if b.get(128..132) == Some(&b"DICM"[..]) {
        132
    } else if b.get(0..4) == Some(&b"DICM"[..]) {
        4
    } else {
        return Err("not a DICOM file (no DICM magic at byte 128)".into());
    };
    let Some((0x0002, 0x0000, _, 4, hdr)) = explicit_header(b, pos, b.len(), true) else {
        return Err("the file meta group does not start with its group length (0002,0000) of 4 bytes: corrupt".into());
    };
    if pos + hdr + 4 > b.len() {
        return Err("truncated file meta group".into());
    }
    let group_length = rd32(b, pos + hdr, true);
    pos += hdr + 4;
    let mut ts = String::new();
    let mut total: u32 = 0;
    while total < group_length {
        let (group, elem, _, len, hdr) =
            explicit_header(b, pos, b.len(), true).ok_or_else(|| "truncated file meta group".to_string())?;
        if len == UNDEFINED {
            return Err(format!("file meta element ({group:04X},{elem:04X}) has an undefined length"));
        }
        let end = (pos + hdr).checked_add(len as usize).filter(|&e| e <= b.len()).ok_or_else(|| {
            format!("file meta element ({group:04X},{elem:04X}) claims {len} bytes but the file has only {} left: truncated or corrupt", b.len().saturating_sub(pos + hdr))
        })?;
        if (group, elem) == (0x0002, 0x0010) {
            ts = String::from_utf8_lossy(&b[pos + hdr..end]).trim_end_matches(['\0', ' ']).trim().to_string();
        }
        total = total.saturating_add(hdr as u32).saturating_add(len);
        pos = end;
    }
    if ts.is_empty() {
        return Err("the file meta group has no TransferSyntaxUID (0002,0010)".into());
    }
    let enc = match ts.as_str() {
        TS_IMPLICIT_LE => Enc { explicit: false, le: true },
        TS_EXPLICIT_BE => Enc { explicit: true, le: false },
        TS_DEFLATED => {
            let inflated = inflate_dataset(&b[pos..])?;
            walk_dataset(&inflated, 0, inflated.len(), Enc { explicit: true, le: true }, false, 0)?;
            return Ok(ts);
        }
        // Not decodable by this build: refused by name before anything parses the data set.
        _ if !super::syntax::ts_decodable(&ts) => return Ok(ts),
        _ => Enc { explicit: true, le: true },
    };
    walk_dataset(b, pos, b.len(), enc, false, 0)?;
    Ok(ts)
}

/// The most bytes a deflated data set may inflate to: the largest pixel data the reader accepts
/// (MAX_VOXELS samples of 32 bits) plus room for the rest of the header.
const MAX_INFLATED: u64 = crate::io::MAX_RAW_BYTES;

/// Inflates a Deflated Explicit VR Little Endian data set (raw deflate), refusing it as soon as
/// it grows past [`MAX_INFLATED`]: a few compressed bytes cannot make the reader hold gigabytes.
fn inflate_dataset(deflated: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(deflated)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("corrupt deflated data set after {} inflated bytes: {e}", out.len()))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(format!(
            "the deflated data set inflates to more than {} MiB, more than this reader accepts",
            MAX_INFLATED >> 20
        ));
    }
    Ok(out)
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
            // The parser ends an undefined-length item at an item delimiter and ignores one
            // outside any sequence; anything else of group FFFE here (a sequence delimiter, an
            // item, an item delimiter inside a defined-length item) it would read as an element
            // or as the end of something this walk is still inside: the two would disagree on
            // where the next element starts, so such a file is refused.
            match elem {
                0xE00D if until_delim => return Ok(pos + 8),
                0xE00D if depth == 0 => {
                    pos += 8;
                    continue;
                }
                _ => return Err(format!("unexpected item tag (FFFE,{elem:04X}) at byte {pos}: corrupt")),
            }
        }
        let (vr, len, hdr) = if enc.explicit {
            let (_, _, vr, len, hdr) = explicit_header(b, pos, end, enc.le)
                .ok_or_else(|| format!("truncated data element ({group:04X},{elem:04X})"))?;
            (vr.unwrap_or(VR::UN), len, hdr)
        } else {
            (implicit_vr(group, elem), rd32(b, pos + 4, enc.le), 8)
        };
        let vstart = pos + hdr;
        if len == UNDEFINED {
            // In the parser's order: an SQ is a sequence whatever its tag; then pixel data.
            if vr != VR::SQ && (group, elem) == (0x7FE0, 0x0010) {
                pos = walk_fragments(b, vstart, end, enc)?;
            } else {
                // The parser reads any other undefined length as a sequence, in the same encoding
                // (UN included: it does not switch to implicit VR), and so does this walk.
                pos = walk_sequence(b, vstart, end, enc, true, depth + 1)?;
            }
            continue;
        }
        let vend = vstart.checked_add(len as usize).filter(|&e| e <= end).ok_or_else(|| {
            format!(
                "element ({group:04X},{elem:04X}) claims {len} bytes but only {} remain: truncated or corrupt",
                end - vstart
            )
        })?;
        let is_sq = vr == VR::SQ;
        // The parser reads a numeric value as whole numbers of its item size and no more: a
        // length that is not a multiple of it would leave bytes behind and the two walks apart.
        let item = match vr {
            VR::US | VR::SS | VR::OW => 2,
            VR::UL | VR::SL | VR::FL | VR::OF | VR::OL | VR::AT => 4,
            VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => 8,
            _ => 1,
        };
        if len % item != 0 {
            return Err(format!(
                "element ({group:04X},{elem:04X}) of VR {} has length {len}, not a multiple of {item}: corrupt",
                vr.to_string()
            ));
        }
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
