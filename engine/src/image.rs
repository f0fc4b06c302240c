//! The one in-memory image type the whole engine speaks.
//!
//! Everything outside `model` works on plain `f32` rows rather than tensors so that I/O,
//! degradation, baselines and metrics run identically natively and in wasm, and can be tested
//! without a backend.

use std::fmt;

/// A 2D single-channel image, row-major: `data[y * width + x]`.
#[derive(Clone, PartialEq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Image({}x{})", self.width, self.height)
    }
}

impl Image {
    /// Panics if `data` does not hold `width * height` values: a programming error, never user data
    /// (readers validate sizes before building an `Image`).
    pub fn new(width: usize, height: usize, data: Vec<f32>) -> Self {
        assert_eq!(data.len(), width * height, "Image::new: data length does not match {width}x{height}");
        Self { width, height, data }
    }

    pub fn zeros(width: usize, height: usize) -> Self {
        Self { width, height, data: vec![0.0; width * height] }
    }

    pub fn from_fn(width: usize, height: usize, mut f: impl FnMut(usize, usize) -> f32) -> Self {
        let mut data = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                data.push(f(x, y));
            }
        }
        Self { width, height, data }
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.width + x]
    }

    #[inline]
    pub fn set(&mut self, x: usize, y: usize, v: f32) {
        self.data[y * self.width + x] = v;
    }

    /// Value with coordinates clamped to the image (edge replication).
    #[inline]
    pub fn get_clamped(&self, x: isize, y: isize) -> f32 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.get(x, y)
    }

    pub fn mean(&self) -> f64 {
        if self.data.is_empty() {
            return 0.0;
        }
        self.data.iter().map(|&v| v as f64).sum::<f64>() / self.data.len() as f64
    }

    pub fn min_max(&self) -> (f32, f32) {
        self.data
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)))
    }

    /// A sub-rectangle; panics when out of bounds (callers compute the rectangle from the image).
    pub fn crop(&self, x0: usize, y0: usize, w: usize, h: usize) -> Image {
        assert!(x0 + w <= self.width && y0 + h <= self.height, "crop out of bounds");
        Image::from_fn(w, h, |x, y| self.get(x0 + x, y0 + y))
    }

    pub fn map(&self, mut f: impl FnMut(f32) -> f32) -> Image {
        Image { width: self.width, height: self.height, data: self.data.iter().map(|&v| f(v)).collect() }
    }

    /// Transposed copy, so that separable operations can be written once along rows.
    pub fn transpose(&self) -> Image {
        Image::from_fn(self.height, self.width, |x, y| self.get(y, x))
    }

    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }
}
