//! The conv decoder: the fixed-scale baseline of the poster (sub-pixel ×2 on the same encoder).
//!
//! Its output pixel `(2j + a, 2i + b)` is reference pixel `2j + a`: on the shared geometry the
//! low-res sample `j` sits at reference index `2j`, so the ×2 grid needs no shift. Like the coord
//! decoder it predicts the residual over bilinear interpolation on that grid.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{PaddingConfig2d, PixelShuffle, PixelShuffleConfig};
use crate::kernels::{conv2d, relu};
use burn::tensor::{Device, Tensor};

#[derive(Module, Debug)]
pub struct ConvDecoder {
    expand: Conv2d,
    shuffle: PixelShuffle,
    out: Conv2d,
}

/// The only scale the conv decoder produces.
pub const CONV_SCALE: usize = 2;

pub fn init_conv_decoder(channels: usize, device: &Device) -> ConvDecoder {
    let conv = |cin, cout| Conv2dConfig::new([cin, cout], [3, 3]).with_padding(PaddingConfig2d::Same).init(device);
    ConvDecoder {
        expand: conv(channels, channels * CONV_SCALE * CONV_SCALE),
        shuffle: PixelShuffleConfig::new(CONV_SCALE).init(),
        out: conv(channels, 1),
    }
}

impl ConvDecoder {
    /// `[B, C, h, w]` latents → `[B, 1, 2h, 2w]` residual.
    pub fn forward(&self, latents: Tensor<4>) -> Tensor<4> {
        conv2d(&self.out, relu(self.shuffle.forward(conv2d(&self.expand, latents))))
    }

    pub fn macs_per_lr_pixel(channels: usize) -> u64 {
        let c = channels as u64;
        9 * c * c * 4 + 4 * 9 * c
    }
}
