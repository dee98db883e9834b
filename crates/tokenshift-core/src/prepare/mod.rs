//! Causal-LM examples with an explicit label convention. One module per stage, in the order data flows:
//! `records` (record → prompt/completion) → `trainable` (ids + trainable mask) → `labels` (the shift)
//! → `truncate` → rows in a flat batch, with `stats` counting everything skipped or cut.

mod chat_setup;
pub mod columns;
mod input;
pub mod labels;
pub mod memory_gate;
pub mod options;
mod outcome;
pub mod records;
pub mod stats;
pub mod trainable;
pub mod truncate;

use rayon::prelude::*;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{record_error, Error, Result};
use crate::limits::MAX_RECORD_TEXT_BYTES;
use crate::threads;
use crate::tokenizer::{CheckPlan, Engine, Serve, TokenizerCore};
use chat_setup::{ChatSetup, ChatSkip};
pub use input::OversizedLine;
use input::RecordSource;
pub use options::{Boundary, OnError, PrepareOptions, RecordFormat, Shard, Shift, Truncation};
use outcome::Outcome;
pub use stats::{PrepareStats, RecordStatus};

/// Rows in CSR form (`input_ids[offsets[r]..offsets[r+1]]`, same for `labels`), plus per-record status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreparedBatch {
    pub input_ids: Vec<i32>,
    pub labels: Vec<i32>,
    pub offsets: Vec<u32>,
    /// Record number of each row.
    pub row_records: Vec<u32>,
    /// Per row, the kept input columns as one JSON object (empty unless `keep` names columns).
    pub kept: Vec<String>,
    /// One entry per input record, in input order.
    pub record_status: Vec<RecordStatus>,
    pub stats: PrepareStats,
}

/// Built once per job and cloned per call (a clone shares the tokenizer and the compiled template).
#[derive(Clone)]
pub struct Preparer {
    tokenizer: Arc<TokenizerCore>,
    options: PrepareOptions,
    eos: Option<u32>,
    chat: Arc<ChatSetup>,
    columns: Arc<columns::ColumnMapping>,
    /// Set by the caller to stop between records (a render is bounded by its work budget).
    cancel: Option<Arc<AtomicBool>>,
    /// The engine of a call counted when it was made (`counted`); else the call counts when it runs.
    serve: Option<Serve>,
}

impl Preparer {
    pub fn new(tokenizer: Arc<TokenizerCore>, options: PrepareOptions) -> Result<Self> {
        options.validate()?;
        let eos = match options.add_eos {
            Some(false) => None,
            Some(true) => Some(tokenizer.eos_id().ok_or_else(|| Error::InvalidOption {
                option: "addEos".into(),
                message: "the tokenizer has no EOS token (set eos_token in tokenizer_config.json, or addEos: false)".into(),
            })?),
            // An EOS the config names but the vocabulary lacks would silently leave every example
            // without one: the model would never learn to stop.
            None => match (tokenizer.eos_id(), &tokenizer.config().special.eos) {
                (None, Some(eos)) => {
                    return Err(Error::InvalidOption {
                        option: "addEos".into(),
                        message: format!("the tokenizer config names eos_token {eos:?}, which is not in the vocabulary: no EOS can be appended (fix the config, or pass addEos: false to go without)"),
                    })
                }
                (id, _) => id,
            },
        };
        let chat = Arc::new(ChatSetup::new(&tokenizer, &options)?);
        let columns = Arc::new(options.column_mapping());
        Ok(Self {
            tokenizer,
            options,
            eos,
            chat,
            columns,
            cancel: None,
            serve: None,
        })
    }

    /// The same preparer numbering records from `first` (a chunk of a stream).
    pub fn starting_at(&self, first: u32) -> Result<Self> {
        let mut next = self.clone();
        next.options.first_record_number = first;
        next.options.validate()?;
        Ok(next)
    }

