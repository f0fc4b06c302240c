//! The same weights give the same numbers on every backend: flex (CPU) and wgpu (Mesa's lavapipe
//! Vulkan driver on a machine without a GPU; a real GPU where there is one).

#![cfg(feature = "wgpu")]

use burn::tensor::Device;
use coordsr::geometry::Grid;
use coordsr::model::{DecoderConfig, ModelConfig};
use coordsr::phantom::shepp_logan;
use coordsr::weights;

#[test]
fn wgpu_matches_flex() {
    let flex = Device::flex();
    let gpu = match Device::wgpu_options().init() {
        Ok(d) => d,
        Err(e) => panic!("no wgpu adapter ({e}); scripts/setup.sh installs Mesa's lavapipe driver"),
    };
    for mut config in [ModelConfig::coord(), ModelConfig::conv()] {
        config.encoder.channels = 8;
        config.encoder.blocks = 2;
        if let DecoderConfig::Coord(d) = &mut config.decoder {
            d.hidden = vec![32, 32];
        }
        let bytes = weights::to_bytes(&config.init(&flex), &config, serde_json::Value::Null, weights::Precision::F32);
        let (a, _) = weights::load(&bytes, &flex).unwrap();
        let (b, _) = weights::load(&bytes, &gpu).unwrap();
        let lr = shepp_logan(40, 36);
        let grid = Grid::upscaled(40, 36, 2.0, 2.0);
        let x = a.upscale(&lr, &grid, &flex);
        let y = b.upscale(&lr, &grid, &gpu);
        let (lo, hi) = x.min_max();
        let err = x.data.iter().zip(&y.data).map(|(p, q)| (p - q).abs()).fold(0.0, f32::max) / (hi - lo);
        assert!(err < 1e-3, "{}: relative max error {err}", coordsr::methods::Method::of(&config));
    }
}
