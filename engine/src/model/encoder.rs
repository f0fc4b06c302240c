//! The encoder: a low-res slice in, a latent grid of the same size out (EDSR-baseline style).
//!
//! No upsampling inside: the latent grid stays on the low-res samples, so the decoder can be
//! queried at any scale, and one encoding per slice serves every zoom level.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use crate::kernels::{conv2d, relu};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EncoderConfig {
    /// Feature channels of the latent grid.
    pub channels: usize,
    /// Residual blocks (conv–ReLU–conv with a skip).
    pub blocks: usize,
    /// Residual scaling (EDSR uses 0.1 for wide nets; 1.0 is fine for small ones).
    pub res_scale: f32,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        Self { channels: 32, blocks: 8, res_scale: 1.0 }
    }
}

fn conv3x3(cin: usize, cout: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([cin, cout], [3, 3]).with_padding(PaddingConfig2d::Same).init(device)
}

#[derive(Module, Debug)]
pub struct ResBlock {
    conv1: Conv2d,
    conv2: Conv2d,
    res_scale: f32,
}

impl ResBlock {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = conv2d(&self.conv2, relu(conv2d(&self.conv1, x.clone())));
        // A scale of 1 (the default) is skipped: a multiply forward and backward for nothing.
        if self.res_scale == 1.0 { x + y } else { x + y.mul_scalar(self.res_scale) }
    }
}

#[derive(Module, Debug)]
pub struct Encoder {
    head: Conv2d,
    body: Vec<ResBlock>,
    tail: Conv2d,
}

impl EncoderConfig {
    pub fn init(&self, device: &Device) -> Encoder {
        let c = self.channels;
        Encoder {
            head: conv3x3(1, c, device),
            body: (0..self.blocks)
                .map(|_| ResBlock {
                    conv1: conv3x3(c, c, device),
                    conv2: conv3x3(c, c, device),
                    res_scale: self.res_scale,
                })
                .collect(),
            tail: conv3x3(c, c, device),
        }
    }

    /// Multiply–accumulates per low-res pixel, to read GFLOP/s off timings.
    pub fn macs_per_pixel(&self) -> u64 {
        let c = self.channels as u64;
        9 * c + self.blocks as u64 * 2 * 9 * c * c + 9 * c * c
    }
}

impl Encoder {
    /// Its convolutions: head, the blocks' (conv1, conv2, residual scale), tail (for the host
    /// kernel, [`super::encoder_host`]).
    pub(crate) fn parts(&self) -> (&Conv2d, Vec<(&Conv2d, &Conv2d, f32)>, &Conv2d) {
        (&self.head, self.body.iter().map(|b| (&b.conv1, &b.conv2, b.res_scale)).collect(), &self.tail)
    }

    /// How far (in low-res samples) a latent reaches into its input: one per 3×3 convolution
    /// (head, two per block, tail). Latents further than this from a crop's edge do not see the
    /// crop, which is what makes encoding in blocks exact ([`crate::tiles`]).
    pub fn radius(&self) -> usize {
        2 + 2 * self.body.len()
    }

    /// `[B, 1, h, w]` normalised low-res slices → `[B, C, h, w]` latents.
    pub fn forward(&self, lr: Tensor<4>) -> Tensor<4> {
        let x = conv2d(&self.head, lr);
        let mut y = x.clone();
        for block in &self.body {
            y = block.forward(y);
        }
        conv2d(&self.tail, y) + x
    }
}
