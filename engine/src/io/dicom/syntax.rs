//! Transfer syntaxes: which ones this build decodes, and how to name the others in an error
//! (a user with a JPEG 2000 series needs to know what to convert, not a UID).

pub(super) const TS_IMPLICIT_LE: &str = "1.2.840.10008.1.2";
pub(super) const TS_EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
pub(super) const TS_EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
pub(super) const TS_DEFLATED: &str = "1.2.840.10008.1.2.1.99";
pub(super) const TS_ENCAPSULATED_UNCOMPRESSED: &str = "1.2.840.10008.1.2.1.98";
pub(super) const TS_RLE: &str = "1.2.840.10008.1.2.5";

/// The JPEG transfer syntaxes this build decodes (through `dicom-pixeldata`).
pub(super) fn ts_is_jpeg(ts: &str) -> bool {
    matches!(ts, "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" | "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70")
}

/// Transfer syntaxes whose pixel data this build decodes: native ones here, JPEG and RLE through
/// `dicom-pixeldata` (feature "native").
pub(super) fn ts_decodable(ts: &str) -> bool {
    matches!(
        ts,
        TS_IMPLICIT_LE
            | TS_EXPLICIT_LE
            | TS_EXPLICIT_BE
            | TS_DEFLATED
            | TS_ENCAPSULATED_UNCOMPRESSED
            | "1.2.840.10008.1.2.4.50"
            | "1.2.840.10008.1.2.4.51"
            | "1.2.840.10008.1.2.4.57"
            | "1.2.840.10008.1.2.4.70"
            | "1.2.840.10008.1.2.5"
    )
}

pub(super) fn ts_name(ts: &str) -> &'static str {
    match ts {
        TS_IMPLICIT_LE => "Implicit VR Little Endian",
        TS_EXPLICIT_LE => "Explicit VR Little Endian",
        TS_EXPLICIT_BE => "Explicit VR Big Endian",
        TS_DEFLATED => "Deflated Explicit VR Little Endian",
        TS_ENCAPSULATED_UNCOMPRESSED => "Encapsulated Uncompressed Explicit VR Little Endian",
        "1.2.840.10008.1.2.4.50" => "JPEG Baseline (Process 1)",
        "1.2.840.10008.1.2.4.51" => "JPEG Extended (Process 2 & 4)",
        "1.2.840.10008.1.2.4.57" => "JPEG Lossless, Non-Hierarchical (Process 14)",
        "1.2.840.10008.1.2.4.70" => "JPEG Lossless, First-Order Prediction",
        "1.2.840.10008.1.2.5" => "RLE Lossless",
        "1.2.840.10008.1.2.4.80" => "JPEG-LS Lossless",
        "1.2.840.10008.1.2.4.81" => "JPEG-LS Near-Lossless",
        "1.2.840.10008.1.2.4.90" => "JPEG 2000 Image Compression (Lossless Only)",
        "1.2.840.10008.1.2.4.91" => "JPEG 2000 Image Compression",
        "1.2.840.10008.1.2.4.92" => "JPEG 2000 Part 2 Multi-component (Lossless Only)",
        "1.2.840.10008.1.2.4.93" => "JPEG 2000 Part 2 Multi-component",
        "1.2.840.10008.1.2.4.94" => "JPIP Referenced",
        "1.2.840.10008.1.2.4.95" => "JPIP Referenced Deflate",
        "1.2.840.10008.1.2.4.201" => "High-Throughput JPEG 2000 (Lossless Only)",
        "1.2.840.10008.1.2.4.202" => "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)",
        "1.2.840.10008.1.2.4.203" => "High-Throughput JPEG 2000",
        "1.2.840.10008.1.2.4.110" => "JPEG XL Lossless",
        "1.2.840.10008.1.2.4.111" => "JPEG XL JPEG Recompression",
        "1.2.840.10008.1.2.4.112" => "JPEG XL",
        "1.2.840.10008.1.2.8.1" => "Deflated Image Frame Compression",
        t if t.starts_with("1.2.840.10008.1.2.4.10") => "MPEG video",
        _ => "unknown transfer syntax",
    }
}

pub(super) fn undecodable_ts_problem(ts: &str) -> String {
    let why = if ts_name(ts).contains("2000") {
        " (JPEG 2000 decoders are C libraries that cannot run in the browser)"
    } else {
        ""
    };
    format!(
        "transfer syntax {} ({ts}): this build has no decoder for it{why}; convert the series to an uncompressed transfer syntax first, e.g. `gdcmconv --raw in.dcm out.dcm`",
        ts_name(ts)
    )
}

#[cfg(test)]
mod tests {
    use super::super::synthetic::Syn;
    use crate::io::test_util::temp_dir;
    use crate::io::{read_volume, read_volume_bytes};

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
}
