//! coordsr engine: scale-agnostic MRI super-resolution with feature-based coordinate networks.
//!
//! Pure and backend-agnostic: the model takes a burn device and never names a backend, so the
//! CLI, the tests and the web app pick theirs at the edge.

pub mod image;
pub mod volume;
pub mod orientation;
pub mod oriented;
pub mod kspace;
pub mod io;
pub mod csv;
pub mod metrics;
pub mod geometry;
pub mod interp;
pub mod skip;
pub mod degrade;
pub mod denoise;
pub mod kernels;
pub mod model;
pub mod infer;
pub mod through_plane;
pub mod through_eval;
pub mod weights;
pub mod data;
#[cfg(feature = "train")]
pub mod train;
pub mod methods;
pub mod table;
pub mod eval;
pub mod loso;
pub mod paired;
pub mod phantom;
pub mod bench;
pub mod chart;
pub mod view;
pub mod readout;
pub mod tiles;
pub mod study;
