use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{AsyncTask, Int32Array, Uint32Array};
use napi::{Env, Task};
use napi_derive::napi;
use tokenshift_core::rows::{PackedColumns, RowBatch, Rows};
use tokenshift_core::write::{create_writer, sidecar, DatasetWriter, WriterOptions};
use tokenshift_core::Error;

use crate::guard::guard;

/// A dataset being written; files appear (renamed from temporary names) only on `finish`.
#[napi]
pub struct NativeDatasetWriter {
    path: PathBuf,
    writer: Arc<Mutex<Option<Box<dyn DatasetWriter>>>>,
}

type SharedWriter = Arc<Mutex<Option<Box<dyn DatasetWriter>>>>;

/// Owned copies of one batch of rows, for writing off the JS thread.
struct OwnedRows {
    input_ids: Vec<i32>,
    labels: Vec<i32>,
    offsets: Vec<u32>,
    packed: Option<(Vec<i32>, Vec<u32>, Vec<u32>)>,
    kept: Option<Vec<String>>,
}

impl OwnedRows {
    fn write_to(&self, writer: &SharedWriter) -> tokenshift_core::Result<()> {
        let batch = RowBatch {
            rows: Rows {
                input_ids: &self.input_ids,
                labels: &self.labels,
                offsets: &self.offsets,
            },
            packed: self.packed.as_ref().map(|(p, s, o)| PackedColumns {
                position_ids: p,
                seq_lens: s,
                seq_offsets: o,
            }),
            kept: self.kept.as_deref(),
        };
        let mut slot = writer.lock().map_err(|_| finished())?;
        slot.as_mut().ok_or_else(finished)?.write(&batch)
    }
}

fn owned_rows(
    input_ids: &[i32],
    labels: &[i32],
    offsets: &[u32],
    position_ids: Option<&[i32]>,
    seq_lens: Option<&[u32]>,
    seq_offsets: Option<&[u32]>,
    kept: Option<Vec<String>>,
) -> tokenshift_core::Result<OwnedRows> {
    let packed = match (position_ids, seq_lens, seq_offsets) {
        (Some(p), Some(s), Some(o)) => Some((p.to_vec(), s.to_vec(), o.to_vec())),
        (None, None, None) => None,
        _ => {
            return Err(Error::InvalidOption {
                option: "packed rows".into(),
                message: "pass positionIds, seqLens and seqOffsets together".into(),
            })
        }
    };
    Ok(OwnedRows {
        input_ids: input_ids.to_vec(),
        labels: labels.to_vec(),
        offsets: offsets.to_vec(),
        packed,
        kept,
    })
}

pub struct WriteTask {
    writer: SharedWriter,
    rows: OwnedRows,
}

impl Task for WriteTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        guard(|| self.rows.write_to(&self.writer))
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}

fn finished() -> Error {
    Error::Write {
        path: "(writer)".into(),
        message: "this writer was already finished or aborted".into(),
    }
}

#[napi]
impl NativeDatasetWriter {
    #[napi(constructor)]
    pub fn new(path: String, options_json: String) -> napi::Result<Self> {
        let path = PathBuf::from(path);
        let writer = guard(|| create_writer(&path, WriterOptions::from_json_str(&options_json)?))?;
        Ok(Self {
            path,
            writer: Arc::new(Mutex::new(Some(writer))),
        })
    }

    /// Appends rows (CSR); packed rows also pass positions and example lengths; `kept` holds each row's
    /// kept input columns as one JSON object text.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &self,
        input_ids: Int32Array,
        labels: Int32Array,
        offsets: Uint32Array,
        position_ids: Option<Int32Array>,
        seq_lens: Option<Uint32Array>,
        seq_offsets: Option<Uint32Array>,
        kept: Option<Vec<String>>,
    ) -> napi::Result<()> {
        guard(|| {
            owned_rows(
                &input_ids,
                &labels,
                &offsets,
                position_ids.as_deref(),
                seq_lens.as_deref(),
                seq_offsets.as_deref(),
                kept,
            )?
            .write_to(&self.writer)
        })
    }

    /// Same as `write`, off the JS thread (the rows are copied first, so the arrays may be reused).
    #[napi(ts_return_type = "Promise<void>")]
    #[allow(clippy::too_many_arguments)]
    pub fn write_async(
        &self,
        input_ids: Int32Array,
        labels: Int32Array,
        offsets: Uint32Array,
        position_ids: Option<Int32Array>,
        seq_lens: Option<Uint32Array>,
        seq_offsets: Option<Uint32Array>,
        kept: Option<Vec<String>>,
    ) -> napi::Result<AsyncTask<WriteTask>> {
        let rows = guard(|| {
            owned_rows(
                &input_ids,
                &labels,
                &offsets,
                position_ids.as_deref(),
                seq_lens.as_deref(),
                seq_offsets.as_deref(),
                kept,
            )
        })?;
        Ok(AsyncTask::new(WriteTask {
            writer: self.writer.clone(),
            rows,
        }))
    }

    /// Completes the files, then writes `<path>.meta.json` holding `metadata_json` plus what was written
    /// (under `output`). Returns the sidecar's JSON.
    #[napi]
    pub fn finish(&self, metadata_json: String) -> napi::Result<String> {
        guard(|| {
            let mut metadata: serde_json::Value =
                serde_json::from_str(&metadata_json).map_err(|e| Error::InvalidOption {
                    option: "metadata".into(),
                    message: e.to_string(),
                })?;
            let writer = self
                .writer
                .lock()
                .map_err(|_| finished())?
                .take()
                .ok_or_else(finished)?;
            let summary = writer.finish()?;
            if let serde_json::Value::Object(map) = &mut metadata {
                map.insert(
                    "output".into(),
                    serde_json::to_value(&summary).map_err(|e| Error::InvalidOption {
                        option: "metadata".into(),
                        message: e.to_string(),
                    })?,
                );
            }
            sidecar::write_sidecar(&self.path, &metadata)?;
            Ok(metadata.to_string())
        })
    }

    /// Drops the writer and its temporary files.
    #[napi]
    pub fn abort(&self) {
        if let Ok(mut slot) = self.writer.lock() {
            slot.take();
        }
    }
}
