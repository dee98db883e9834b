//! What one record contributes to a prepared batch: its status, row and counters.

use super::stats::RecordStatus;
use crate::tokenizer::Engine;

/// One record's contribution.
pub(super) struct Outcome {
    pub(super) number: u32,
    pub(super) status: RecordStatus,
    pub(super) ids: Vec<i32>,
    pub(super) labels: Vec<i32>,
    pub(super) skip_reason: Option<String>,
    pub(super) kept: Option<String>,
    pub(super) bos_repeated: bool,
    pub(super) eot_untrained: bool,
    /// The engine that tokenized it (none for records that never reached the tokenizer).
    pub(super) engine: Option<Engine>,
    /// Whether 0.23 re-encoded it to check 1.0.
    pub(super) checked: bool,
}

impl Outcome {
    pub(super) fn invalid(number: u32, message: String) -> Self {
        Self::skipped(number, RecordStatus::SkippedInvalid, Some(message))
    }

    pub(super) fn skipped(number: u32, status: RecordStatus, skip_reason: Option<String>) -> Self {
        Self {
            number,
            status,
            ids: Vec::new(),
            labels: Vec::new(),
            skip_reason,
            kept: None,
            bos_repeated: false,
            eot_untrained: false,
            engine: None,
            checked: false,
        }
    }
}
