#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = coordsr::io::read_volume_bytes("fuzz.png", data);
});
