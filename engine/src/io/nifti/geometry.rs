//! Where a NIfTI image sits in the world: the voxel-to-world affine from the header's sform, qform
//! or pixdim (in the order the standard gives them precedence), and the quaternion a writer stores.

use super::Header;

/// The voxel-to-world affine (sform if valid, else qform, else pixdim scaling) and the spacing.
pub(super) fn geometry(h: &Header) -> ([[f64; 4]; 4], [f64; 3]) {
    let finite_pos = |v: f64| v.is_finite() && v != 0.0;
    let srow_ok = h.sform_code > 0 && h.srow.iter().flatten().all(|v| v.is_finite()) && {
        let m = [
            [h.srow[0][0], h.srow[0][1], h.srow[0][2]],
            [h.srow[1][0], h.srow[1][1], h.srow[1][2]],
            [h.srow[2][0], h.srow[2][1], h.srow[2][2]],
        ];
        det3(&m).abs() > 1e-12
    };
    let col_norm = |m: &[[f64; 4]; 4], c: usize| (0..3).map(|r| m[r][c] * m[r][c]).sum::<f64>().sqrt();
    let mut spacing = [1.0; 3];
    for a in 0..3 {
        let p = h.pixdim[a + 1].abs();
        spacing[a] = if finite_pos(p) {
            p
        } else if srow_ok {
            let n = (0..3).map(|r| h.srow[r][a] * h.srow[r][a]).sum::<f64>().sqrt();
            if finite_pos(n) { n } else { 1.0 }
        } else {
            1.0
        };
    }
    let mut m = [[0.0; 4]; 4];
    m[3][3] = 1.0;
    if srow_ok {
        for r in 0..3 {
            m[r] = h.srow[r];
        }
    } else if h.qform_code > 0 && h.quatern.iter().all(|v| v.is_finite()) {
        let (b, c, d) = (h.quatern[0], h.quatern[1], h.quatern[2]);
        let s = b * b + c * c + d * d;
        let (a, b, c, d) = if s > 1.0 {
            let n = s.sqrt();
            (0.0, b / n, c / n, d / n)
        } else {
            ((1.0 - s).sqrt(), b, c, d)
        };
        let rot = [
            [a * a + b * b - c * c - d * d, 2.0 * (b * c - a * d), 2.0 * (b * d + a * c)],
            [2.0 * (b * c + a * d), a * a + c * c - b * b - d * d, 2.0 * (c * d - a * b)],
            [2.0 * (b * d - a * c), 2.0 * (c * d + a * b), a * a + d * d - c * c - b * b],
        ];
        let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
        let sc = [spacing[0], spacing[1], spacing[2] * qfac];
        for r in 0..3 {
            for cidx in 0..3 {
                m[r][cidx] = rot[r][cidx] * sc[cidx];
            }
            m[r][3] = h.quatern[3 + r];
        }
    } else {
        for a in 0..3 {
            m[a][a] = spacing[a];
        }
    }
    if srow_ok {
        // pixdim may disagree with the sform; the sform is the geometry, so report its scales.
        for (a, s) in spacing.iter_mut().enumerate() {
            let n = col_norm(&m, a);
            if finite_pos(n) {
                *s = n;
            }
        }
    }
    (m, spacing)
}

fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// qform quaternion (b, c, d) and qfac from an affine's 3×3 part (after nifti1_io's
/// `nifti_mat44_to_quatern`, with Gram–Schmidt in place of its polar decomposition).
pub(super) fn affine_to_quatern(m: &[[f64; 4]; 4]) -> ([f64; 3], f64) {
    let mut c = [[0.0f64; 3]; 3]; // c[j] = column j
    for j in 0..3 {
        for i in 0..3 {
            c[j][i] = m[i][j];
        }
    }
    let norm = |v: &[f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    let dot = |a: &[f64; 3], b: &[f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    // Orthonormalise; degenerate columns fall back to axes.
    for j in 0..3 {
        for k in 0..j {
            let d = dot(&c[j], &c[k]);
            for i in 0..3 {
                c[j][i] -= d * c[k][i];
            }
        }
        let n = norm(&c[j]);
        if n > 1e-12 && n.is_finite() {
            for i in 0..3 {
                c[j][i] /= n;
            }
        } else {
            c[j] = [0.0; 3];
            c[j][j] = 1.0;
        }
    }
    let r = |i: usize, j: usize| c[j][i];
    let det = r(0, 0) * (r(1, 1) * r(2, 2) - r(1, 2) * r(2, 1)) - r(0, 1) * (r(1, 0) * r(2, 2) - r(1, 2) * r(2, 0))
        + r(0, 2) * (r(1, 0) * r(2, 1) - r(1, 1) * r(2, 0));
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    if qfac < 0.0 {
        for i in 0..3 {
            c[2][i] = -c[2][i];
        }
    }
    let r = |i: usize, j: usize| c[j][i];
    let (r11, r12, r13, r21, r22, r23, r31, r32, r33) =
        (r(0, 0), r(0, 1), r(0, 2), r(1, 0), r(1, 1), r(1, 2), r(2, 0), r(2, 1), r(2, 2));
    let mut a = r11 + r22 + r33 + 1.0;
    let (mut b, mut cq, mut d);
    if a > 0.5 {
        a = 0.5 * a.sqrt();
        b = 0.25 * (r32 - r23) / a;
        cq = 0.25 * (r13 - r31) / a;
        d = 0.25 * (r21 - r12) / a;
    } else {
        let xd = 1.0 + r11 - (r22 + r33);
        let yd = 1.0 + r22 - (r11 + r33);
        let zd = 1.0 + r33 - (r11 + r22);
        if xd > 1.0 {
            b = 0.5 * xd.sqrt();
            cq = 0.25 * (r12 + r21) / b;
            d = 0.25 * (r13 + r31) / b;
            a = 0.25 * (r32 - r23) / b;
        } else if yd > 1.0 {
            cq = 0.5 * yd.sqrt();
            b = 0.25 * (r12 + r21) / cq;
            d = 0.25 * (r23 + r32) / cq;
            a = 0.25 * (r13 - r31) / cq;
        } else {
            d = 0.5 * zd.max(0.0).sqrt();
            b = 0.25 * (r13 + r31) / d;
            cq = 0.25 * (r23 + r32) / d;
            a = 0.25 * (r21 - r12) / d;
        }
        if a < 0.0 {
            b = -b;
            cq = -cq;
            d = -d;
        }
    }
    ([b, cq, d], qfac)
}
