use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::{AbortSignal, AsyncTask, Int32Array, Uint32Array, Uint8Array};
use napi::{Env, Task};
use napi_derive::napi;
use tokenshift_core::prepare::{OversizedLine, PrepareOptions, PreparedBatch, Preparer};

use crate::guard::guard;
use crate::tokenizer::NativeTokenizer;

#[napi(object)]
pub struct NativePrepareStats {
    pub records: f64,
    pub rows: f64,
    pub tokens: f64,
    pub trained_labels: f64,
    pub truncated: Uint32Array,
    pub skipped_too_long: Uint32Array,
    pub skipped_no_trainable: Uint32Array,
    pub skipped_empty_completion: Uint32Array,
    pub skipped_chat_records: Uint32Array,
    /// Why each chat record was skipped (same order as `skipped_chat_records`), naming the message index.
    pub skipped_chat_reasons: Vec<String>,
    pub skipped_invalid_records: Uint32Array,
    /// The error of each skipped invalid record (same order as `skipped_invalid_records`).
    pub skipped_invalid_reasons: Vec<String>,
    pub bos_repeated: f64,
    pub eot_untrained: f64,
    /// Records tokenized by the `tokenizers` 1.0 engine, and by 0.23.
    pub pipeline_records: f64,
    pub reference_records: f64,
    /// Records 0.23 re-encoded to check what 1.0 produced (the running cross-check).
    pub engine_checked: f64,
    /// 1 when a cross-check in this batch found 1.0 wrong (the batch was redone by 0.23).
    pub engine_mismatches: f64,
    /// What the cross-check found, once 1.0 was taken off the tokenizer.
    pub engine_demotion: Option<String>,
}

#[napi(object)]
pub struct NativePrepared {
    pub input_ids: Int32Array,
    pub labels: Int32Array,
    pub offsets: Uint32Array,
    pub row_records: Uint32Array,
    /// Per input record: 0 kept, 1 truncated, 2 skipped (too long), 3 skipped (no trainable label),
    /// 4 skipped (chat turn not found), 5 skipped (invalid, under `onError: 'skip'`),
    /// 6 skipped (empty completion).
    pub record_status: Uint8Array,
    /// Per row, the kept input columns as one JSON object text (empty unless `keep` names columns).
    pub kept: Vec<String>,
    pub stats: NativePrepareStats,
}

impl From<PreparedBatch> for NativePrepared {
    fn from(batch: PreparedBatch) -> Self {
        let stats = batch.stats;
        Self {
            input_ids: Int32Array::new(batch.input_ids),
            labels: Int32Array::new(batch.labels),
            offsets: Uint32Array::new(batch.offsets),
            row_records: Uint32Array::new(batch.row_records),
            record_status: Uint8Array::new(
                batch.record_status.into_iter().map(|s| s as u8).collect(),
            ),
            kept: batch.kept,
            stats: NativePrepareStats {
                records: stats.records as f64,
                rows: stats.rows as f64,
                tokens: stats.tokens as f64,
                trained_labels: stats.trained_labels as f64,
                truncated: Uint32Array::new(stats.truncated),
                skipped_too_long: Uint32Array::new(stats.skipped_too_long),
                skipped_no_trainable: Uint32Array::new(stats.skipped_no_trainable),
                skipped_empty_completion: Uint32Array::new(stats.skipped_empty_completion),
                skipped_chat_records: Uint32Array::new(
                    stats.skipped_chat.iter().map(|(r, _)| *r).collect(),
                ),
                skipped_chat_reasons: stats
                    .skipped_chat
                    .into_iter()
                    .map(|(_, reason)| reason)
                    .collect(),
                skipped_invalid_records: Uint32Array::new(
                    stats.skipped_invalid.iter().map(|(r, _)| *r).collect(),
                ),
                skipped_invalid_reasons: stats
                    .skipped_invalid
                    .into_iter()
                    .map(|(_, reason)| reason)
                    .collect(),
                bos_repeated: stats.bos_repeated as f64,
                eot_untrained: stats.eot_untrained as f64,
                pipeline_records: stats.pipeline_records as f64,
                reference_records: stats.reference_records as f64,
                engine_checked: stats.engine_checked as f64,
                engine_mismatches: stats.engine_mismatches as f64,
                engine_demotion: stats.engine_demotion,
            },
        }
    }
}

/// A tokenizer plus validated `prepare` options, with the chat template compiled once for every call.
#[napi]
pub struct NativePreparer {
    preparer: Preparer,
}

#[napi]
impl NativePreparer {
    /// `options_json`: the options object the TS facade validated, as JSON.
    #[napi(constructor)]
    pub fn new(tokenizer: &NativeTokenizer, options_json: String) -> napi::Result<Self> {
        let core = tokenizer.core()?;
        let preparer =
            guard(|| Preparer::new(core, PrepareOptions::from_json_str(&options_json)?))?;
        Ok(Self { preparer })
    }

