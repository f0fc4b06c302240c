//! A synthetic head-like test object (Shepp–Logan ellipses with a little texture), for tests
//! and checks that must run without any scan on disk.

use crate::image::Image;

/// (intensity, centre x, centre y, semi-axis a, semi-axis b, angle in degrees) in [-1, 1]².
const ELLIPSES: [(f32, f32, f32, f32, f32, f32); 10] = [
    (1.0, 0.0, 0.0, 0.69, 0.92, 0.0),
    (-0.8, 0.0, -0.0184, 0.6624, 0.874, 0.0),
    (-0.2, 0.22, 0.0, 0.11, 0.31, -18.0),
    (-0.2, -0.22, 0.0, 0.16, 0.41, 18.0),
    (0.1, 0.0, 0.35, 0.21, 0.25, 0.0),
    (0.1, 0.0, 0.1, 0.046, 0.046, 0.0),
    (0.1, 0.0, -0.1, 0.046, 0.046, 0.0),
    (0.1, -0.08, -0.605, 0.046, 0.023, 0.0),
    (0.1, 0.0, -0.605, 0.023, 0.023, 0.0),
    (0.1, 0.06, -0.605, 0.023, 0.046, 0.0),
];

/// A `size × size` modified Shepp–Logan phantom (values roughly 0–1) with a fine sinusoidal
/// texture so that super-resolution has detail to recover.
pub fn shepp_logan(width: usize, height: usize) -> Image {
    Image::from_fn(width, height, |x, y| {
        let u = 2.0 * x as f32 / width as f32 - 1.0;
        let v = 2.0 * y as f32 / height as f32 - 1.0;
        let mut val = 0.0;
        for &(i, cx, cy, a, b, deg) in &ELLIPSES {
            let t = deg.to_radians();
            let (du, dv) = (u - cx, v - cy);
            let (ru, rv) = (du * t.cos() + dv * t.sin(), -du * t.sin() + dv * t.cos());
            if (ru / a).powi(2) + (rv / b).powi(2) <= 1.0 {
                val += i;
            }
        }
        if val > 0.0 { val * (1.0 + 0.05 * (40.0 * u).sin() * (33.0 * v).cos()) } else { 0.0 }
    })
}
