#![no_main]
//! The reader study's files: a study definition (JSON) and an answer export (JSON or CSV),
//! and an export checked against a definition when the input holds both.
use coordsr::study::{Export, StudyDef};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    const SEP: &[u8] = b"#ANSWERS#";
    let (a, b) = match data.windows(SEP.len()).position(|w| w == SEP) {
        Some(i) => (&data[..i], &data[i + SEP.len()..]),
        None => (data, data),
    };
    let def = StudyDef::parse("study.json", a);
    let export = Export::parse("answers.csv", b);
    if let (Ok(def), Ok(export)) = (&def, &export) {
        let _ = export.check_against(def);
        let _ = def.case_order("reader");
        let _ = coordsr::study::summarize(Some(def), std::slice::from_ref(export));
    }
});