    /// The EOS id appended to every example, if any.
    #[napi(getter)]
    pub fn eos_id(&self) -> Option<u32> {
        self.preparer.eos()
    }

    /// `records_json`: a JSON array of records, or JSON lines when `json_lines` is true.
    #[napi]
    pub fn prepare(
        &self,
        records_json: String,
        json_lines: bool,
        threads: u32,
    ) -> napi::Result<NativePrepared> {
        let payload = Payload::Json {
            text: records_json,
            lines: json_lines,
        };
        guard(|| run(self.preparer.clone(), &payload, threads as usize)).map(NativePrepared::from)
    }

    /// JSON lines as bytes (a chunk of a file, ending at a line end); record numbers start at
    /// `first_record_number`. Each line is checked for UTF-8 on its own. `oversized_lines` (record
    /// numbers, ascending) were left out by the reader for exceeding `max_line_bytes`; their sizes are
    /// `oversized_bytes`.
    #[napi(ts_return_type = "Promise<NativePrepared>")]
    #[allow(clippy::too_many_arguments)]
    pub fn prepare_json_lines_bytes_async(
        &self,
        bytes: Uint8Array,
        first_record_number: u32,
        oversized_lines: Uint32Array,
        oversized_bytes: Vec<f64>,
        max_line_bytes: f64,
        threads: u32,
        signal: Option<AbortSignal>,
        cancel: Option<&NativeCancelToken>,
    ) -> napi::Result<AsyncTask<PrepareTask>> {
        // Counted in the warm-up now, in call order, not when the task runs.
        let preparer =
            guard(|| self.preparer.starting_at(first_record_number))?.counted(bytes.len());
        let oversized = oversized_lines
            .iter()
            .zip(&oversized_bytes)
            .map(|(&record, &bytes)| OversizedLine {
                record,
                bytes: bytes as u64,
                limit: max_line_bytes as u64,
            })
            .collect();
        Ok(AsyncTask::with_optional_signal(
            PrepareTask {
                preparer: with_cancel(preparer, cancel),
                // Copied: the JS buffer may be reused once this call returns.
                payload: Payload::Bytes(bytes.to_vec(), oversized),
                threads: threads as usize,
            },
            signal,
        ))
    }

    #[napi(ts_return_type = "Promise<NativePrepared>")]
    pub fn prepare_async(
        &self,
        records_json: String,
        json_lines: bool,
        threads: u32,
        signal: Option<AbortSignal>,
        cancel: Option<&NativeCancelToken>,
    ) -> AsyncTask<PrepareTask> {
        let preparer = self.preparer.clone().counted(records_json.len());
        AsyncTask::with_optional_signal(
            PrepareTask {
                preparer: with_cancel(preparer, cancel),
                payload: Payload::Json {
                    text: records_json,
                    lines: json_lines,
                },
                threads: threads as usize,
            },
            signal,
        )
    }
}

/// Lets JS stop a `prepare*Async` call that is already running (napi's AbortSignal only cancels work
/// that has not started): the facade sets it when the signal aborts; records check it.
#[napi]
pub struct NativeCancelToken {
    flag: Arc<AtomicBool>,
}

#[napi]
impl NativeCancelToken {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    #[napi]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

enum Payload {
    /// A JSON array, or JSON lines when `lines`.
    Json { text: String, lines: bool },
    /// JSON lines as raw bytes, and the lines left out for their size.
    Bytes(Vec<u8>, Vec<OversizedLine>),
}

fn with_cancel(preparer: Preparer, cancel: Option<&NativeCancelToken>) -> Preparer {
    match cancel {
        Some(token) => preparer.with_cancel(token.flag.clone()),
        None => preparer,
    }
}

fn run(
    preparer: Preparer,
    payload: &Payload,
    threads: usize,
) -> tokenshift_core::Result<PreparedBatch> {
    match payload {
        Payload::Json { text, lines: true } => preparer.prepare_json_lines(text, threads),
        Payload::Json { text, lines: false } => preparer.prepare_json_array(text, threads),
        Payload::Bytes(bytes, oversized) => {
            preparer.prepare_json_lines_bytes(bytes, oversized, threads)
        }
    }
}

pub struct PrepareTask {
    preparer: Preparer,
    payload: Payload,
    threads: usize,
}

impl Task for PrepareTask {
    type Output = PreparedBatch;
    type JsValue = NativePrepared;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        guard(|| run(self.preparer.clone(), &self.payload, self.threads))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        crate::guard::ensure_env_alive(&env)?;
        Ok(output.into())
    }
}
