//! Counters that travel with every prepared batch: nothing is dropped or cut without a count and the
//! record numbers involved.

/// What happened to one input record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordStatus {
    Kept = 0,
    Truncated = 1,
    /// Longer than `maxLength` under `truncation: 'drop'`.
    SkippedTooLong = 2,
    /// No label left to learn from (e.g. the prompt filled `maxLength`).
    SkippedNoTrainable = 3,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kept => "kept",
            Self::Truncated => "truncated",
            Self::SkippedTooLong => "too_long",
            Self::SkippedNoTrainable => "no_trainable_labels",
        }
    }

    pub fn is_row(self) -> bool {
        matches!(self, Self::Kept | Self::Truncated)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrepareStats {
    pub records: u64,
    pub rows: u64,
    pub tokens: u64,
    /// Labels that are not the ignore index.
    pub trained_labels: u64,
    pub truncated: Vec<u32>,
    pub skipped_too_long: Vec<u32>,
    pub skipped_no_trainable: Vec<u32>,
}

impl PrepareStats {
    pub fn count(&mut self, record: u32, status: RecordStatus) {
        self.records += 1;
        match status {
            RecordStatus::Kept => {}
            RecordStatus::Truncated => self.truncated.push(record),
            RecordStatus::SkippedTooLong => self.skipped_too_long.push(record),
            RecordStatus::SkippedNoTrainable => self.skipped_no_trainable.push(record),
        }
        if status.is_row() {
            self.rows += 1;
        }
    }

    pub fn skipped(&self) -> u64 {
        (self.skipped_too_long.len() + self.skipped_no_trainable.len()) as u64
    }
}