    /// Work stops with `Error::Cancelled` at the next record once `flag` is set.
    pub fn with_cancel(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// The same preparer for one call of `bytes` of input, counted against the warm-up now (see
    /// `TokenizerCore::reserve_bulk`): an async call counts when it is made, not when it runs.
    pub fn counted(mut self, bytes: usize) -> Self {
        self.serve = Some(self.tokenizer.reserve_bulk(|| bytes));
        self
    }

    pub fn options(&self) -> &PrepareOptions {
        &self.options
    }

    /// The EOS id appended to every example, if any.
    pub fn eos(&self) -> Option<u32> {
        self.eos
    }

    /// Records numbered from `first_record_number` in order.
    pub fn prepare_values(&self, records: &[Value], threads: usize) -> Result<PreparedBatch> {
        let serve = self.serve_for(|| input::values_bytes(records));
        self.prepare_parsed(records, threads, serve)
    }

    /// A JSON array of records.
    pub fn prepare_json_array(&self, text: &str, threads: usize) -> Result<PreparedBatch> {
        let serve = self.serve_for(|| text.len());
        // A file saved with a byte-order mark (common on Windows) is still JSON.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let records: Vec<Value> = serde_json::from_str(text).map_err(|e| Error::Json {
            source_name: "records".into(),
            message: e.to_string(),
        })?;
        self.prepare_parsed(&records, threads, serve)
    }

    /// Parsed records, for a call counted in the warm-up as `serve`.
    fn prepare_parsed(
        &self,
        records: &[Value],
        threads: usize,
        serve: Serve,
    ) -> Result<PreparedBatch> {
        let items = input::value_items(records, self.options.first_record_number, |n| {
            self.in_shard(n)
        })?;
        self.run(&items, threads, serve)
    }

    /// JSON lines: the record number is the line number (counting from `first_record_number`);
    /// blank lines are not records.
    pub fn prepare_json_lines(&self, text: &str, threads: usize) -> Result<PreparedBatch> {
        self.prepare_json_lines_bytes(text.as_bytes(), &[], threads)
    }

    /// JSON lines as raw bytes (e.g. a chunk of a file): each line is checked for UTF-8 on its own, so
    /// one bad line is one bad record. `oversized` lists lines the reader left out for their size (in
    /// record order); they fail, or are skipped under `onError: 'skip'`, like any unreadable record.
    /// Lines outside `shard` are not parsed.
    pub fn prepare_json_lines_bytes(
        &self,
        bytes: &[u8],
        oversized: &[OversizedLine],
        threads: usize,
    ) -> Result<PreparedBatch> {
        let serve = self.serve_for(|| bytes.len());
        let first = self.options.first_record_number;
        let items = input::json_line_items(bytes, oversized, first, |n| self.in_shard(n))?;
        self.run(&items, threads, serve)
    }

    fn in_shard(&self, record: u32) -> bool {
        self.options.shard.is_none_or(|s| s.holds(record))
    }

    /// The engine of a call of `bytes()` of input: counted now unless it was when the call was made.
    /// Counted before any parsing, so a call that fails counts as it would have async.
    fn serve_for(&self, bytes: impl FnOnce() -> usize) -> Serve {
        match self.serve {
            Some(serve) => serve,
            None => self.tokenizer.reserve_bulk(bytes),
        }
    }

    fn run(
        &self,
        items: &[(u32, RecordSource)],
        threads: usize,
        serve: Serve,
    ) -> Result<PreparedBatch> {
        let demoted_before = self.tokenizer.demotion().is_some();
        let plan = self.tokenizer.check_plan(serve);
        let pool = threads::pool(threads)?;
        let prepare_item = |number: u32, source: &RecordSource| {
            if self
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                return Err(Error::Cancelled);
            }
            let _permit = memory_gate::acquire(source.input_bytes());
            match self
                .prepare_one(number, source, &plan)
                .map_err(|e| self.columns.explain(e))
            {
                Err(error) if self.options.on_error == OnError::Skip => {
                    Ok(Outcome::invalid(number, error.to_string()))
                }
                outcome => outcome,
            }
        };
        let mut outcomes: Vec<Result<Outcome>> = pool.install(|| {
            items
                .par_iter()
                .map(|(number, source)| prepare_item(*number, source))
                .collect()
        });
        // A cross-check found 1.0 wrong: what it produced in this batch is done again by 0.23.
        let demoted = self.tokenizer.demotion();
        if demoted.is_some() {
            let redo: Vec<usize> = outcomes
                .iter()
                .enumerate()
                .filter(|(_, o)| matches!(o, Ok(o) if o.engine == Some(Engine::Pipeline)))
                .map(|(i, _)| i)
                .collect();
            let redone: Vec<Result<Outcome>> = pool.install(|| {
                redo.par_iter()
                    .map(|&i| prepare_item(items[i].0, &items[i].1))
                    .collect()
            });
            for (i, outcome) in redo.into_iter().zip(redone) {
                outcomes[i] = outcome;
            }
        }
        // Assembled in input order, so the output is the same for any thread count; the first error
        // in record order wins.
        let mut batch = outcome::sized_batch(&outcomes);
        for outcome in outcomes {
            outcome?.add_to(&mut batch, self.options.ignore_index)?;
        }
        if let Some(note) = demoted {
            batch.stats.engine_demotion = Some(note.to_owned());
            batch.stats.engine_mismatches = u64::from(!demoted_before);
        }
        Ok(batch)
    }

    fn prepare_one(&self, number: u32, source: &RecordSource, plan: &CheckPlan) -> Result<Outcome> {
        let parsed;
        let record = match source {
            RecordSource::Parsed(value) => *value,
            RecordSource::JsonLine(bytes) => {
                let line = std::str::from_utf8(bytes).map_err(|e| {
                    record_error(number, "(json)", &format!("is not valid UTF-8: {e}"))
                })?;
                parsed = serde_json::from_str::<Value>(line).map_err(|e| {
                    record_error(number, "(json)", &format!("is not valid JSON: {e}"))
                })?;
                &parsed
            }
            RecordSource::Oversized(o) => {
                let size = if o.bytes == 0 {
                    "is longer than the limit".to_owned()
                } else {
                    format!("is {} bytes, over the limit", o.bytes)
                };
                return Err(record_error(
                    number,
                    "(line)",
                    &format!("{size} of {} bytes (maxLineBytes)", o.limit),
                ));
            }
        };
        let options = &self.options;
        let kept = (!options.keep.is_empty()).then(|| columns::kept_columns(record, &options.keep));
        let mapped = self.columns.apply(record);
        let record = mapped.as_ref();
        let format = records::record_format(record, number, options.format)?;
        let example = if format == RecordFormat::Chat {
            match self.chat.example(record, number, self.options.train_on)? {
                Ok(example) => example,
                Err(ChatSkip::Turn(reason)) => {
                    return Ok(Outcome::skipped(
                        number,
                        RecordStatus::SkippedChatTurn,
                        Some(reason),
                    ))
                }
                Err(ChatSkip::Empty) => {
                    return Ok(Outcome::skipped(
                        number,
                        RecordStatus::SkippedEmptyCompletion,
                        None,
                    ))
                }
            }
        } else {
            records::example_from_record(record, number, format, &options.prompt_template)?
        };
        let text_bytes = example.prompt.len() + example.completion.len();
        if text_bytes > MAX_RECORD_TEXT_BYTES {
            return Err(record_error(
                number,
                "(record)",
                &format!("holds {text_bytes} bytes of text, over the limit of {MAX_RECORD_TEXT_BYTES} per record"),
            ));
        }
        if example.is_empty() {
            return Ok(Outcome::skipped(
                number,
                RecordStatus::SkippedEmptyCompletion,
                None,
            ));
        }
        let is_chat = matches!(example.kind, records::ExampleKind::Chat(_));
        // Chosen by the record's text, so the same records are checked however the input is split.
        let check = plan.check(&example.completion);
        let eos = if is_chat { None } else { self.eos };
        let tokens =
            trainable::trainable_tokens(&self.tokenizer, &example, options.boundary, eos, check)?;
        // Counted when 0.23 re-encoded what 1.0 produced (what 0.23 served needs no check).
        let checked = check.bytes > 0
            && (tokens.engine == Engine::Pipeline || self.tokenizer.demotion().is_some());
        let trainable::TrainableTokens {
            ids,
            trainable,
            engine,
        } = tokens;
        // Token ids index a vocabulary far below 2^31 (checked at load), so they fit i32 (the dtype
        // trainers use). Collected from the u32 vector itself, which reuses its allocation.
        let mut ids: Vec<i32> = ids.into_iter().map(|id| id as i32).collect();
        let full_len = ids.len();
        let mut labels = Vec::with_capacity(ids.len());
        labels::labels_into(
            &ids,
            &trainable,
            options.shift,
            options.ignore_index,
            &mut labels,
        );
        let fit = truncate::truncate(
            &mut ids,
            &mut labels,
            options.max_length,
            options.truncation,
        );
        let status = match fit {
            truncate::Fit::TooLong => RecordStatus::SkippedTooLong,
            _ if labels.iter().all(|&l| l == options.ignore_index) => {
                RecordStatus::SkippedNoTrainable
            }
            truncate::Fit::Truncated => RecordStatus::Truncated,
            truncate::Fit::Fits => RecordStatus::Kept,
        };
        if !status.is_row() {
            return Ok(Outcome {
                engine: Some(engine),
                checked,
                ..Outcome::skipped(number, status, None)
            });
        }
        // Lint, on the kept window of the sequence.
        let kept_from = match options.truncation {
            Truncation::Left => full_len - ids.len(),
            _ => 0,
        };
        let kept_trainable = &trainable[kept_from..kept_from + ids.len()];
        let bos_repeated = self
            .chat
            .bos
            .is_some_and(|bos| ids.iter().filter(|&&id| id == bos).count() > 1);
        let eot_untrained = is_chat
            && kept_trainable
                .iter()
                .rposition(|&t| t == 1)
                .is_some_and(|last| !self.chat.special_ids.contains(&ids[last]));
        Ok(Outcome {
            number,
            status,
            ids,
            labels,
            skip_reason: None,
            kept,
            bos_repeated,
            eot_untrained,
            engine: Some(engine),
            checked,
        })
    }
}
