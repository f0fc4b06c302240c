#![no_main]
//! The weights file: header parse, shape checks and the load into a model on the CPU backend.
use burn::tensor::Device;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    thread_local!(static DEVICE: Device = Device::flex());
    DEVICE.with(|d| {
        let _ = coordsr::weights::load(data, d);
    });
});
