//! Which scans train, validate and test, and how slices are drawn from them.
//!
//! Splits are by subject (never by slice of one subject): a slice's neighbours are nearly the
//! same image, so a slice-level split measures memory, not generalisation. Every report carries
//! the split it used.

use crate::image::Image;
use crate::io;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Paths relative to a data root (by default `../shared/data` of the repository).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSplit {
    pub name: String,
    pub train: Vec<String>,
    pub validation: Vec<String>,
    pub test: Vec<String>,
    /// Out-of-distribution tests: other anatomy, other contrast.
    pub ood: Vec<String>,
}

impl Default for DataSplit {
    /// The split proposed by the data README: two brain scanners to train, a third to stop
    /// early, a fourth (subject and scanner never seen) to test, knee and shoulder out of
    /// distribution.
    fn default() -> Self {
        Self {
            name: "brain-by-subject-v1".into(),
            train: vec!["vs-seg-001-t1".into(), "brain-t1-uih".into()],
            validation: vec!["brain-t1-philips-adni".into()],
            test: vec!["brain-t1-studyforrest".into()],
            ood: vec!["knee-dess-pykneer".into(), "pydicom-data/MR2_UNCR.dcm".into()],
        }
    }
}

/// The four brain subjects, each from another scanner: the folds of the leave-one-subject-out
/// protocol (RESULTS.md, "Cross-subject protocol") rotate over them in this order.
pub const BRAIN_SUBJECTS: [&str; 4] = ["vs-seg-001-t1", "brain-t1-uih", "brain-t1-philips-adni", "brain-t1-studyforrest"];

/// How many leave-one-subject-out folds there are: one per brain subject.
pub const FOLDS: usize = BRAIN_SUBJECTS.len();

