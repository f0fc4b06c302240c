#![no_main]
//! NIfTI-1/2, plain and gzip: the name makes the NIfTI reader take whatever the content does not claim.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = coordsr::io::read_volume_bytes("fuzz.nii.gz", data);
});
