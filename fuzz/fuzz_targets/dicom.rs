#![no_main]
//! DICOM: one file, or a series when the input holds the separator (two or more files).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    const SEP: &[u8] = b"#NEXTFILE#";
    let mut files = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(SEP.len()).position(|w| w == SEP) {
        files.push((format!("f{}.dcm", files.len()), rest[..i].to_vec()));
        rest = &rest[i + SEP.len()..];
    }
    if files.is_empty() {
        let _ = coordsr::io::read_volume_bytes("fuzz.dcm", data);
    } else {
        files.push((format!("f{}.dcm", files.len()), rest.to_vec()));
        let _ = coordsr::io::read_dicom_series(files);
    }
});