impl DataSplit {
    /// Fold `k` (1–4) of the leave-one-subject-out protocol: with the subjects A, B, C, D of
    /// [`BRAIN_SUBJECTS`], fold k tests the subject 4 − k (D, C, B, A), validates on the one
    /// before it (C, B, A, D) and trains on the other two, so every subject is tested once and
    /// validates once. Fold 1 is the default split ([`DataSplit::default`]) under another name.
    pub fn fold(k: usize) -> Result<Self, String> {
        if !(1..=FOLDS).contains(&k) {
            return Err(format!("--fold {k}: the folds are 1 to {FOLDS} (one per brain subject)"));
        }
        let test = FOLDS - k;
        let validation = (test + FOLDS - 1) % FOLDS;
        let train = (0..FOLDS).filter(|&i| i != test && i != validation).map(|i| BRAIN_SUBJECTS[i].to_string()).collect();
        Ok(Self {
            name: format!("loso-fold-{k}"),
            train,
            validation: vec![BRAIN_SUBJECTS[validation].into()],
            test: vec![BRAIN_SUBJECTS[test].into()],
            ..Self::default()
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "split {}: train {}; validation {}; test {}; out-of-distribution {}",
            self.name,
            self.train.join(", "),
            self.validation.join(", "),
            self.test.join(", "),
            self.ood.join(", ")
        )
    }
}

/// The default data root: `COORDSR_DATA`, else `../shared/data` beside the repository.
pub fn default_data_root() -> PathBuf {
    if let Ok(p) = std::env::var("COORDSR_DATA") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
}

/// `default_data_root()/sub` for a test that needs real MRI, or `None` after saying so.
///
/// The note goes straight to the process's stderr, not through `eprintln!`: the test harness
/// captures the print macros of passing tests, so a skip would otherwise look like a pass in 0.00 s.
/// With it, a clone without `../shared` shows which real-data tests did not run, and why.
pub fn real_data(sub: &str, test: &str) -> Option<PathBuf> {
    let root = default_data_root();
    let p = if sub.is_empty() { root } else { root.join(sub) };
    if p.exists() {
        return Some(p);
    }
    use std::io::Write as _;
    let line = format!("{test}: skipped: no real MRI at {} (set COORDSR_DATA to the data folder)\n", p.display());
    let _ = std::io::stderr().write_all(line.as_bytes());
    None
}

/// Reference slices are centre-cropped to a multiple of this, so that the 1.5×, 2×, 3× and 4×
/// grids are exact and every method is scored on the same pixels (at most 11 edge rows and
/// columns of background go).
pub const GRID_MULTIPLE: usize = 12;

/// Crop to a multiple of [`GRID_MULTIPLE`] per axis, centred.
pub fn crop_to_grid_multiple(img: &Image) -> Image {
    let w = img.width / GRID_MULTIPLE * GRID_MULTIPLE;
    let h = img.height / GRID_MULTIPLE * GRID_MULTIPLE;
    img.crop((img.width - w) / 2, (img.height - h) / 2, w, h)
}

/// Slices of a scan that hold anatomy: those whose mean is at least `fraction` of the brightest
/// slice mean (edge slices of a volume are mostly air, and scoring air flatters every method).
pub fn content_slices(slices: &[Image], fraction: f64) -> Vec<usize> {
    let means: Vec<f64> = slices.iter().map(|s| s.mean()).collect();
    let top = means.iter().cloned().fold(0.0, f64::max);
    (0..slices.len()).filter(|&i| means[i] >= fraction * top && top > 0.0).collect()
}

/// `count` indices spread evenly over `indices` (all of them when there are fewer).
pub fn spread(indices: &[usize], count: usize) -> Vec<usize> {
    if count == 0 || indices.len() <= count {
        return indices.to_vec();
    }
    (0..count).map(|k| indices[(2 * k + 1) * indices.len() / (2 * count)]).collect()
}

/// Reference slices of one scan: read (cropped to its acquisition matrix), anatomy only,
/// at most `max_slices` spread over the volume, each cropped to the grid multiple.
pub fn load_reference_slices(root: &Path, rel: &str, max_slices: usize) -> Result<Vec<Image>, String> {
    let path = root.join(rel);
    let volume = io::read_volume(&path).map_err(|e| e.to_string())?;
    let keep = spread(&content_slices(&volume.slices, 0.6), max_slices);
    let out: Vec<Image> = keep.into_iter().map(|i| crop_to_grid_multiple(&volume.slices[i])).collect();
    if out.is_empty() || out[0].width < 2 * GRID_MULTIPLE || out[0].height < 2 * GRID_MULTIPLE {
        return Err(format!("{}: no usable slices (too small or empty)", path.display()));
    }
    Ok(out)
}

/// A deterministic generator (SplitMix64): training must be reproducible from a seed and
/// resumable from a saved state, which a plain `u64` makes trivial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subject_is_tested_once_and_validates_once() {
        let folds: Vec<DataSplit> = (1..=FOLDS).map(|k| DataSplit::fold(k).unwrap()).collect();
        // The protocol's table: fold 1 tests D, validates C, trains A+B; 2: C, B, A+D; 3: B, A, C+D; 4: A, D, B+C.
        let [a, b, c, d] = BRAIN_SUBJECTS;
        let expected = [(d, c, [a, b]), (c, b, [a, d]), (b, a, [c, d]), (a, d, [b, c])];
        for (f, (test, val, train)) in folds.iter().zip(expected) {
            assert_eq!((f.test.as_slice(), f.validation.as_slice(), f.train.as_slice()), (&[test.to_string()][..], &[val.to_string()][..], &train.map(String::from)[..]));
            assert_eq!(f.ood, DataSplit::default().ood);
        }
        let default = DataSplit::default();
        assert_eq!((&folds[0].train, &folds[0].validation, &folds[0].test), (&default.train, &default.validation, &default.test));
        assert_eq!(folds[1].name, "loso-fold-2");
        for bad in [0, 5] {
            assert!(DataSplit::fold(bad).unwrap_err().contains("1 to 4"));
        }
    }

    #[test]
    fn crop_is_centred_multiple() {
        let img = Image::from_fn(50, 37, |x, y| (x + 100 * y) as f32);
        let c = crop_to_grid_multiple(&img);
        assert_eq!((c.width, c.height), (48, 36));
        assert_eq!(c.get(0, 0), img.get(1, 0));
    }

    #[test]
    fn spread_and_content() {
        assert_eq!(spread(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2), vec![3, 8]);
        assert_eq!(spread(&[4, 5], 5), vec![4, 5]);
        let slices: Vec<Image> = [0.0, 5.0, 10.0, 9.0, 1.0].iter().map(|&v| Image::from_fn(2, 2, |_, _| v)).collect();
        assert_eq!(content_slices(&slices, 0.6), vec![2, 3]);
    }

    #[test]
    fn rng_is_deterministic_and_uniform() {
        let (mut a, mut b) = (Rng(42), Rng(42));
        let xs: Vec<f64> = (0..1000).map(|_| a.uniform()).collect();
        assert!(xs.iter().zip((0..1000).map(|_| b.uniform())).all(|(x, y)| *x == y));
        let mean = xs.iter().sum::<f64>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05);
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
    }
}
