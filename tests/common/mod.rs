//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};

/// The repository root (the engine crate sits one level down).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The real MRI of `../shared/data` (or `COORDSR_DATA`); `None`, with a note, where it is absent.
pub fn data_root() -> Option<PathBuf> {
    let p = std::env::var("COORDSR_DATA").map(PathBuf::from).unwrap_or_else(|_| repo().join("../shared/data"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: no data at {} (set COORDSR_DATA)", p.display());
        None
    }
}
