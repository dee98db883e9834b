//! What one record contributes to a prepared batch: its status, row and counters, and how it is added.

use super::stats::RecordStatus;
use super::PreparedBatch;
use crate::error::{Error, Result};
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

/// An empty batch with room for the rows of `outcomes`: growing by doubling would copy them again and
/// again.
pub(super) fn sized_batch(outcomes: &[Result<Outcome>]) -> PreparedBatch {
    let (rows, tokens) = outcomes.iter().flatten().fold((0, 0), |(rows, tokens), o| {
        (rows + usize::from(o.status.is_row()), tokens + o.ids.len())
    });
    let mut batch = PreparedBatch {
        offsets: Vec::with_capacity(rows + 1),
        ..PreparedBatch::default()
    };
    batch.offsets.push(0);
    batch.input_ids.reserve_exact(tokens);
    batch.labels.reserve_exact(tokens);
    batch.row_records.reserve_exact(rows);
    batch.record_status.reserve_exact(outcomes.len());
    batch
}

impl Outcome {
    /// Counts this record in `batch.stats` and appends its row, if it has one.
    pub(super) fn add_to(self, batch: &mut PreparedBatch, ignore_index: i32) -> Result<()> {
        match (self.skip_reason, self.status) {
            (Some(message), RecordStatus::SkippedInvalid) => {
                batch.stats.count_invalid(self.number, message)
            }
            (Some(reason), _) => batch.stats.count_chat_skip(self.number, reason),
            (None, status) => batch.stats.count(self.number, status),
        }
        batch.stats.count_engine(self.engine);
        batch.stats.engine_checked += u64::from(self.checked);
        batch.stats.bos_repeated += u64::from(self.bos_repeated);
        batch.stats.eot_untrained += u64::from(self.eot_untrained);
        batch.record_status.push(self.status);
        if !self.status.is_row() {
            return Ok(());
        }
        batch.stats.tokens += self.ids.len() as u64;
        batch.stats.trained_labels +=
            self.labels.iter().filter(|&&l| l != ignore_index).count() as u64;
        batch.input_ids.extend_from_slice(&self.ids);
        batch.labels.extend_from_slice(&self.labels);
        let end = u32::try_from(batch.input_ids.len())
            .map_err(|_| Error::BatchTooLarge(batch.input_ids.len()))?;
        batch.offsets.push(end);
        batch.row_records.push(self.number);
        if let Some(kept) = self.kept {
            batch.kept.push(kept);
        }
        Ok(())
    }
}
