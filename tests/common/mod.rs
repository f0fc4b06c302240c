//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};

/// The repository root (the engine crate sits one level down).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The real MRI of `../shared/data` (or `COORDSR_DATA`); `None`, with a visible
/// "skipped: no real MRI at …" line, where it is absent.
pub fn data_root(test: &str) -> Option<PathBuf> {
    coordsr::data::real_data("", test)
}
