//! Checking which label convention a dataset follows, whoever produced it.

pub mod check;

pub use check::{check_alignment, AlignmentReport, Convention};
