//! Counters that travel with every prepared batch: nothing is dropped or cut without a count and the
//! record numbers involved.

use crate::tokenizer::Engine;

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
    /// A chat turn could not be located in the rendering (the reason names the message).
    SkippedChatTurn = 4,
    /// Unreadable (bad JSON or UTF-8, wrong field types) under `onError: 'skip'`.
    SkippedInvalid = 5,
    /// Nothing to learn: the completion, output or text is empty or whitespace, or every trained
    /// assistant turn of a conversation is (content, not an error: counted in both `onError` modes).
    SkippedEmptyCompletion = 6,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kept => "kept",
            Self::Truncated => "truncated",
            Self::SkippedTooLong => "too_long",
            Self::SkippedNoTrainable => "no_trainable_labels",
            Self::SkippedChatTurn => "chat_turn_not_found",
            Self::SkippedInvalid => "invalid",
            Self::SkippedEmptyCompletion => "empty_completion",
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
    pub skipped_empty_completion: Vec<u32>,
    /// Chat records skipped, with the reason naming the message index.
    pub skipped_chat: Vec<(u32, String)>,
    /// Unreadable records skipped under `onError: 'skip'`, with the error message.
    pub skipped_invalid: Vec<(u32, String)>,
    /// Lint: rows holding the BOS token more than once (a template BOS plus a tokenizer BOS).
    pub bos_repeated: u64,
    /// Lint: chat rows whose last trained token is not a special token (its end-of-turn marker was cut or missed).
    pub eot_untrained: u64,
    /// Records tokenized by the `tokenizers` 1.0 engine, and by 0.23 (see `tokenizer::Engine`).
    pub pipeline_records: u64,
    pub reference_records: u64,
    /// Records the running cross-check had 0.23 encode again (see `tokenizer::VerifyEngine`).
    pub engine_checked: u64,
    /// 1 when a cross-check in this batch found 1.0 wrong (the batch was redone by 0.23).
    pub engine_mismatches: u64,
    /// Why 0.23 serves this tokenizer since a cross-check mismatch, if one happened.
    pub engine_demotion: Option<String>,
}

impl PrepareStats {
    pub fn count_chat_skip(&mut self, record: u32, reason: String) {
        self.records += 1;
        self.skipped_chat.push((record, reason));
    }

    pub fn count_invalid(&mut self, record: u32, message: String) {
        self.records += 1;
        self.skipped_invalid.push((record, message));
    }

    pub fn count(&mut self, record: u32, status: RecordStatus) {
        self.records += 1;
        match status {
            RecordStatus::Kept => {}
            RecordStatus::Truncated => self.truncated.push(record),
            RecordStatus::SkippedTooLong => self.skipped_too_long.push(record),
            RecordStatus::SkippedNoTrainable => self.skipped_no_trainable.push(record),
            RecordStatus::SkippedEmptyCompletion => self.skipped_empty_completion.push(record),
            // Counted with their reasons by `count_chat_skip` and `count_invalid`.
            RecordStatus::SkippedChatTurn | RecordStatus::SkippedInvalid => {}
        }
        if status.is_row() {
            self.rows += 1;
        }
    }

    pub fn count_engine(&mut self, engine: Option<Engine>) {
        match engine {
            Some(Engine::Pipeline) => self.pipeline_records += 1,
            Some(Engine::Reference) => self.reference_records += 1,
            None => {}
        }
    }

    pub fn skipped(&self) -> u64 {
        (self.skipped_too_long.len()
            + self.skipped_no_trainable.len()
            + self.skipped_empty_completion.len()
            + self.skipped_chat.len()
            + self.skipped_invalid.len()) as u64
    }
}
